/**
 * `--jobs N`: cells trained in N worker processes. Each worker loads the backend and the data once
 * (scores come from the disk cache), then trains the cells the parent hands it, one at a time, and
 * reports progress and outcomes over IPC. Cells share nothing but the run directory, where each
 * writes only under its own cells/<id>/.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Cell, Plan } from "../../plan/types.js";
import type { BackendName, KernelsChoice } from "../backend.js";
import { prepareRunDir, selectCells, type RunEvent, type RunSummary } from "./executor.js";
import type { LoadedBackend } from "../backend.js";
import type { CellState } from "./rundir.js";

export interface WorkerInit {
  readonly type: "init";
  readonly runDir: string;
  readonly backend: BackendName;
  /** The parent's kernels, so every worker computes exactly as the parent would. */
  readonly kernels: KernelsChoice;
  readonly cacheDir: string;
  readonly cwd: string;
}

export type ToWorker = WorkerInit | { readonly type: "cell"; readonly id: string } | { readonly type: "exit" };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "event"; readonly id: string; readonly event: Omit<RunEvent, "cell"> }
  | { readonly type: "done"; readonly id: string; readonly state: CellState; readonly message?: string }
  | { readonly type: "fatal"; readonly message: string };

/** The compiled worker entry; tests running TypeScript sources use the build in dist/. */
function workerPath(): string {
  const here = fileURLToPath(new URL("./worker.js", import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL("../../../dist/src/runtime/running/worker.js", import.meta.url));
}

export interface ParallelOptions {
  readonly root: string;
  readonly backend: LoadedBackend;
  readonly jobs: number;
  readonly cells?: readonly string[];
  readonly cacheDir: string;
  readonly cwd: string;
  readonly onEvent?: (e: RunEvent) => void;
}

export async function runPlanParallel(plan: Plan, opts: ParallelOptions): Promise<RunSummary> {
  const queue: Cell[] = selectCells(plan, opts.cells);
  const runDir = prepareRunDir(opts.root, plan, opts.backend);
  const byId = new Map(queue.map((c) => [c.id, c]));
  const results = new Map<string, CellState>();
  const n = Math.max(1, Math.min(opts.jobs, queue.length));
  const workers: ChildProcess[] = [];
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const next = (w: ChildProcess) => {
      const cell = queue.shift();
      if (!cell) {
        w.send({ type: "exit" } satisfies ToWorker);
        return;
      }
      active++;
      w.send({ type: "cell", id: cell.id } satisfies ToWorker);
    };
    let exited = 0;
    for (let i = 0; i < n; i++) {
      const w = fork(workerPath(), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      workers.push(w);
      w.on("message", (m: FromWorker) => {
        if (m.type === "ready") next(w);
        else if (m.type === "event") opts.onEvent?.({ ...m.event, cell: byId.get(m.id)! } as RunEvent);
        else if (m.type === "done") {
          active--;
          results.set(m.id, m.state);
          next(w);
        } else if (m.type === "fatal") reject(new Error(m.message));
      });
      w.on("exit", (code) => {
        exited++;
        if (code !== 0 && code !== null) {
          reject(new Error(`a worker process exited with code ${code}`));
          return;
        }
        if (exited === n) {
          if (active > 0 || queue.length > 0) reject(new Error("workers stopped before every cell was trained"));
          else resolve();
        }
      });
      w.send({ type: "init", runDir, backend: opts.backend.name, kernels: opts.backend.kernels === "libtensorflow" ? "auto" : opts.backend.kernels, cacheDir: opts.cacheDir, cwd: opts.cwd } satisfies ToWorker);
    }
  }).finally(() => {
    for (const w of workers) if (w.exitCode === null) w.kill();
  });
  return { runDir, results };
}
