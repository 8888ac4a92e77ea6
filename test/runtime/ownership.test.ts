/**
 * One writer per run directory and per cell, with real `cgx run` processes: a second runner is
 * refused while the first lives, a dead runner's locks are recovered, workers die with their
 * parent, and a worker that dies mid-cell has its cell resumed (once) in another worker.
 */
import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { alive, allMetrics, twoLongCells, cellIds, cellOwnerPid, cgx, checkpointCount, runDirIn, start, waitFor } from "./processes.js";
import { tinyExperiment } from "./fixtures.js";

describe("ownership of a run directory", () => {
  let dir: string;
  let reference: string;
  beforeAll(() => {
    ({ dir, reference } = twoLongCells("reference"));
  }, 240_000);

  it("two concurrent cgx run: the second is refused naming the first; the outcome is that of one run", async () => {
    const a = start(dir, "run", "exp.cgx", "--runs", "twice", "--no-report");
    const b = start(dir, "run", "exp.cgx", "--runs", "twice", "--no-report");
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    const [winner, loser] = ra.code === 0 ? [ra, rb] : [rb, ra];
    expect(winner.code, winner.stderr).toBe(0);
    expect(loser.code, loser.stderr).toBe(1);
    const holder = winner === ra ? a.proc.pid : b.proc.pid;
    expect(loser.stderr).toMatch(new RegExp(`error: \\S+ is being trained by cgx run tiny \\(pid ${holder} on \\S+, since `));
    expect(loser.stderr).not.toContain("internal error");
    expect(allMetrics(join(dir, "twice"))).toBe(reference);
  }, 240_000);

  it("a killed parent takes its workers with it; the next run recovers its locks and ends the same", async () => {
    const runs = join(dir, "killed");
    const run = start(dir, "run", "exp.cgx", "--runs", runs, "--jobs", "2", "--no-report");
    await waitFor("both cells training", () => cellIds(runs).length === 2 && cellIds(runs).every((id) => checkpointCount(runs, id) >= 1 && cellOwnerPid(runs, id) !== undefined));
    const workers = cellIds(runs).map((id) => cellOwnerPid(runs, id)!);
    run.proc.kill("SIGKILL");
    await run.exited;
    await waitFor("the workers to die with their parent", () => workers.every((pid) => !alive(pid)), 5_000);
    const status = cgx(dir, "status", runs);
    expect(status.stdout).toContain("2 stopped");
    expect(status.stdout).toMatch(/its last runner, cgx run tiny \(pid \d+ .*\), is gone \(pid \d+ is no longer running\)/);
    const again = cgx(dir, "run", "exp.cgx", "--runs", runs, "--no-report");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/warning: took over the run directory from cgx run tiny \(pid \d+ .*\): pid \d+ is no longer running/);
    expect(again.stderr).toMatch(/took over the cell from cgx run worker/);
    expect(allMetrics(runs)).toBe(reference);
    // Nothing is left holding the run: no lock files once it ended.
    const runDir = runDirIn(runs);
    expect(readdirSync(runDir)).not.toContain("runner.lock");
    for (const id of cellIds(runs)) expect(readdirSync(join(runDir, "cells", id))).not.toContain("owner.lock");
  }, 240_000);

  it("a worker killed mid-cell: its cell is named and resumed in a new worker, with the same numbers", async () => {
    const runs = join(dir, "one-death");
    const run = start(dir, "run", "exp.cgx", "--runs", runs, "--jobs", "2", "--no-report");
    await waitFor("a checkpoint", () => cellIds(runs).length > 0 && checkpointCount(runs, cellIds(runs)[0]!) >= 1 && cellOwnerPid(runs, cellIds(runs)[0]!) !== undefined);
    const victim = cellOwnerPid(runs, cellIds(runs)[0]!)!;
    process.kill(victim, "SIGKILL");
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`warning: shuffled/s/s\\d: its worker \\(pid ${victim}\\) died: killed by SIGKILL; resuming the cell from its last checkpoint in a new worker`));
    expect(r.stderr).toContain("2 done;");
    expect(allMetrics(runs)).toBe(reference);
  }, 240_000);

  it("a cell whose worker dies twice is failed with the worker's last error; the other cell finishes", async () => {
    const runs = join(dir, "two-deaths");
    const run = start(dir, "run", "exp.cgx", "--runs", runs, "--jobs", "2", "--no-report");
    await waitFor("a cell owned", () => cellIds(runs).length > 0 && cellOwnerPid(runs, cellIds(runs)[0]!) !== undefined);
    const cell = cellIds(runs)[0]!;
    const first = cellOwnerPid(runs, cell)!;
    process.kill(first, "SIGKILL");
    await waitFor("the cell in a new worker", () => {
      const pid = cellOwnerPid(runs, cell);
      return pid !== undefined && pid !== first;
    });
    process.kill(cellOwnerPid(runs, cell)!, "SIGKILL");
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/1 done, 1 failed \(shuffled\/s\/s\d: failed, its worker died 2 times; the last: killed by SIGKILL/);
    expect(r.stderr).not.toContain("internal error");
    const st = JSON.parse(readFileSync(join(runDirIn(runs), "cells", cell, "status.json"), "utf8"));
    expect(st.state).toBe("failed");
    expect(st.message).toContain("its worker died 2 times");
  }, 240_000);

  it("Ctrl-C stops the run and its workers, leaves no lock, says how to resume, and the resumed run ends the same", async () => {
    const runs = join(dir, "interrupted");
    const run = start(dir, "run", "exp.cgx", "--runs", runs, "--jobs", "2", "--no-report");
    await waitFor("both cells training", () => cellIds(runs).length === 2 && cellIds(runs).every((id) => checkpointCount(runs, id) >= 1 && cellOwnerPid(runs, id) !== undefined));
    const workers = cellIds(runs).map((id) => cellOwnerPid(runs, id)!);
    // A terminal's Ctrl-C reaches the whole process group: cgx and its workers.
    process.kill(-run.proc.pid!, "SIGINT");
    const r = await run.exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("stopping after the current step (SIGINT); press Ctrl-C again to stop at once");
    expect(r.stderr).toContain("stopped by SIGINT: every cell keeps its last checkpoint. Resume with: cgx run exp.cgx");
    expect(r.stderr).toMatch(/2 interrupted/);
    expect(workers.filter(alive)).toEqual([]);
    const runDir = runDirIn(runs);
    expect(readdirSync(runDir)).not.toContain("runner.lock");
    for (const id of cellIds(runs)) {
      expect(readdirSync(join(runDir, "cells", id))).not.toContain("owner.lock");
      const st = JSON.parse(readFileSync(join(runDir, "cells", id, "status.json"), "utf8"));
      expect(st.state).toBe("interrupted");
      expect(st.message).toMatch(/^stopped by SIGINT at step \d+; resumes from the checkpoint at step \d+$/);
    }
    const status = cgx(dir, "status", runDir);
    expect(status.stdout).toMatch(/interrupted/);
    expect(status.stdout).not.toMatch(/running/);
    const again = cgx(dir, "run", "exp.cgx", "--runs", runs, "--no-report");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain("warning");
    expect(allMetrics(runs)).toBe(reference);
  }, 240_000);

  it("a second Ctrl-C stops at once, mid-step, with every file whole, and the resumed run still ends the same", async () => {
    // Steps of about a second, so the second signal lands while the worker is still in one
    // (two signals sent together reach a process as one).
    const slow = tinyExperiment(`budget steps 12
  control shuffled
  evaluate every 25%`);
    const file = join(slow, "exp.cgx");
    writeFileSync(file, readFileSync(file, "utf8").replace("shape s(layers: 1, width: 16, heads: 2)", "shape s(layers: 4, width: 512, heads: 4)").replace("batch 4", "batch 32"));
    const ref = cgx(slow, "run", "exp.cgx", "--runs", "reference", "--no-report");
    expect(ref.status, ref.stderr).toBe(0);
    const runs = join(slow, "twice");
    const run = start(slow, "run", "exp.cgx", "--runs", runs, "--jobs", "2", "--no-report");
    let stderr = "";
    run.proc.stderr!.on("data", (d) => (stderr += d));
    await waitFor("the cell past its first checkpoint", () => cellIds(runs).some((id) => checkpointCount(runs, id) >= 1 && cellOwnerPid(runs, id) !== undefined));
    const workers = cellIds(runs).flatMap((id) => cellOwnerPid(runs, id) ?? []);
    process.kill(-run.proc.pid!, "SIGINT");
    await waitFor("the first Ctrl-C to be heard", () => stderr.includes("stopping after the current step"), 30_000);
    process.kill(-run.proc.pid!, "SIGINT");
    const r = await run.exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("stopped at once by a second SIGINT; every cell keeps its last checkpoint. Resume with: cgx run exp.cgx");
    expect(r.stderr).not.toContain("internal error");
    await waitFor("the workers to go", () => workers.filter(alive).length === 0, 10_000);
    const again = cgx(slow, "run", "exp.cgx", "--runs", runs, "--no-report");
    expect(again.status, again.stderr).toBe(0);
    expect(allMetrics(runs)).toBe(allMetrics(join(slow, "reference")));
  }, 240_000);

  it("removes temporaries left by killed writers, and tells a corrupt plan lock from a missing one", () => {
    const runs = join(dir, "reference");
    const runDir = runDirIn(runs);
    const cell = cellIds(runs)[0]!;
    const dead = 2 ** 22 - 7;
    const orphans = [join(runDir, "cells", cell, "checkpoints", `step-000000750.tmp-${dead}`), join(runDir, "cells", cell, `status.json.tmp-${dead}-3`), join(runDir, `plan.lock.json.tmp-${dead}-0`)];
    for (const o of orphans) writeFileSync(o, "x".repeat(1000));
    // A run-level temporary counts as orphaned only once it is a minute old.
    const old = Date.now() / 1000 - 120;
    utimesSync(orphans[2]!, old, old);
    const again = cgx(dir, "run", "exp.cgx", "--runs", runs, "--no-report");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("removed 1 temporary file left by killed writers");
    for (const o of orphans.slice(0, 2)) expect(() => readFileSync(o)).toThrow();
    const lock = join(runDir, "plan.lock.json");
    const text = readFileSync(lock, "utf8");
    writeFileSync(lock, text.slice(0, 100));
    const st = cgx(dir, "status", runDir);
    expect(st.status).toBe(1);
    expect(st.stderr).toMatch(/error: `.*plan.lock.json` is corrupt \(/);
    writeFileSync(lock, text);
  }, 240_000);
});
