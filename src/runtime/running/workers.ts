/**
 * `--jobs N`: cells trained in N worker processes. Each worker loads the backend and the data once
 * (scores come from the disk cache), then trains the cells the parent hands it, one at a time,
 * owning each through its cell lock, and reports progress and outcomes over IPC. Cells share
 * nothing but the run directory, where each writes only under its own cells/<id>/.
 *
 * Workers die with their parent (they exit when the IPC channel closes, and on Linux the kernel
 * kills them if the parent dies). A worker that dies mid-cell is named, and its cell resumes from
 * its last checkpoint in a fresh worker; a cell whose worker dies twice is marked failed with the
 * worker's last error, and the other cells go on.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Cell, Plan } from "../../plan/types.js";
import type { BackendName, KernelsChoice } from "../backend.js";
import { markCellFailed, openRun, selectCells, type RunEvent, type RunSummary } from "./executor.js";
import type { LoadedBackend } from "../backend.js";
import type { CellState } from "./rundir.js";
import { DiskError } from "../../store/durable.js";
import { stopRequested } from "./stop.js";

export interface WorkerInit {
  readonly type: "init";
  readonly runDir: string;
  readonly backend: BackendName;
  /** The parent's kernels, so every worker computes exactly as the parent would. */
  readonly kernels: KernelsChoice;
  readonly cacheDir: string;
  readonly cwd: string;
}

/** Sent right after the fork: load the backend now (it takes about half a second), before "init". */
export interface WorkerWarm {
  readonly type: "warm";
  readonly backend: BackendName;
  readonly kernels: KernelsChoice;
}

/** "stop": finish the step in progress, return the cell as interrupted, then exit (see stop.ts). */
export type ToWorker = WorkerWarm | WorkerInit | { readonly type: "cell"; readonly id: string } | { readonly type: "stop"; readonly signal: NodeJS.Signals } | { readonly type: "exit" };

export interface DiskFailure {
  readonly path: string;
  readonly code: string;
  readonly action: string;
}

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "event"; readonly id: string; readonly event: Omit<RunEvent, "cell"> }
  | { readonly type: "done"; readonly id: string; readonly state: CellState; readonly message?: string }
  | { readonly type: "fatal"; readonly message: string; readonly disk?: DiskFailure };

/** Tries per cell: the first, and one more in another worker if a worker dies under it. */
const ATTEMPTS_PER_CELL = 2;
/** Lines of a worker's stderr kept to explain its death. */
const STDERR_TAIL = 20;

