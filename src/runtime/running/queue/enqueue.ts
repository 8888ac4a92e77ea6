/**
 * `cgx run --queue URL`: puts every unfinished cell of a run directory on the BullMQ queue, once.
 * A cell's job id is derived from the run directory and the cell, so enqueueing twice adds
 * nothing; a job that failed for good is retried when the run is enqueued again. Cells are
 * marked `queued` in the run directory, so `cgx status` needs no Redis.
 */
import { Queue } from "bullmq";
import type { Cell } from "../../../plan/types.js";
import { cellPaths, readStatus, writeStatus } from "../rundir.js";
import { jobIdFor, QUEUE_NAME, redisOptions, type CellJob } from "./connection.js";

export interface EnqueueOptions {
  readonly url: string;
  readonly runDir: string;
  readonly cells: readonly Cell[];
  readonly backend: string;
  readonly kernels: string;
  readonly cacheDir: string;
  readonly cwd: string;
  /** Tries per cell when its worker process crashes (a cell's own failure is final at once). */
  readonly attempts: number;
}

export interface EnqueueResult {
  readonly added: number;
  readonly already: number;
  readonly retried: number;
  readonly finished: number;
}

export async function enqueueCells(o: EnqueueOptions): Promise<EnqueueResult> {
  const queue = new Queue<CellJob, unknown, "cell">(QUEUE_NAME, { connection: redisOptions(o.url) });
  let added = 0;
  let already = 0;
  let retried = 0;
  let finished = 0;
  try {
    for (const cell of o.cells) {
      const paths = cellPaths(o.runDir, cell.id);
      const st = readStatus(paths);
      if (st?.state === "done" || st?.state === "diverged") {
        finished++;
        continue;
      }
      const jobId = jobIdFor(o.runDir, cell.id);
      const existing = await queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state === "failed" || state === "completed") {
          // Finished in the queue but not in the run directory (failed, or its result lost): again.
          await existing.remove();
          retried++;
        } else {
          already++;
          continue;
        }
      } else added++;
      await queue.add("cell", { runDir: o.runDir, cellId: cell.id, label: cell.label, backend: o.backend, kernels: o.kernels, cacheDir: o.cacheDir, cwd: o.cwd }, { jobId, attempts: o.attempts, removeOnComplete: false, removeOnFail: false });
      if (st?.state !== "running") writeStatus(paths, { id: cell.id, label: cell.label, state: "queued", step: st?.step ?? 0, steps: cell.budget.steps, tokens: st?.tokens ?? 0, backend: o.backend, updated: new Date().toISOString() });
    }
  } finally {
    await queue.close();
  }
  return { added, already, retried, finished };
}
