/** `cgx export slurm`: the sbatch array script's content, and one array task's command run here. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyExperiment } from "./fixtures.js";
import { cgx, runDirIn } from "./processes.js";

describe("cgx export slurm", () => {
  it("writes an array script with one requeue-safe task per cell, and a task trains its cell as a local run does", () => {
    const dir = tinyExperiment(`budget steps 120
  control shuffled
  evaluate every 50%`);
    const local = cgx(dir, "run", "exp.cgx", "--runs", "local", "--no-report", "--jobs", "1");
    expect(local.status, local.stderr).toBe(0);
    const r = cgx(dir, "export", "slurm", "exp.cgx", "--runs", "cluster", "--parallel", "3", "--sbatch=--partition=cpu", "--sbatch", "--time=01:00:00");
    expect(r.status, r.stderr).toBe(0);
    const runDir = runDirIn(join(dir, "cluster"));
    const script = readFileSync(join(runDir, "cgx.sbatch"), "utf8");
    expect(script.split("\n")[0]).toBe("#!/bin/bash");
    for (const line of ["#SBATCH --job-name=cgx-tiny", "#SBATCH --array=0-0%3", "#SBATCH --requeue", "#SBATCH --partition=cpu", "#SBATCH --time=01:00:00", `#SBATCH --output=${runDir}/slurm/%A_%a.out`]) expect(script).toContain(line);
    expect(script).toMatch(new RegExp(`exec '[^']*node' '[^']*cgx\\.js' cell '${runDir}' --index "\\$SLURM_ARRAY_TASK_ID" --cache '`));
    expect(r.stderr).toContain("submit it with `sbatch ");
    // Run array task 0 here, as Slurm would; then again, as a requeue would: nothing changes.
    const task = () => spawnSync("bash", [join(runDir, "cgx.sbatch")], { cwd: dir, encoding: "utf8", env: { ...process.env, SLURM_ARRAY_TASK_ID: "0" } });
    const first = task();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain("shuffled/s/s0: done");
    const id = (JSON.parse(readFileSync(join(runDir, "plan.lock.json"), "utf8")) as { plan: { cells: { id: string }[] } }).plan.cells[0]!.id;
    const metrics = (root: string) => readFileSync(join(root, "cells", id, "metrics.jsonl"), "utf8");
    const localCell = metrics(runDirIn(join(dir, "local")));
    expect(metrics(runDir)).toBe(localCell);
    const again = task();
    expect(again.status, again.stderr).toBe(0);
    expect(metrics(runDir)).toBe(localCell);
    expect(cgx(dir, "status", runDir, "--verify").status).toBe(0);
  }, 240_000);
});
