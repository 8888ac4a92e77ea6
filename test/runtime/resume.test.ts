import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { tinyExperiment } from "./fixtures.js";

const BIN = join(ROOT, "bin/cgx.js");

function metricsOf(runs: string): Record<string, string[]> {
  const exp = join(runs, "tiny");
  const [hash] = readdirSync(exp).filter((n) => !n.startsWith("."));
  const cells = join(exp, hash!, "cells");
  const out: Record<string, string[]> = {};
  for (const id of readdirSync(cells)) out[id] = readFileSync(join(cells, id, "metrics.jsonl"), "utf8").trim().split("\n");
  return out;
}

function checkpointsIn(runs: string): number {
  const exp = join(runs, "tiny");
  if (!existsSync(exp)) return 0;
  let n = 0;
  for (const hash of readdirSync(exp)) {
    const cells = join(exp, hash, "cells");
    if (!existsSync(cells)) continue;
    for (const id of readdirSync(cells)) {
      const cp = join(cells, id, "checkpoints");
      if (existsSync(cp)) n += readdirSync(cp).filter((d) => d.startsWith("step-") && !d.includes(".tmp")).length;
    }
  }
  return n;
}

describe("a run killed with SIGKILL", () => {
  it("resumes from its last checkpoint and ends with the same metrics as an uninterrupted run", async () => {
    const dir = tinyExperiment(`budget steps 160
  control shuffled
  evaluate every 25%`);
    const whole = spawnSync("node", [BIN, "run", "exp.cgx", "--runs", "whole"], { cwd: dir, encoding: "utf8" });
    expect(whole.status, whole.stderr).toBe(0);

    // Start again elsewhere and kill it once the first checkpoint is on disk, mid-cell.
    const child = spawn("node", [BIN, "run", "exp.cgx", "--runs", "killed"], { cwd: dir, stdio: "ignore" });
    const runs = join(dir, "killed");
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (checkpointsIn(runs) >= 1) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        } else if (Date.now() - started > 120_000) {
          clearInterval(poll);
          child.kill("SIGKILL");
          reject(new Error("no checkpoint appeared"));
        }
      }, 5);
    });
    await new Promise((r) => child.on("exit", r));
    const partial = metricsOf(runs);
    const status = JSON.parse(readFileSync(join(runs, "tiny", readdirSync(join(runs, "tiny"))[0]!, "cells", Object.keys(partial)[0]!, "status.json"), "utf8"));
    expect(status.state).toBe("running");

    const resumed = spawnSync("node", [BIN, "run", "exp.cgx", "--runs", "killed"], { cwd: dir, encoding: "utf8" });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(metricsOf(runs)).toEqual(metricsOf(join(dir, "whole")));

    // A finished run is skipped on the next call.
    const again = spawnSync("node", [BIN, "run", "exp.cgx", "--runs", "killed"], { cwd: dir, encoding: "utf8" });
    expect(again.status).toBe(0);
    expect(metricsOf(runs)).toEqual(metricsOf(join(dir, "whole")));
  }, 240_000);
});
