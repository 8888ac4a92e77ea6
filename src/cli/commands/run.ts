/** `cgx run`, `cgx status`, `cgx doctor`: the commands that train or inspect training. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { availableParallelism } from "node:os";
import { BACKEND_ORDER, BackendError, KERNEL_CHOICES, kernelsFromEnv, pickBackend, probeBackends, type BackendInfo, type KernelsChoice } from "../../runtime/backend.js";
import { runnerLockPath, runPlan, RunError, type RunEvent } from "../../runtime/running/executor.js";
import { describeOwner, inspectLock } from "../../store/owner.js";
import { verifyFinishedCell } from "../../store/verify.js";
import { cellPaths, readStatus, type CellStatus } from "../../runtime/running/rundir.js";
import { tryReadJson } from "../../runtime/running/files.js";
import type { PlanLock } from "../../runtime/running/executor.js";
import { DataError } from "../../runtime/data/index.js";
import { experimentDataProvider } from "../../runtime/curriculum/provider.js";
import { withBenchmarks } from "../../runtime/eval/benchmark-data.js";
import { interruptWorkers, killAllWorkers, runPlanParallel, WorkerPool } from "../../runtime/running/workers.js";
import { requestStop, stopRequested } from "../../runtime/running/stop.js";
import type { Plan } from "../../plan/types.js";
import { type Io, UserError } from "../io.js";
import { compileAndReport } from "../source.js";
import { duration, human, table } from "../table.js";

// The report, the queue and Slurm are imported when used: they weigh a tenth of a second at every
// start-up (the queue's Redis client above all), which a run on one machine need not pay up front.
const reportCommand = async (...args: Parameters<typeof import("./report.js").reportCommand>) => (await import("./report.js")).reportCommand(...args);

export interface RunCommandOptions {
  readonly backend?: string;
  readonly kernels?: string;
  readonly runs: string;
  readonly cells?: string[];
  readonly jobs?: string;
  readonly cache?: string;
  /** false with --no-report: train only. */
  readonly report?: boolean;
  /** redis://HOST:PORT: enqueue the cells for `cgx worker`s instead of training here. */
  readonly queue?: string;
  /** With --queue: the shared directory the workers see (the runs root). */
  readonly out?: string;
  /** With --queue: return once the cells are queued. */
  readonly detach?: boolean;
  readonly attempts?: string;
}

export async function runCommand(io: Io, file: string, opts: RunCommandOptions): Promise<number> {
  const { ok, result } = compileAndReport(io, file, "human");
  if (!ok || !result.plan) return 1;
  const plan = result.plan;
  const jobs = opts.jobs === undefined ? defaultJobs(plan.cells.length) : Number(opts.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`--jobs must be a whole number of at least 1, got \`${opts.jobs}\``);
  const kernels = kernelsChoice(opts.kernels);
  // Workers start now: their start-up (node, a backend chosen as below) overlaps this process's.
  const pool = jobs > 1 && !opts.queue ? new WorkerPool(Math.min(jobs, plan.cells.length), { ...(opts.backend !== undefined ? { forced: opts.backend } : {}), kernels }) : undefined;
  try {
    return await runWith(io, file, opts, plan, jobs, kernels, pool);
  } finally {
    // Workers started for a run that did not take them (a bad backend or data, the run directory
    // held) go too: they would keep this process alive.
    pool?.discard();
  }
}