/** The compiled worker entry; tests running TypeScript sources use the build in dist/. */
function workerPath(): string {
  const here = fileURLToPath(new URL("./worker.js", import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL("../../../dist/src/runtime/running/worker.js", import.meta.url));
}

/**
 * V8 runs parts of garbage collection on helper threads. With one worker per core those threads
 * compete with the other workers' training, so each worker collects on its own thread.
 */
const WORKER_EXEC_ARGV = ["--single-threaded-gc"];

function forkWorker(backend: LoadedBackend): ChildProcess {
  const proc = fork(workerPath(), [], { stdio: ["ignore", "inherit", "pipe", "ipc"], execArgv: [...process.execArgv, ...WORKER_EXEC_ARGV] });
  proc.send({ type: "warm", backend: backend.name, kernels: kernelsFor(backend) } satisfies ToWorker);
  return proc;
}

/** Every worker computes exactly as the parent would: its backend and kernels. */
function kernelsFor(backend: LoadedBackend): KernelsChoice {
  return backend.kernels === "libtensorflow" ? "auto" : backend.kernels;
}

/**
 * Workers forked before the run starts (while the parent loads and checks the data), so that
 * their start-up (node, the backend) overlaps the parent's. `runPlanParallel` takes them; a run
 * that never starts must `discard` them.
 */
export class WorkerPool {
  private readonly procs: ChildProcess[];
  constructor(count: number, backend: LoadedBackend) {
    this.procs = Array.from({ length: count }, () => forkWorker(backend));
  }
  /** A started worker that is still alive (one that died waiting is replaced by a fresh fork). */
  take(): ChildProcess | undefined {
    for (let p = this.procs.shift(); p; p = this.procs.shift()) if (p.exitCode === null && p.signalCode === null) return p;
    return undefined;
  }
  discard(): void {
    for (const p of this.procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
  }
}

export interface ParallelOptions {
  readonly root: string;
  readonly backend: LoadedBackend;
  readonly jobs: number;
  readonly cells?: readonly string[];
  readonly cacheDir: string;
  readonly cwd: string;
  readonly onEvent?: (e: RunEvent) => void;
  /** Workers already started (their backend loading); more are forked as needed. */
  readonly pool?: WorkerPool;
}

interface Slot {
  readonly proc: ChildProcess;
  ready: boolean;
  cell?: Cell;
  fatal?: string;
  stderr: string[];
}

/** Workers of the current parallel run, so a signal handler can stop them before the parent exits. */
const live = new Set<ChildProcess>();

/** Asks every worker to stop after its current step (the run's first Ctrl-C); runPlanParallel then returns. */
export function interruptWorkers(signal: NodeJS.Signals): void {
  for (const w of live) if (w.exitCode === null && w.signalCode === null && w.connected) w.send({ type: "stop", signal } satisfies ToWorker);
}

/** Kills every worker at once (the second Ctrl-C): files stay whole, and the cells resume from their last checkpoints. */
export function killAllWorkers(): void {
  for (const w of live) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
}

export async function runPlanParallel(plan: Plan, opts: ParallelOptions): Promise<RunSummary> {
  const queue: Cell[] = selectCells(plan, opts.cells);
  const warn = (message: string, cell?: Cell) => opts.onEvent?.({ kind: "warn", message, ...(cell ? { cell } : {}) });
  const { runDir, lock } = openRun(opts.root, plan, opts.backend, warn);
  const byId = new Map(queue.map((c) => [c.id, c]));
  const results = new Map<string, CellState>();
  const messages = new Map<string, string>();
  const attempts = new Map<string, number>();
  const n = Math.max(1, Math.min(opts.jobs, queue.length));
  const slots = new Set<Slot>();
  let earlyDeaths = 0;
  let finished = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => {
        finished = true;
        reject(e);
      };
      const settleIfDone = () => {
        // Stopping (Ctrl-C): once the cells in training have come back, the rest stay where they are.
        if (!finished && (queue.length === 0 || stopRequested()) && [...slots].every((s) => !s.cell)) {
          finished = true;
          for (const s of slots) s.proc.send({ type: "exit" } satisfies ToWorker);
          resolve();
        }
      };
      const next = (slot: Slot) => {
        const cell = stopRequested() ? undefined : queue.shift();
        if (!cell) {
          settleIfDone();
          return;
        }
        slot.cell = cell;
        attempts.set(cell.id, (attempts.get(cell.id) ?? 0) + 1);
        slot.proc.send({ type: "cell", id: cell.id } satisfies ToWorker);
      };
      const spawnWorker = () => {
        const proc = opts.pool?.take() ?? forkWorker(opts.backend);
        live.add(proc);
        const slot: Slot = { proc, ready: false, stderr: [] };
        slots.add(slot);
        // Forward the worker's stderr as it comes, keeping its last lines to explain a death.
        proc.stderr!.setEncoding("utf8");
        proc.stderr!.on("data", (chunk: string) => {
          process.stderr.write(chunk);
          slot.stderr.push(...chunk.split("\n").filter((l) => l.trim()));
          if (slot.stderr.length > STDERR_TAIL) slot.stderr.splice(0, slot.stderr.length - STDERR_TAIL);
        });
        proc.on("message", (m: FromWorker) => {
          if (finished) return;
          if (m.type === "ready") {
            slot.ready = true;
            next(slot);
          } else if (m.type === "event") {
            opts.onEvent?.({ ...m.event, cell: byId.get(m.id)! } as RunEvent);
            lock.renew();
          } else if (m.type === "done") {
            slot.cell = undefined;
            results.set(m.id, m.state);
            if (m.message) messages.set(m.id, m.message);
            next(slot);
          } else if (m.type === "fatal") {
            // The disk or the experiment's data: no other worker would fare better.
            if (m.disk) fail(new DiskError(m.disk.path, m.disk.code, m.disk.action));
            else if (!slot.ready) fail(new Error(m.message));
            else slot.fatal = m.message;
          }
        });
        proc.on("exit", (code, signal) => {
          live.delete(proc);
          slots.delete(slot);
          if (finished) return;
          const reason = slot.fatal ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
          const detail = slot.stderr.length && !slot.fatal ? `${reason}; its last output: ${slot.stderr.at(-1)}` : reason;
          const cell = slot.cell;
          // A worker lost while stopping: its cell keeps its last checkpoint and resumes next run.
          if (cell && stopRequested()) slot.cell = undefined;
          else if (cell) {
            const tries = attempts.get(cell.id) ?? 1;
            if (tries < ATTEMPTS_PER_CELL) {
              warn(`its worker (pid ${proc.pid}) died: ${detail}; resuming the cell from its last checkpoint in a new worker`, cell);
              queue.unshift(cell);
            } else {
              const message = `its worker died ${tries} times; the last: ${detail}`;
              try {
                // The death was just reported; taking over the dead worker's lock needs no second word.
                markCellFailed(runDir, cell, opts.backend.name, message, () => undefined);
              } catch (e) {
                fail(e as Error);
                return;
              }
              results.set(cell.id, "failed");
              messages.set(cell.id, message);
              opts.onEvent?.({ kind: "cell-end", cell, state: "failed", message });
            }
          } else if (!slot.ready && ++earlyDeaths > n) {
            fail(new Error(`worker processes keep dying before they start: ${detail}`));
            return;
          }
          if (queue.length > 0 && slots.size < n && !stopRequested()) spawnWorker();
          settleIfDone();
        });
        proc.send({ type: "init", runDir, backend: opts.backend.name, kernels: kernelsFor(opts.backend), cacheDir: opts.cacheDir, cwd: opts.cwd } satisfies ToWorker);
      };
      for (let i = 0; i < n; i++) spawnWorker();
    });
  } finally {
    opts.pool?.discard();
    for (const s of slots) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGTERM");
    // Wait for the workers to go (and release their cell locks) before the run lock goes.
    await Promise.all([...slots].map((s) => (s.proc.exitCode === null && s.proc.signalCode === null ? new Promise((r) => s.proc.once("exit", r)) : undefined)));
    lock.release();
  }
  return { runDir, results, messages };
}
