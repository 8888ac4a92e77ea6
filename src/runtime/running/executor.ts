/**
 * Runs a plan: creates the run directory, writes plan.lock.json, then trains every selected cell
 * that is not finished, in this process or in worker processes (--jobs). One cell's failure or
 * divergence never stops the others; finished cells are skipped, interrupted ones resume.
 */
import { stopRequested } from "./stop.js";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { planJson, sha256 } from "../../plan/hash.js";
import type { Cell, Plan } from "../../plan/types.js";
import { VERSION } from "../../version.js";
import type { BackendInfo, LoadedBackend } from "../backend.js";
import { tryReadJson, writeJsonAtomic } from "./files.js";
import { cellPaths, readStatus, writeStatus, type CellState } from "./rundir.js";
import { trainCell, type CellData, type Progress } from "../training/trainer.js";
import { DiskError, pidGone, removeOrphanTemps } from "../../store/durable.js";
import { acquireLock, describeOwner, LockHeldError, type Acquired, type OwnerLock } from "../../store/owner.js";
import { verifyFinishedCell } from "../../store/verify.js";

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
  /** Why a cell ended failed (or is held elsewhere), by cell id, for the summary. */
  readonly messages?: ReadonlyMap<string, string>;
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

/** The lock file of the process that runs a run directory (one `cgx run` at a time). */
export function runnerLockPath(runDir: string): string {
  return join(runDir, "runner.lock");
}

function recoveredMessage(what: string, r: NonNullable<Acquired["recovered"]>): string {
  return `took over ${what} from ${r.owner ? describeOwner(r.owner) : "an unknown holder"}: ${r.why}`;
}

/**
 * A temporary file in a run directory whose writer is gone: a dead pid here and a minute old (a
 * writer on another host sharing the directory, such as `cgx report`, finishes well within that).
 */
const orphanedTemp = (pid: number, ageMs: number) => pidGone(pid) && ageMs > 60_000;

/**
 * Opens a run directory for training: takes its runner lock (refusing, with the holder's name,
 * while another `cgx run` is alive; recovering a dead one's), removes temporaries dead writers
 * left, then creates or checks plan.lock.json. The caller releases the returned lock.
 */
export function openRun(root: string, plan: Plan, backend: BackendInfo, warn: (message: string) => void): { runDir: string; lock: OwnerLock } {
  const runDir = runDirFor(root, plan);
  let acquired: Acquired;
  try {
    acquired = acquireLock(runnerLockPath(runDir), `cgx run ${plan.experiment}`);
  } catch (e) {
    if (e instanceof LockHeldError) {
      throw new RunError(
        `${runDir} is being trained by ${describeOwner(e.holder)}`,
        `wait for it to finish (\`cgx status ${runDir}\` shows its progress) or stop it; two runners would interleave their writes`,
      );
    }
    throw e;
  }
  try {
    if (acquired.recovered) warn(recoveredMessage("the run directory", acquired.recovered));
    const removed = removeOrphanTemps(runDir, orphanedTemp);
    if (removed.length) warn(`removed ${removed.length} temporary file${removed.length === 1 ? "" : "s"} left by killed writers`);
    prepareRunDir(root, plan, backend);
  } catch (e) {
    acquired.lock.release();
    throw e;
  }
  return { runDir, lock: acquired.lock };
}

