/**
 * `cgx worker URL`: a BullMQ worker that takes cells from the queue and trains each in a sandboxed
 * child process (cell-processor.ts). Delivery is at least once: a job whose worker dies (or loses
 * Redis for longer than its lease) goes back to the queue and another worker takes it, resuming
 * the cell from its last checkpoint. Results are exactly once, because every cell has one owner
 * at a time (its owner.lock) and resumes deterministically. A job whose child process crashes is
 * retried up to its attempts; then the cell is marked failed in the run directory.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Queue, Worker, type Job } from "bullmq";
import { markCellFailed, type PlanLock } from "../executor.js";
import { tryReadJson } from "../files.js";
import { QUEUE_NAME, redisOptions, type CellJob } from "./connection.js";
import { join } from "node:path";

export interface QueueWorkerOptions {
  readonly url: string;
  /** Cells trained at once by this worker (one child process each). */
  readonly concurrency: number;
  /** Seconds a job stays with this worker after it stops renewing its lock (a dead worker's cells wait this long). */
  readonly leaseSeconds: number;
  /** Exit after this many seconds with no job waiting, active or delayed (undefined: run until stopped). */
  readonly idleExitSeconds?: number;
  readonly log: (line: string) => void;
}

function processorPath(): string {
  const here = fileURLToPath(new URL("./cell-processor.js", import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL("../../../../dist/src/runtime/running/queue/cell-processor.js", import.meta.url));
}

/** Marks a cell failed once its job has used up its attempts (its child process kept dying). */
function failForGood(job: Job<CellJob>, error: Error): void {
  const lock = tryReadJson<PlanLock>(join(job.data.runDir, "plan.lock.json"));
  const cell = lock?.plan.cells.find((c) => c.id === job.data.cellId);
  if (!cell) return;
  markCellFailed(job.data.runDir, cell, job.data.backend, `failed ${job.attemptsMade} time${job.attemptsMade === 1 ? "" : "s"} in a queue worker; the last: ${error.message}`, () => undefined);
}

export async function runQueueWorker(o: QueueWorkerOptions): Promise<void> {
  const connection = redisOptions(o.url);
  const lockDuration = Math.max(2, o.leaseSeconds) * 1000;
  const worker = new Worker<CellJob>(QUEUE_NAME, processorPath(), {
    connection,
    concurrency: o.concurrency,
    lockDuration,
    // A dead worker's job is found within about a lease; a job may stall twice (a Redis restart) before failing.
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    maxStalledCount: 2,
    useWorkerThreads: false,
  });
  worker.on("active", (job) => o.log(`${job.data.label}: training (job ${job.id}, attempt ${job.attemptsMade + 1})`));
  worker.on("completed", (job, result: { state: string; message?: string }) => o.log(`${job.data.label}: ${result.state}${result.message ? ` (${result.message})` : ""}`));
  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled more than/.test(err.message);
    o.log(`${job.data.label}: attempt ${job.attemptsMade} failed: ${err.message}${final ? "; no attempts left, marking the cell failed" : "; it goes back to the queue"}`);
    if (!final) return;
    try {
      failForGood(job, err);
    } catch (e) {
      // A full disk, say: the cell stays as it was on disk and the next `cgx run --queue` queues it again.
      o.log(`${job.data.label}: could not mark the cell failed: ${(e as Error).message}`);
    }
  });
  worker.on("error", (err) => o.log(`queue: ${err.message} (retrying)`));

  const stop = async (why: string) => {
    o.log(`stopping (${why}); cells in progress go back to the queue and resume from their last checkpoints`);
    await worker.close(true);
    process.exit(why === "SIGINT" ? 130 : why === "SIGTERM" ? 143 : 0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  o.log(`cgx worker: taking cells from ${o.url} (${o.concurrency} at a time)`);
  if (o.idleExitSeconds === undefined) {
    await new Promise<never>(() => undefined);
    return;
  }
  const queue = new Queue<CellJob>(QUEUE_NAME, { connection });
  let idleSince = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    let busy = true;
    try {
      const counts = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "waiting-children");
      busy = Object.values(counts).some((n) => n > 0);
    } catch {
      // Redis is away: not idle, just waiting.
    }
    if (busy) idleSince = Date.now();
    else if (Date.now() - idleSince > o.idleExitSeconds * 1000) {
      await queue.close();
      await worker.close();
      o.log("queue is empty; exiting");
      return;
    }
  }
}
