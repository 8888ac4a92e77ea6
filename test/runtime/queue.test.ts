/**
 * Cells over a BullMQ queue on a real redis-server, with real `cgx run --queue` and `cgx worker`
 * processes: idempotent enqueueing, a worker SIGKILLed mid-cell (its cell resumes in another
 * worker), Redis killed and restarted mid-run, and a cell whose process keeps crashing (failed
 * after its attempts, the others finish). Every result is byte-identical to a local run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { tinyExperiment } from "./fixtures.js";
import { alive, allMetrics, twoLongCells, cellIds, cellOwnerPid, cgx, checkpointCount, runDirIn, start, waitFor, type Running } from "./processes.js";
import { startRedis, type RedisServer } from "./redis.js";

/** The parent of a process (a sandboxed cell's worker). */
const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);

describe("cells over a Redis queue", () => {
  let dir: string;
  let reference: string;
  let redis: RedisServer | undefined;
  const procs: Running[] = [];
  beforeAll(() => {
    ({ dir, reference } = twoLongCells("local"));
  }, 240_000);
  afterEach(async () => {
    for (const p of procs.splice(0)) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill("SIGKILL");
    await redis?.stop();
    redis = undefined;
  });
  const worker = (...extra: string[]) => {
    const w = start(dir, "worker", redis!.url, "--lease", "3", "--idle-exit", "4", ...extra);
    procs.push(w);
    return w;
  };

  it("enqueues once, and a worker SIGKILLed mid-cell has its cell resumed by another: results as a local run", async () => {
    redis = await startRedis();
    const shared = join(dir, "shared-kill");
    const first = cgx(dir, "run", "exp.cgx", "--queue", redis.url, "--out", shared, "--detach");
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain(`queued 2 cells on ${redis.url}`);
    const second = cgx(dir, "run", "exp.cgx", "--queue", redis.url, "--out", shared, "--detach");
    expect(second.stderr).toContain("queued 0 cells on");
    expect(second.stderr).toContain("2 already queued");
    expect(cgx(dir, "status", shared).stdout).toContain("2 queued");
    const follow = start(dir, "run", "exp.cgx", "--queue", redis.url, "--out", shared);
    procs.push(follow);
    const a = worker();
    const b = worker();
    await waitFor("both cells training with a checkpoint", () => cellIds(shared).length === 2 && cellIds(shared).every((id) => checkpointCount(shared, id) >= 1 && cellOwnerPid(shared, id) !== undefined));
    const victimCell = cellIds(shared)[0]!;
    const child = cellOwnerPid(shared, victimCell)!;
    const victim = parentOf(child);
    expect([a.proc.pid, b.proc.pid]).toContain(victim);
    expect(cgx(dir, "status", shared).stdout).toMatch(/running .*by cgx worker \(pid \d+ on /);
    process.kill(victim, "SIGKILL");
    // Its sandboxed child dies with it.
    await waitFor("the cell's child process to die with its worker", () => !alive(child), 5_000);
    const r = await follow.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("2 done;");
    expect(allMetrics(shared)).toBe(reference);
    const verify = cgx(dir, "status", runDirIn(shared), "--verify");
    expect(verify.status, verify.stdout).toBe(0);
    const survivor = victim === a.proc.pid ? b : a;
    const log = (await survivor.exited).stderr;
    expect(log).toMatch(/took over the cell|training \(job/);
  }, 240_000);

  it("survives Redis killed and restarted mid-run: the workers reconnect and the run completes as a local run", async () => {
    redis = await startRedis();
    const shared = join(dir, "shared-redis");
    const follow = start(dir, "run", "exp.cgx", "--queue", redis.url, "--out", shared);
    procs.push(follow);
    worker();
    worker();
    await waitFor("both cells training with a checkpoint", () => cellIds(shared).length === 2 && cellIds(shared).every((id) => checkpointCount(shared, id) >= 1));
    await redis.kill();
    await new Promise((r) => setTimeout(r, 2000));
    await redis.restart();
    const r = await follow.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(allMetrics(shared)).toBe(reference);
  }, 240_000);

  it("a diverged cell is marked and does not block the others", async () => {
    redis = await startRedis();
    const wild = tinyExperiment(`budget steps 200
  control shuffled
  evaluate every 50%
  vary { lr [3e-3, 1e4] }`);
    const shared = join(wild, "shared");
    const follow = start(wild, "run", "exp.cgx", "--queue", redis.url, "--out", shared);
    procs.push(follow);
    procs.push(start(wild, "worker", redis.url, "--lease", "3", "--idle-exit", "4"));
    const r = await follow.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 done, 1 diverged;/);
    expect(cgx(wild, "status", shared).stdout).toMatch(/shuffled\/s\/lr=10000\/s0 +diverged .*diverged/);
  }, 240_000);

  it("a cell whose process keeps dying is failed after its attempts; the other cell finishes", async () => {
    redis = await startRedis();
    const shared = join(dir, "shared-poison");
    const follow = start(dir, "run", "exp.cgx", "--queue", redis.url, "--out", shared, "--attempts", "2");
    procs.push(follow);
    const w = worker();
    await waitFor("a cell owned", () => cellIds(shared).some((id) => cellOwnerPid(shared, id) !== undefined));
    const poisoned = cellIds(shared).find((id) => cellOwnerPid(shared, id) !== undefined)!;
    // Kill the cell's process every time a sandboxed child of the worker takes it: a cell that
    // crashes its process. (The worker itself takes the lock at the end, to mark the cell failed.)
    let kills = 0;
    let last: number | undefined;
    const killer = setInterval(() => {
      const pid = cellOwnerPid(shared, poisoned);
      if (pid !== undefined && pid !== last && pid !== w.proc.pid && alive(pid)) {
        last = pid;
        kills++;
        process.kill(pid, "SIGKILL");
      }
    }, 20);
    const r = await follow.exited;
    clearInterval(killer);
    expect(kills).toBe(2);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/1 done, 1 failed \(shuffled\/s\/s\d: failed, failed 2 times in a queue worker; the last: /);
    const st = JSON.parse(readFileSync(join(runDirIn(shared), "cells", poisoned, "status.json"), "utf8"));
    expect(st.state).toBe("failed");
  }, 240_000);
});
