import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { tinyExperiment } from "./fixtures.js";

const BIN = join(ROOT, "bin/cgx.js");
const cgx = (cwd: string, ...args: string[]) => spawnSync("node", [BIN, ...args], { cwd, encoding: "utf8" });

function allMetrics(runs: string): string {
  const exp = join(runs, "tiny");
  const hash = readdirSync(exp)[0]!;
  const cells = join(exp, hash, "cells");
  return readdirSync(cells)
    .sort()
    .map((id) => `${id}\n${readFileSync(join(cells, id, "metrics.jsonl"), "utf8")}`)
    .join("\n");
}

describe("cgx run", () => {
  it("trains cells in worker processes with --jobs, with the same numbers as one process", () => {
    const dir = tinyExperiment(`seeds [0, 1]
  budget steps 60
  control shuffled
  evaluate every 50%`.replace("seeds [0, 1]\n", ""));
    writeFileSync(join(dir, "exp.cgx"), readFileSync(join(dir, "exp.cgx"), "utf8").replace("seeds 1", "seeds 2"));
    const one = cgx(dir, "run", "exp.cgx", "--runs", "one");
    expect(one.status, one.stderr).toBe(0);
    const two = cgx(dir, "run", "exp.cgx", "--runs", "two", "--jobs", "2");
    expect(two.status, two.stderr).toBe(0);
    expect(two.stderr).toContain("2 jobs");
    expect(allMetrics(join(dir, "two"))).toBe(allMetrics(join(dir, "one")));
    const status = cgx(dir, "status", "two");
    expect(status.stdout).toContain("2 done");
  }, 180_000);

  it("stops with a clear error for a source that matches no file, writing nothing", () => {
    const dir = tinyExperiment("budget steps 5\n  control shuffled");
    writeFileSync(join(dir, "exp.cgx"), readFileSync(join(dir, "exp.cgx"), "utf8").replace('files("corpus.txt"', 'files("missing/*.txt"'));
    const r = cgx(dir, "run", "exp.cgx", "--runs", "r");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: no files match "missing/*.txt"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses an unknown backend with the list of backends", () => {
    const dir = tinyExperiment("budget steps 5\n  control shuffled");
    const r = cgx(dir, "run", "exp.cgx", "--backend", "tpu");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown backend `tpu`; choose one of tensorflow-gpu, tensorflow, wasm, cpu");
  });

  it("cgx doctor says which backends load and why the others do not", () => {
    const r = cgx(ROOT, "doctor");
    // wasm ships inside its npm package, so it loads everywhere; the default is the first that loads.
    expect(r.stdout).toMatch(/ok\s+wasm/);
    const lines = r.stdout.split("\n").filter((l) => /^\s+(ok|no)\s/.test(l));
    expect(lines.map((l) => l.trim().split(/\s+/)[1])).toEqual(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
    for (const l of lines.filter((x) => x.trim().startsWith("no"))) expect(l.trim().split(/\s+/).length).toBeGreaterThan(3);
    const first = lines.find((l) => l.trim().startsWith("ok"))!.trim().split(/\s+/)[1];
    expect(r.stdout).toContain(`default backend: ${first}`);
  });
});