/** Creates the run directory and its lock, or checks an existing lock matches this plan. */
export function prepareRunDir(root: string, plan: Plan, backend: BackendInfo): string {
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

/**
 * Takes ownership of a cell (its owner.lock) for `role`, recovering a dead holder's, and clears
 * the temporaries a killed writer left in it; `heldBy` names the live process that holds it instead.
 */
export function claimCell(runDir: string, cell: Cell, role: string, warn: (message: string) => void): { lock: OwnerLock } | { heldBy: string } {
  const paths = cellPaths(runDir, cell.id);
  let acquired: Acquired;
  try {
    acquired = acquireLock(paths.owner, role);
  } catch (e) {
    if (e instanceof LockHeldError) return { heldBy: describeOwner(e.holder) };
    throw e;
  }
  if (acquired.recovered) warn(recoveredMessage("the cell", acquired.recovered));
  // We own the cell now: any other writer's temporary in it is an orphan.
  const removed = [paths.dir, paths.checkpoints].flatMap((d) => removeOrphanTemps(d, () => true));
  if (removed.length) warn(`removed ${removed.length} temporary file${removed.length === 1 ? "" : "s"} left by a killed writer`);
  return { lock: acquired.lock };
}

/** Records a cell as failed, keeping the step its status last reached. The caller owns the cell. */
function writeFailed(runDir: string, cell: Cell, backendName: string, message: string): void {
  const paths = cellPaths(runDir, cell.id);
  writeStatus(paths, { id: cell.id, label: cell.label, state: "failed", step: readStatus(paths)?.step ?? 0, steps: cell.budget.steps, tokens: 0, backend: backendName, updated: new Date().toISOString(), message });
}

/** Marks a cell failed with `message` (used when the cell's own process can no longer say so). */
export function markCellFailed(runDir: string, cell: Cell, backendName: string, message: string, warn: (message: string) => void): void {
  const claim = claimCell(runDir, cell, "cgx run (marking a cell failed)", warn);
  if ("heldBy" in claim) return;
  try {
    writeFailed(runDir, cell, backendName, message);
  } finally {
    claim.lock.release();
  }
}

/**
 * Trains one cell unless it is finished (and verifies as such) or another live process owns it.
 * Never throws for the cell's own problems, which mark it failed; a full or failing disk
 * (DiskError) is the run's problem and propagates.
 */
export async function runOneCell(
  cell: Cell,
  runDir: string,
  backend: LoadedBackend,
  data: (cell: Cell) => Promise<CellData>,
  onEvent?: (e: RunEvent) => void,
  role = `cgx run`,
): Promise<{ state: CellState; message?: string }> {
  const paths = cellPaths(runDir, cell.id);
  const warn = (m: string) => onEvent?.({ kind: "warn", cell, message: m });
  const claim = claimCell(runDir, cell, role, warn);
  if ("heldBy" in claim) return { state: "running", message: `being trained by ${claim.heldBy}` };
  const { lock } = claim;
  try {
    const st = readStatus(paths);
    if (st?.state === "diverged") return { state: st.state };
    if (st?.state === "done") {
      const problems = verifyFinishedCell(paths.dir, cell);
      if (problems.length === 0) return { state: "done" };
      warn(`finished cell does not verify (${problems.join("; ")}); training it again from its newest good checkpoint`);
    }
    onEvent?.({ kind: "cell-start", cell });
    let state: CellState;
    let message: string | undefined;
    try {
      const out = await trainCell(cell, await data(cell), {
        runDir,
        backend,
        onProgress: (p) => onEvent?.({ kind: "progress", cell, progress: p }),
        warn,
        heartbeat: () => lock.renew(),
        shouldStop: stopRequested,
      });
      state = out.state;
      message = out.message;
    } catch (e) {
      if (e instanceof DiskError) throw e;
      // A cell that cannot train is marked failed with the reason; the rest of the run goes on.
      state = "failed";
      message = (e as Error).message;
      if (lock.stillOurs()) writeFailed(runDir, cell, backend.name, message);
    }
    onEvent?.({ kind: "cell-end", cell, state, ...(message ? { message } : {}) });
    return message ? { state, message } : { state };
  } finally {
    lock.release();
  }
}

export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunSummary> {
  const cells = selectCells(plan, opts.cells);
  const { runDir, lock } = openRun(opts.root, plan, opts.backend, (m) => opts.onEvent?.({ kind: "warn", message: m }));
  try {
    const results = new Map<string, CellState>();
    const messages = new Map<string, string>();
    for (const cell of cells) {
      // Stopped (Ctrl-C): the cell in training came back interrupted; the rest stay as they are.
      if (stopRequested()) break;
      lock.renew();
      const out = await runOneCell(cell, runDir, opts.backend, opts.data, opts.onEvent);
      results.set(cell.id, out.state);
      if (out.message) messages.set(cell.id, out.message);
    }
    return { runDir, results, messages };
  } finally {
    lock.release();
  }
}
