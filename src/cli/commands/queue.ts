/**
 * The queue side of the CLI: `cgx run FILE --queue URL` (enqueue the plan's cells, then follow
 * them in the run directory until every one has ended) and `cgx worker URL` (train cells from
 * the queue). Redis and BullMQ stay behind src/runtime/running/queue/.
 */
import type { Plan } from "../../plan/types.js";
import type { BackendInfo } from "../../runtime/backend.js";
import { openRun, selectCells, RunError } from "../../runtime/running/executor.js";
import { cellPaths, readStatus } from "../../runtime/running/rundir.js";
import { QueueUrlError } from "../../runtime/running/queue/connection.js";
import { enqueueCells } from "../../runtime/running/queue/enqueue.js";
import { runQueueWorker } from "../../runtime/running/queue/worker.js";
import { describeOwner, inspectLock } from "../../store/owner.js";
import { type Io, UserError } from "../io.js";

export interface QueueRunOptions {
  readonly url: string;
  readonly root: string;
  readonly cacheDir: string;
  readonly cells?: readonly string[];
  readonly detach: boolean;
  readonly attempts: number;
}

const FINAL = new Set(["done", "diverged", "failed"]);

/** Enqueues, then (unless detached) waits for every selected cell to end; returns the run directory and the cells' states. */
export async function runThroughQueue(io: Io, plan: Plan, backend: BackendInfo, o: QueueRunOptions): Promise<{ runDir: string; results: Map<string, string>; messages: Map<string, string> } | undefined> {
  const cells = selectCells(plan, o.cells);
  const { runDir, lock } = openRun(o.root, plan, backend, (m) => io.err(`warning: ${m}\n`));
  try {
    let r;
    try {
      r = await withTimeout(
        enqueueCells({ url: o.url, runDir, cells, backend: backend.name, kernels: backend.kernels, cacheDir: o.cacheDir, cwd: io.cwd, attempts: o.attempts }),
        30_000,
        `no answer from Redis at ${o.url} within 30 s`,
      );
    } catch (e) {
      if (e instanceof QueueUrlError) throw new UserError(e.message, "give it as redis://HOST:PORT, for example redis://127.0.0.1:6379");
      if (e instanceof TimeoutError) throw new UserError(e.message, "start redis-server there (or check the host and port), then run the same command again");
      throw e;
    }
    io.err(`queued ${r.added} cell${r.added === 1 ? "" : "s"} on ${o.url}${r.already ? `, ${r.already} already queued` : ""}${r.retried ? `, ${r.retried} queued again` : ""}${r.finished ? `, ${r.finished} already finished` : ""}; run directory ${runDir}\n`);
    if (o.detach) {
      io.err(`start workers with \`cgx worker ${o.url}\` on machines that see ${runDir}; \`cgx status ${runDir}\` follows them\n`);
      return undefined;
    }
    io.err(`waiting for workers (\`cgx worker ${o.url}\` on machines that see the run directory); Ctrl-C stops waiting, the queue keeps the cells\n`);
    const seen = new Map<string, string>();
    for (;;) {
      let open = 0;
      for (const cell of cells) {
        const paths = cellPaths(runDir, cell.id);
        const st = readStatus(paths);
        let state: string = st?.state ?? "pending";
        let detail = st?.message ?? "";
        if (state === "running") {
          const h = inspectLock(paths.owner);
          detail = h.kind === "owner" && h.alive ? `by ${describeOwner(h.owner)}` : "waiting for a worker to take it over";
        }
        const line = `${state} ${state === "running" ? "" : detail}`;
        if (seen.get(cell.id) !== line) {
          seen.set(cell.id, line);
          io.err(`  ${cell.label}: ${state}${detail ? ` (${detail})` : ""}\n`);
        }
        if (!FINAL.has(state)) open++;
      }
      if (open === 0) break;
      lock.renew(true);
      await new Promise((res) => setTimeout(res, 1000));
    }
    const results = new Map<string, string>();
    const messages = new Map<string, string>();
    for (const cell of cells) {
      const st = readStatus(cellPaths(runDir, cell.id))!;
      results.set(cell.id, st.state);
      if (st.message) messages.set(cell.id, st.message);
    }
    return { runDir, results, messages };
  } catch (e) {
    if (e instanceof RunError) throw new UserError(e.message, e.help);
    throw e;
  } finally {
    lock.release();
  }
}

class TimeoutError extends Error {}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface WorkerCommandOptions {
  readonly concurrency?: string;
  readonly lease?: string;
  readonly idleExit?: string;
}

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${name} must be a positive number, got \`${v}\``);
  return n;
}

/** `cgx worker URL`: trains cells from the queue until stopped (or idle, with --idle-exit). */
export async function workerCommand(io: Io, url: string, opts: WorkerCommandOptions): Promise<number> {
  const concurrency = positive("--concurrency", opts.concurrency, 1);
  if (!Number.isInteger(concurrency)) throw new UserError(`--concurrency must be a whole number, got \`${opts.concurrency}\``);
  try {
    await runQueueWorker({
      url,
      concurrency,
      leaseSeconds: positive("--lease", opts.lease, 30),
      ...(opts.idleExit !== undefined ? { idleExitSeconds: positive("--idle-exit", opts.idleExit, 0) } : {}),
      log: (line) => io.err(`${line}\n`),
    });
  } catch (e) {
    if (e instanceof QueueUrlError) throw new UserError(e.message, "give it as redis://HOST:PORT, for example redis://127.0.0.1:6379");
    throw e;
  }
  return 0;
}
