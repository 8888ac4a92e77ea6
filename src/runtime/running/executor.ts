/**
 * Runs a plan: creates the run directory, writes plan.lock.json, then trains every selected cell
 * that is not finished, in this process or in worker processes (--jobs). One cell's failure or
 * divergence never stops the others; finished cells are skipped, interrupted ones resume.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { planJson, sha256 } from "../../plan/hash.js";
import type { Cell, Plan } from "../../plan/types.js";
import { VERSION } from "../../version.js";
import type { LoadedBackend } from "../backend.js";
import { tryReadJson, writeJsonAtomic } from "./files.js";
import { cellPaths, readStatus, writeStatus, type CellState } from "./rundir.js";
import { trainCell, type CellData, type Progress } from "../training/trainer.js";

export interface RunEvent {
  readonly kind: "cell-start" | "cell-end" | "progress" | "warn";
  readonly cell?: Cell;
  readonly state?: CellState;
  readonly message?: string;
  readonly progress?: Progress;
}

export interface RunOptions {
  readonly root: string;
  readonly backend: LoadedBackend;
  /** Cell ids, labels or indexes to run; all when absent. */
  readonly cells?: readonly string[];
  readonly onEvent?: (e: RunEvent) => void;
  /** Loads the data a cell needs (cached across cells by the provider). */
  readonly data: (cell: Cell) => Promise<CellData>;
}

export interface RunSummary {
  readonly runDir: string;
  readonly results: ReadonlyMap<string, CellState>;
}

export class RunError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}

/**
 * Hash of what determines training: the data and the cells. Editing comments or the `analyze`
 * block of a file keeps the run directory, so finished cells are reused and only re-analysed.
 */
export function trainingHash(plan: Plan): string {
  return sha256(JSON.stringify({ experiment: plan.experiment, data: plan.data, cells: plan.cells }));
}

export function runDirFor(root: string, plan: Plan): string {
  return join(root, plan.experiment, trainingHash(plan).slice(0, 12));
}

function gitRevision(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

export interface PlanLock {
  /** trainingHash(plan): the data and cells, not the analyses. */
  readonly plan_hash: string;
  readonly cgx_version: string;
  readonly tfjs_version: string;
  readonly node_version: string;
  readonly backend: string;
  /** The matmul kernels the backend ran ("openblas", "builtin"); absent in runs made before kernels were chosen. */
  readonly kernels?: string;
  readonly git_revision: string | null;
  readonly plan: Plan;
}

/** Creates the run directory and its lock, or checks an existing lock matches this plan. */
export function prepareRunDir(root: string, plan: Plan, backend: LoadedBackend): string {
  const dir = runDirFor(root, plan);
  const lockPath = join(dir, "plan.lock.json");
  const hash = trainingHash(plan);
  const existing = tryReadJson<PlanLock>(lockPath);
  if (existing) {
    if (existing.plan_hash !== hash) throw new RunError(`${lockPath} belongs to another plan`, "move the run directory away or use another --runs root");
    if (existing.backend !== backend.name) {
      throw new RunError(`this run was started on the ${existing.backend} backend; resuming it on ${backend.name} would mix numbers from two backends`, `rerun with --backend ${existing.backend}, or use another --runs root`);
    }
    const kernels = existing.kernels ?? "builtin";
    if (kernels !== backend.kernels) {
      throw new RunError(
        `this run was started with ${kernels} kernels; resuming it with ${backend.kernels} would mix numbers from two kernel paths`,
        `rerun with --kernels ${kernels}, or use another --runs root`,
      );
    }
    // Same training, new analyses or source text: keep the run, record the plan the analysis should use.
    if (planJson(existing.plan) !== planJson(plan)) writeJsonAtomic(lockPath, { ...existing, plan });
    return dir;
  }
  if (existsSync(lockPath)) throw new RunError(`${lockPath} is unreadable`, "restore it from a backup or remove the run directory");
  const lock: PlanLock = {
    plan_hash: hash,
    cgx_version: VERSION,
    tfjs_version: backend.version,
    node_version: process.version,
    backend: backend.name,
    kernels: backend.kernels,
    git_revision: gitRevision(),
    plan,
  };
  writeJsonAtomic(lockPath, lock);
  return dir;
}

/** Selects cells by id, label or index; unknown selectors are an error naming them. */
export function selectCells(plan: Plan, selectors?: readonly string[]): Cell[] {
  if (!selectors || selectors.length === 0) return [...plan.cells];
  const picked = new Set<Cell>();
  for (const s of selectors) {
    const matches = plan.cells.filter((c) => c.id === s || c.label === s || String(c.index) === s || c.label.startsWith(`${s}/`));
    if (matches.length === 0) throw new RunError(`no cell matches \`${s}\``, "give a cell id, index or label from `cgx plan`");
    for (const m of matches) picked.add(m);
  }
  return plan.cells.filter((c) => picked.has(c));
}

/** Trains one cell unless it is finished; never throws for the cell's own problems. */
export async function runOneCell(
  cell: Cell,
  runDir: string,
  backend: LoadedBackend,
  data: (cell: Cell) => Promise<CellData>,
  onEvent?: (e: RunEvent) => void,
): Promise<{ state: CellState; message?: string }> {
  const paths = cellPaths(runDir, cell.id);
  const st = readStatus(paths);
  if (st && (st.state === "done" || st.state === "diverged")) return { state: st.state };
  onEvent?.({ kind: "cell-start", cell });
  let state: CellState;
  let message: string | undefined;
  try {
    const out = await trainCell(cell, await data(cell), {
      runDir,
      backend,
      onProgress: (p) => onEvent?.({ kind: "progress", cell, progress: p }),
      warn: (m) => onEvent?.({ kind: "warn", cell, message: m }),
    });
    state = out.state;
    message = out.message;
  } catch (e) {
    // A cell that cannot train is marked failed with the reason; the rest of the run goes on.
    state = "failed";
    message = (e as Error).message;
    writeStatus(paths, { id: cell.id, label: cell.label, state, step: readStatus(paths)?.step ?? 0, steps: cell.budget.steps, tokens: 0, backend: backend.name, updated: new Date().toISOString(), message });
  }
  onEvent?.({ kind: "cell-end", cell, state, ...(message ? { message } : {}) });
  return message ? { state, message } : { state };
}

export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunSummary> {
  const cells = selectCells(plan, opts.cells);
  const runDir = prepareRunDir(opts.root, plan, opts.backend);
  const results = new Map<string, CellState>();
  for (const cell of cells) {
    const out = await runOneCell(cell, runDir, opts.backend, opts.data, opts.onEvent);
    results.set(cell.id, out.state);
  }
  return { runDir, results };
}
