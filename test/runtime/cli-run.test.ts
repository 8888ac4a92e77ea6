import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { tinyExperiment } from "./fixtures.js";
import { allMetrics, BIN, cgx } from "./processes.js";

const cgxWith = (env: Record<string, string>, cwd: string, ...args: string[]) => spawnSync("node", [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } });

describe("cgx run", () => {
  it("trains one cell per core by default, with the same numbers as one process, on both kernel paths", () => {
    const dir = tinyExperiment(`budget steps 60
  control shuffled
  evaluate every 50%`);
    writeFileSync(join(dir, "exp.cgx"), readFileSync(join(dir, "exp.cgx"), "utf8").replace("seeds 1", "seeds 2"));
    const one = cgx(dir, "run", "exp.cgx", "--runs", "one", "--jobs", "1");
    expect(one.status, one.stderr).toBe(0);
    expect(one.stderr).toContain("native kernels");
    expect(one.stderr).not.toContain("jobs");
    // The run ends with its report, as `cgx report` writes it.
    const runDir = join(dir, "one", "tiny", readdirSync(join(dir, "one", "tiny"))[0]!);
    expect(one.stdout).toContain("report for tiny: 2 of 2 cells finished");
    for (const f of ["report.html", "report.md", "analysis.json"]) expect(existsSync(join(runDir, f)), f).toBe(true);
    // No --jobs: as many workers as cores, capped by the 2 cells.
    const jobs = Math.min(availableParallelism(), 2);
    const byCores = cgx(dir, "run", "exp.cgx", "--runs", "cores");
    expect(byCores.status, byCores.stderr).toBe(0);
    if (jobs > 1) expect(byCores.stderr).toContain(`${jobs} jobs`);
    expect(allMetrics(join(dir, "cores"))).toBe(allMetrics(join(dir, "one")));
    const rerun = cgx(dir, "run", "exp.cgx", "--runs", "again", "--jobs", "2");
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(allMetrics(join(dir, "again"))).toBe(allMetrics(join(dir, "one")));
    expect(cgx(dir, "status", "cores").stdout).toContain("2 done");
    // The fallback kernels: their own numbers, equally reproducible across --jobs.
    const b1 = cgxWith({ CGX_KERNELS: "builtin" }, dir, "run", "exp.cgx", "--runs", "b1", "--jobs", "1");
    expect(b1.status, b1.stderr).toBe(0);
    expect(b1.stderr).toContain("builtin kernels");
    const b2 = cgx(dir, "run", "exp.cgx", "--runs", "b2", "--jobs", "2", "--kernels", "builtin");
    expect(b2.status, b2.stderr).toBe(0);
    expect(allMetrics(join(dir, "b2"))).toBe(allMetrics(join(dir, "b1")));
    expect(allMetrics(join(dir, "b1"))).not.toBe(allMetrics(join(dir, "one")));
    // A run started on one kernel path does not resume on the other.
    const mixed = cgx(dir, "run", "exp.cgx", "--runs", "b1");
    expect(mixed.status).toBe(1);
    expect(mixed.stderr).toContain("started with builtin kernels");
  }, 240_000);

  it("stops with a clear error for a source that matches no file, writing nothing", () => {
    const dir = tinyExperiment("budget steps 5\n  control shuffled");
    writeFileSync(join(dir, "exp.cgx"), readFileSync(join(dir, "exp.cgx"), "utf8").replace('files("corpus.txt"', 'files("missing/*.txt"'));
    // --jobs 2: the workers load the data and this process does not; their error reads the same.
    for (const jobs of ["1", "2"]) {
      const r = cgx(dir, "run", "exp.cgx", "--runs", "r", "--jobs", jobs);
      expect(r.status).toBe(1);
      expect(r.stderr.match(/error: no files match "missing\/\*\.txt"\n\s+= help: the pattern is read relative to /g)).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, "r"))).toBe(false);
    }
  });

  it("refuses an unknown backend with the list of backends", () => {
    const dir = tinyExperiment("budget steps 5\n  control shuffled");
    // With --jobs 2 the workers choose the backend; their failure is explained as this process's would be.
    for (const jobs of ["1", "2"]) {
      const r = cgx(dir, "run", "exp.cgx", "--backend", "tpu", "--jobs", jobs);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("unknown backend `tpu`; choose one of tensorflow-gpu, tensorflow, wasm, cpu");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
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
    // The project's set-up installs OpenBLAS and compiles the row kernels, so the fastest path is active here.
    expect(r.stdout).toMatch(/matmul kernels: native: OpenBLAS from \S+, 1 thread .*; row kernels compiled for this machine/);
    expect(r.stdout).toContain("active kernels: native");
    const js = cgxWith({ CGX_KERNELS: "openblas" }, ROOT, "doctor");
    expect(js.stdout).toContain("row kernels in JavaScript (asked for)");
    expect(js.stdout).toContain("active kernels: openblas");
    const fallback = cgxWith({ CGX_KERNELS: "builtin" }, ROOT, "doctor");
    expect(fallback.stdout).toContain("active kernels: builtin");
    const bad = cgxWith({ CGX_KERNELS: "bogus" }, ROOT, "doctor");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("error: CGX_KERNELS is `bogus`; use one of auto, native, openblas, builtin");
    expect(bad.stderr).not.toContain("internal error");
  });
});