async function runWith(io: Io, file: string, opts: RunCommandOptions, plan: Plan, jobs: number, kernels: KernelsChoice, pool: WorkerPool | undefined): Promise<number> {
  // With workers, this process trains nothing: it takes the backend they chose (as it would have)
  // rather than load one too, which would compete with their start-up for the cores.
  const here = pool ? undefined : await backendFor(opts.backend, kernels);
  const backend: BackendInfo = here ?? (await pool!.backend()) ?? (await backendFor(opts.backend, kernels));
  const root = resolve(io.cwd, opts.out ?? opts.runs);
  const cacheDir = resolve(io.cwd, opts.cache ?? join(opts.runs, ".cache"));
  const data = withBenchmarks(experimentDataProvider(plan, { cacheDir, cwd: io.cwd }), plan, { cacheDir, cwd: io.cwd });
  io.err(`cgx run ${plan.experiment}: ${plan.cells.length} cells on ${backend.name} (tfjs ${backend.version}, ${backend.kernels} kernels)${opts.queue ? `, through the queue at ${opts.queue}` : jobs > 1 ? `, ${jobs} jobs` : ""}\n`);
  // Said once, so a missing GPU or native library is never a silent slowdown.
  for (const why of backend.passedOver ?? []) io.err(`  ${why.replace(/^([\w-]+): /, "$1 unavailable: ")}\n`);
  if (backend.passedOver?.length) io.err("  (`cgx doctor` shows every backend and how to install the missing ones)\n");
  // The workers load the data at once, each with this process's backend; this process need not.
  pool?.load(backend, { plan, cacheDir, cwd: io.cwd });
  // The data is checked before any cell starts: a bad source is the experiment's problem, not a cell's.
  const first = plan.cells[0];
  if (first) {
    try {
      if (!(await pool?.dataChecked())) await data(first);
    } catch (e) {
      if (e instanceof DataError) throw new UserError(e.message, e.help);
      throw e;
    }
  }
  if (opts.queue) {
    const attempts = opts.attempts === undefined ? 2 : Number(opts.attempts);
    if (!Number.isInteger(attempts) || attempts < 1) throw new UserError(`--attempts must be a whole number of at least 1, got \`${opts.attempts}\``);
    const { runThroughQueue } = await import("./queue.js");
    const r = await runThroughQueue(io, plan, backend, { url: opts.queue, root, cacheDir, ...(opts.cells ? { cells: opts.cells } : {}), detach: opts.detach === true, attempts });
    if (!r) return 0;
    io.err(`\n${summaryLine(plan, r.results, r.messages)}; run directory ${r.runDir}\n`);
    if (opts.report !== false) await reportCommand(io, r.runDir, {});
    return [...r.results.values()].some((s) => s === "failed") ? 1 : 0;
  }
  const progress = new ProgressView(io, plan.cells.length);
  const stopOnSignal = stopHandler(io, progress, file);
  try {
    const common = { root, backend, ...(opts.cells ? { cells: opts.cells } : {}), onEvent: (e: RunEvent) => progress.on(e) };
    const summary = pool ? await runPlanParallel(plan, { ...common, jobs, cacheDir, cwd: io.cwd, pool }) : await runPlan(plan, { ...common, backend: here ?? (await backendFor(opts.backend, kernels)), data });
    progress.stop();
    io.err(`\n${summaryLine(plan, summary.results, summary.messages)}; run directory ${summary.runDir}\n`);
    const signal = stopRequested();
    if (signal) {
      // No report from a run cut short: `cgx report` writes one whenever it is wanted.
      io.err(`stopped by ${signal}: every cell keeps its last checkpoint. Resume with: cgx run ${file}\n`);
      return signal === "SIGINT" ? 130 : 143;
    }
    // The run's own analyses (fits, comparisons) and the report, as `cgx report` would write them.
    if (opts.report !== false) await reportCommand(io, summary.runDir, {});
    return [...summary.results.values()].some((s) => s === "failed") ? 1 : 0;
  } catch (e) {
    progress.stop();
    if (e instanceof RunError) throw new UserError(e.message, e.help);
    throw e;
  } finally {
    stopOnSignal.remove();
  }
}

