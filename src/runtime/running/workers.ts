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
import { kernelsChoiceOf, type BackendName, type KernelsChoice } from "../backend.js";
import { markCellFailed, openRun, selectCells, type RunEvent, type RunSummary } from "./executor.js";
import type { BackendInfo } from "../backend.js";
import type { CellState } from "./rundir.js";
import { DiskError } from "../../store/durable.js";
import { DataError } from "../data/errors.js";
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

/**
 * Sent right after the fork: choose and load a backend as the parent does (`pickBackend` with the
 * same request), while the parent still loads its own, so the two start-ups overlap.
 */
export interface WorkerWarm {
  readonly type: "warm";
  /** --backend, if given. */
  readonly forced?: string;
  readonly kernels: KernelsChoice;
}

/**
 * The parent's backend (the worker keeps its own if it is the same, and loads this one if not) and
 * the experiment's data, to load now: the first worker to load it answers "loaded", or "fatal" with
 * the data error, and the parent need not load the data itself.
 */
export interface WorkerLoad {
  readonly type: "load";
  readonly backend: BackendName;
  readonly kernels: KernelsChoice;
  readonly data: WorkerData;
  /**
   * Whether this worker reports the data's slow steps (a reference model trained, scores computed).
   * Every worker loads the data at once: on a cold cache each computes the same entries, at the
   * same time on its own core (the writes are atomic), and one of them says so.
   */
  readonly log: boolean;
}

/** What a worker needs to load an experiment's data: the plan it will train, and where. */
export interface WorkerData {
  readonly plan: Plan;
  readonly cacheDir: string;
  readonly cwd: string;
}

/** "stop": finish the step in progress, return the cell as interrupted, then exit (see stop.ts). */
export type ToWorker =
  | WorkerWarm
  | WorkerLoad
  | WorkerInit
  | { readonly type: "cell"; readonly id: string }
  | { readonly type: "stop"; readonly signal: NodeJS.Signals }
  | { readonly type: "exit" };

export interface DiskFailure {
  readonly path: string;
  readonly code: string;
  readonly action: string;
}

export type FromWorker =
  | { readonly type: "ready" }
  /** The backend "warm" chose (absent if none loaded: the parent then tries itself, and says why). */
  | { readonly type: "warmed"; readonly backend?: BackendInfo }
  /** The data of the "warm" message loaded (a check the parent would otherwise make itself). */
  | { readonly type: "loaded" }
  | { readonly type: "event"; readonly id: string; readonly event: Omit<RunEvent, "cell"> }
  | { readonly type: "done"; readonly id: string; readonly state: CellState; readonly message?: string }
  /** `help` marks the experiment's data at fault (a DataError in the worker), with what to do. */
  | { readonly type: "fatal"; readonly message: string; readonly disk?: DiskFailure; readonly help?: string };

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

function forkWorker(request: { forced?: string; kernels: KernelsChoice }): ChildProcess {
  const proc = fork(workerPath(), [], { stdio: ["ignore", "inherit", "pipe", "ipc"], execArgv: [...process.execArgv, ...WORKER_EXEC_ARGV] });
  proc.send({ type: "warm", ...request } satisfies ToWorker);
  return proc;
}

function sendLoad(proc: ChildProcess, backend: BackendInfo, data: WorkerData, log: boolean): void {
  proc.send({ type: "load", backend: backend.name, kernels: kernelsChoiceOf(backend), data, log } satisfies ToWorker);
}

/** A worker's error from the experiment's data, as the data layer raised it (the CLI shows its help). */
function workerError(m: { message: string; help?: string }): Error {
  return m.help === undefined ? new Error(m.message) : new DataError(m.message, m.help);
}

/**
 * Workers forked before the run starts, as soon as the plan says how many, so that their start-up
 * happens while the parent loads its backend, and then once per core at the same time: each loads
 * a backend, then (`load`) the experiment's data. The parent does not load the data itself: the
 * workers' check stands for its own (`dataChecked`). `runPlanParallel` takes the workers; a run
 * that never starts must `discard` them.
 */
export class WorkerPool {
  private readonly procs: ChildProcess[];
  private checked: Promise<boolean> | undefined;
  private readonly chosen: Promise<BackendInfo | undefined>;
  constructor(count: number, request: { forced?: string; kernels: KernelsChoice }) {
    this.procs = Array.from({ length: count }, () => forkWorker(request));
    this.chosen = firstAnswer<BackendInfo | undefined>(this.procs, (m) => (m.type === "warmed" ? { value: m.backend } : undefined), undefined);
  }
  /**
   * The backend the first worker chose as `pickBackend` would here, so that this process need not
   * load one; undefined if it loaded none or every worker died first (the caller picks, and says why).
   */
  backend(): Promise<BackendInfo | undefined> {
    return this.chosen;
  }
  /** The parent's backend (each worker computes as the parent would) and the data every worker loads now. */
  load(backend: BackendInfo, data: WorkerData): void {
    const procs = this.procs.filter((p) => p.connected);
    procs.forEach((p, i) => sendLoad(p, backend, data, i === 0));
    // Every worker gone before a word: the data goes unchecked here (the caller checks it).
    this.checked = firstAnswer<boolean>(
      procs,
      (m) => (m.type === "loaded" ? { value: true } : m.type === "fatal" && m.help !== undefined ? { error: workerError(m) } : undefined),
      false,
    );
  }
  /**
   * After `load`: true once a worker has loaded the data (scored into the cache where it was cold);
   * the DataError if the data is at fault; false if every worker died first, when the caller must
   * load it itself.
   */
  dataChecked(): Promise<boolean> {
    return this.checked ?? Promise.resolve(false);
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

/**
 * The first answer `pick` finds among the workers' messages (a value, or an error to reject with),
 * or `ifNone` once every worker has exited without one.
 */
function firstAnswer<T>(procs: readonly ChildProcess[], pick: (m: FromWorker) => { value: T } | { error: Error } | undefined, ifNone: T): Promise<T> {
  const answer = new Promise<T>((resolve, reject) => {
    if (procs.length === 0) resolve(ifNone);
    let lost = 0;
    for (const p of procs) {
      const onMessage = (m: FromWorker) => {
        const a = pick(m);
        if (a && "error" in a) reject(a.error);
        else if (a) resolve(a.value);
      };
      p.on("message", onMessage);
      p.once("exit", () => {
        p.off("message", onMessage);
        if (++lost === procs.length) resolve(ifNone);
      });
    }
  });
  // A rejection nobody awaits (the run never started) is not an unhandled one.
  answer.catch(() => undefined);
  return answer;
}

export interface ParallelOptions {
  readonly root: string;
  /** The parent's, or the one the workers chose for it (the parent then loads none). */
  readonly backend: BackendInfo;
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
        let proc = opts.pool?.take();
        if (!proc) {
          proc = forkWorker({ forced: opts.backend.name, kernels: kernelsChoiceOf(opts.backend) });
          sendLoad(proc, opts.backend, { plan, cacheDir: opts.cacheDir, cwd: opts.cwd }, false);
        }
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
            else if (!slot.ready) fail(workerError(m));
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
        proc.send({ type: "init", runDir, backend: opts.backend.name, kernels: kernelsChoiceOf(opts.backend), cacheDir: opts.cacheDir, cwd: opts.cwd } satisfies ToWorker);
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