/** "18 done, 1 diverged, 1 failed (s/p10k/s0: its worker died twice ...)": every cell accounted for. */
function summaryLine(plan: Plan, results: ReadonlyMap<string, string>, messages?: ReadonlyMap<string, string>): string {
  const counts = new Map<string, number>(["done", "interrupted", "diverged", "failed", "running", "pending"].map((s) => [s, 0]));
  for (const s of results.values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  for (const [s, n] of counts) if (n === 0) counts.delete(s);
  const label = new Map(plan.cells.map((c) => [c.id, c.label]));
  const why = [...results]
    .filter(([, s]) => s === "failed" || s === "running")
    .map(([id, s]) => `${label.get(id)}: ${s === "running" ? "" : "failed, "}${messages?.get(id) ?? "no message"}`);
  return `${[...counts].map(([s, n]) => `${n} ${s === "running" ? "held by another process" : s}`).join(", ")}${why.length ? ` (${why.slice(0, 5).join("; ")}${why.length > 5 ? "; ..." : ""})` : ""}`;
}

/**
 * Ctrl-C or SIGTERM. The first asks every cell in training to finish its step and come back
 * "interrupted" (the run then ends with the resume line, exit 130 or 143). The second exits at
 * once: checkpoints and metrics on disk are whole at any moment, the exit hooks release the locks,
 * and each cell resumes from its last checkpoint.
 */
function stopHandler(io: Io, progress: ProgressView, file: string): { remove(): void } {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals === 1) {
      requestStop(signal);
      interruptWorkers(signal);
      progress.note(`stopping after the current step (${signal}); press Ctrl-C again to stop at once`);
      return;
    }
    progress.stop();
    killAllWorkers();
    io.err(`\nstopped at once by a second ${signal}; every cell keeps its last checkpoint. Resume with: cgx run ${file}\n`);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    remove() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

export interface ExportSlurmCommandOptions {
  readonly runs: string;
  readonly cache?: string;
  readonly parallel: string;
  readonly backend?: string;
  readonly kernels?: string;
  readonly sbatch?: string[];
  readonly output?: string;
}

/** `cgx export slurm FILE`: prepares the run directory and writes its sbatch array script. */
export async function exportSlurmCommand(io: Io, file: string, opts: ExportSlurmCommandOptions): Promise<number> {
  const { ok, result } = compileAndReport(io, file, "human");
  if (!ok || !result.plan) return 1;
  const parallel = Number(opts.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new UserError(`--parallel must be a whole number of at least 1, got \`${opts.parallel}\``);
  const backend = await backendFor(opts.backend, kernelsChoice(opts.kernels));
  const root = resolve(io.cwd, opts.runs);
  const { exportSlurm } = await import("./slurm.js");
  exportSlurm(io, result.plan, backend, { root, cacheDir: resolve(io.cwd, opts.cache ?? join(opts.runs, ".cache")), parallel, sbatch: opts.sbatch ?? [], ...(opts.output ? { output: opts.output } : {}) });
  return 0;
}

/** The backend asked for (or the first that loads), as a user error when it does not load. */
async function backendFor(forced: string | undefined, kernels: KernelsChoice) {
  try {
    return await pickBackend(forced, kernels);
  } catch (e) {
    if (e instanceof BackendError) throw new UserError(e.message, "`cgx doctor` lists the backends and why each does or does not load");
    throw e;
  }
}

function kernelsChoice(flag: string | undefined): KernelsChoice {
  if (flag === undefined) {
    try {
      return kernelsFromEnv();
    } catch (e) {
      if (e instanceof BackendError) throw new UserError(e.message, `unset it or set it to one of ${KERNEL_CHOICES.join(", ")}`);
      throw e;
    }
  }
  if (!(KERNEL_CHOICES as readonly string[]).includes(flag)) throw new UserError(`unknown kernels \`${flag}\``, `use one of ${KERNEL_CHOICES.join(", ")}`);
  return flag as KernelsChoice;
}

/** One cell per core (cells are independent and each runs single-threaded), never more than the cells. */
function defaultJobs(cells: number): number {
  return Math.max(1, Math.min(availableParallelism(), cells));
}

/** Progress bars on a terminal; a line per finished cell (and every 10% of a cell) elsewhere. */
class ProgressView {
  private readonly multi?: cliProgress.MultiBar;
  private overall?: cliProgress.SingleBar;
  /** One bar per cell in training (several with --jobs), by cell id. */
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly lastTenth = new Map<string, number>();
  private started = 0;
  private done = 0;

  constructor(
    private readonly io: Io,
    private readonly total: number,
  ) {
    if (io.color && process.stderr.isTTY) {
      this.multi = new cliProgress.MultiBar(
        { clearOnComplete: false, hideCursor: true, format: " {name} |{bar}| {percentage}% {detail}", etaBuffer: 50 },
        cliProgress.Presets.shades_classic,
      );
      this.overall = this.multi.create(total, 0, { name: "all cells".padEnd(28), detail: "" });
    }
  }

  on(e: RunEvent): void {
    const label = e.cell?.label ?? "";
    const id = e.cell?.id ?? "";
    switch (e.kind) {
      case "cell-start":
        // Numbered in the order cells start, so that parallel cells never share a number.
        this.started++;
        this.lastTenth.set(id, -1);
        if (this.multi) this.bars.set(id, this.multi.create(e.cell!.budget.steps, 0, { name: label.slice(0, 28).padEnd(28), detail: "" }));
        else this.io.err(`[${this.started}/${this.total}] ${label}: training ${human(e.cell!.budget.tokens)} tokens\n`);
        break;
      case "progress": {
        const p = e.progress!;
        const eta = ((p.steps - p.step) * (p.tokens / Math.max(1, p.step))) / Math.max(1, p.tokensPerSecond);
        const detail = `loss ${p.loss.toFixed(3)}  ${Math.round(p.tokensPerSecond)} tok/s  ETA ${duration(eta)}`;
        const bar = this.bars.get(id);
        if (bar) {
          // A cell under a FLOPs budget whose depth changes may expect another step count.
          if (bar.getTotal() !== p.steps) bar.setTotal(p.steps);
          bar.update(p.step, { detail });
        } else if (!this.multi) {
          const tenth = Math.floor((10 * p.step) / p.steps);
          if (tenth > (this.lastTenth.get(id) ?? -1) && tenth < 10) {
            this.lastTenth.set(id, tenth);
            if (tenth > 0) this.io.err(`  ${label}: ${tenth * 10}%  ${detail}\n`);
          }
        }
        break;
      }
      case "cell-end": {
        this.done++;
        const bar = this.bars.get(id);
        if (bar) {
          bar.stop();
          this.multi!.remove(bar);
          this.bars.delete(id);
        }
        this.lastTenth.delete(id);
        this.overall?.update(this.done);
        if (!this.multi || e.state !== "done") this.io.err(`  ${label}: ${e.state}${e.message ? ` (${e.message})` : ""}\n`);
        break;
      }
      case "warn":
        this.io.err(`warning: ${label ? `${label}: ` : ""}${e.message}\n`);
        break;
    }
  }

  /** A line above the bars on a terminal (they redraw below it), or a plain line. */
  note(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else this.io.err(`${text}\n`);
  }

  /** Stops redrawing and gives the terminal back its cursor and line wrapping. */
  stop(): void {
    this.multi?.stop();
  }
}

/**
 * `cgx status RUN_DIR [--verify]`: one line per cell from its status.json, who is training it
 * now, and with --verify whether every finished cell's final checkpoint and metrics check out.
 */
export function statusCommand(io: Io, dir: string, opts: { verify?: boolean } = {}): number {
  const runDir = resolve(io.cwd, dir);
  const lockPath = join(runDir, "plan.lock.json");
  const lock = tryReadJson<PlanLock>(lockPath);
  if (!lock && existsSync(lockPath)) {
    let why = "it is not a plan lock";
    try {
      JSON.parse(readFileSync(lockPath, "utf8"));
    } catch (e) {
      why = (e as Error).message;
    }
    throw new UserError(`\`${join(dir, "plan.lock.json")}\` is corrupt (${why})`, "it records the plan the cells were trained for; restore it from a backup, or rerun `cgx run` on the same .cgx file with this run directory moved away");
  }
  if (!lock) {
    if (!existsSync(runDir)) throw new UserError(`no run directory at \`${dir}\``, "give the directory `cgx run` printed, like runs/EXPERIMENT/HASH");
    // A runs root or an experiment folder: every run directory one or two levels down.
    const subs = readdirSync(runDir).flatMap((n) => {
      if (existsSync(join(runDir, n, "plan.lock.json"))) return [n];
      const inner = join(runDir, n);
      return statSync(inner).isDirectory() ? readdirSync(inner).filter((m) => existsSync(join(inner, m, "plan.lock.json"))).map((m) => join(n, m)) : [];
    });
    if (subs.length === 0) throw new UserError(`\`${dir}\` holds no plan.lock.json`, "give the directory `cgx run` printed, like runs/EXPERIMENT/HASH");
    let code = 0;
    for (const s of subs) code = Math.max(code, statusCommand(io, join(dir, s), opts));
    return code;
  }
  const rows: string[][] = [];
  const counts = new Map<string, number>();
  let unverified = 0;
  let verified = 0;
  for (const cell of lock.plan.cells) {
    const paths = cellPaths(runDir, cell.id);
    const st: CellStatus | undefined = readStatus(paths);
    let state: string = st?.state ?? "pending";
    let message = st?.message ?? "";
    if (state === "running") {
      // Running only while someone holds the cell; otherwise it stopped and `cgx run` resumes it.
      const h = inspectLock(paths.owner);
      if (h.kind === "owner" && h.alive) message = `by ${describeOwner(h.owner)}`;
      else {
        state = "stopped";
        message = "resumes from its last checkpoint on the next `cgx run`";
      }
    }
    if (opts.verify && state === "done") {
      const problems = verifyFinishedCell(paths.dir, cell);
      if (problems.length) {
        unverified++;
        message = `does not verify: ${problems.join("; ")}`;
      } else {
        verified++;
        message = "verified";
      }
    }
    counts.set(state, (counts.get(state) ?? 0) + 1);
    rows.push([String(cell.index), cell.id, cell.label, state, `${st?.step ?? 0}/${cell.budget.steps}`, message]);
  }
  io.out(`${lock.plan.experiment} (${lock.backend}, plan ${lock.plan_hash.slice(0, 12)}): ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}\n`);
  const runner = inspectLock(runnerLockPath(runDir));
  if (runner.kind === "owner") io.out(runner.alive ? `being trained by ${describeOwner(runner.owner)}\n` : `its last runner, ${describeOwner(runner.owner)}, is gone (${runner.why}); \`cgx run\` resumes it\n`);
  else if (runner.kind === "corrupt") io.out(`its runner lock is unreadable; the next \`cgx run\` replaces it\n`);
  io.out("\n");
  io.out(table(["#", "id", "cell", "state", "steps", "message"], rows, new Set([0])));
  if (opts.verify) {
    io.out(unverified ? `\n${unverified} finished cell${unverified === 1 ? " does" : "s do"} not verify; \`cgx run\` trains ${unverified === 1 ? "it" : "them"} again from the newest good checkpoint\n` : `\nall ${verified} finished cells verify: checkpoints match their checksums and agree with the metrics\n`);
    return unverified ? 1 : 0;
  }
  return 0;
}

export async function doctorCommand(io: Io): Promise<number> {
  const kernels = kernelsChoice(undefined);
  io.out(`node ${process.version} on ${process.platform}-${process.arch}\n\nbackends, in the order cgx tries them:\n`);
  const probes = await probeBackends(kernels);
  for (const p of probes) {
    io.out(`  ${p.ok ? "ok  " : "no  "} ${p.name.padEnd(15)} ${p.detail}\n`);
    if (p.kernels) io.out(`       ${"".padEnd(15)} matmul kernels: ${p.kernels}\n`);
  }
  const first = probes.find((p) => p.ok);
  io.out(`\ndefault backend: ${first ? first.name : "none"} (force one with --backend ${BACKEND_ORDER.join("|")})\n`);
  if (first?.kernels) io.out(`active kernels: ${first.kernels.split(":")[0]} (force with --kernels ${KERNEL_CHOICES.join("|")})\n`);
  return first ? 0 : 1;
}
