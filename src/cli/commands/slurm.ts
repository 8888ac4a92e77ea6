/**
 * `cgx export slurm FILE` writes an sbatch array script, one array task per cell, and
 * `cgx cell RUN_DIR --index I` is what each task runs: it trains cell I of the run directory,
 * owning it through its lock, and resumes it from its last checkpoint when Slurm requeues or
 * repeats the task, so the array is safe to requeue.
 */
import { join, resolve } from "node:path";
import type { Plan } from "../../plan/types.js";
import { loadBackend, type BackendName, type KernelsChoice, type LoadedBackend } from "../../runtime/backend.js";
import { withBenchmarks } from "../../runtime/eval/benchmark-data.js";
import { experimentDataProvider } from "../../runtime/curriculum/provider.js";
import { openRun, runOneCell, RunError, type PlanLock } from "../../runtime/running/executor.js";
import { tryReadJson } from "../../runtime/running/files.js";
import { type Io, UserError, writeFileAtomic } from "../io.js";

export interface SlurmScriptOptions {
  readonly runDir: string;
  readonly cacheDir: string;
  readonly cells: number;
  /** At most this many array tasks at once (the `%K` of --array). */
  readonly parallel: number;
  readonly cwd: string;
  readonly node: string;
  readonly cgx: string;
  readonly extra: readonly string[];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The sbatch script: pure text, so a test can read it. */
export function slurmScript(plan: Plan, o: SlurmScriptOptions): string {
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=cgx-${plan.experiment}`,
    `#SBATCH --array=0-${o.cells - 1}%${o.parallel}`,
    "#SBATCH --requeue",
    "#SBATCH --ntasks=1",
    "#SBATCH --cpus-per-task=1",
    `#SBATCH --output=${join(o.runDir, "slurm", "%A_%a.out")}`,
    ...o.extra.map((e) => `#SBATCH ${e}`),
    "#",
    `# cgx: ${o.cells} cells of ${plan.experiment}, one per array task. Each task trains cell`,
    "# $SLURM_ARRAY_TASK_ID of the run directory below; a requeued or repeated task resumes the",
    "# cell from its last checkpoint, and a finished cell is not trained again.",
    "# Submit with: sbatch THIS_FILE; follow with: cgx status RUN_DIR.",
    "set -euo pipefail",
    `mkdir -p ${quote(join(o.runDir, "slurm"))}`,
    `cd ${quote(o.cwd)}`,
    `exec ${quote(o.node)} ${quote(o.cgx)} cell ${quote(o.runDir)} --index "$SLURM_ARRAY_TASK_ID" --cache ${quote(o.cacheDir)}`,
    "",
  ].join("\n");
}

export interface ExportSlurmOptions {
  readonly root: string;
  readonly cacheDir: string;
  readonly parallel: number;
  readonly output?: string;
  readonly sbatch: readonly string[];
}

/** Prepares the run directory (plan.lock.json) and writes the script; returns its path. */
export function exportSlurm(io: Io, plan: Plan, backend: LoadedBackend, o: ExportSlurmOptions): string {
  let runDir: string;
  try {
    const opened = openRun(o.root, plan, backend, (m) => io.err(`warning: ${m}\n`));
    runDir = opened.runDir;
    opened.lock.release();
  } catch (e) {
    if (e instanceof RunError) throw new UserError(e.message, e.help);
    throw e;
  }
  const path = resolve(io.cwd, o.output ?? join(runDir, "cgx.sbatch"));
  const text = slurmScript(plan, { runDir, cacheDir: o.cacheDir, cells: plan.cells.length, parallel: o.parallel, cwd: io.cwd, node: process.execPath, cgx: resolve(process.argv[1] ?? "cgx"), extra: o.sbatch });
  writeFileAtomic(path, text);
  io.err(`wrote ${path}: ${plan.cells.length} array tasks, at most ${o.parallel} at once; submit it with \`sbatch ${path}\`\n`);
  return path;
}

/** `cgx cell RUN_DIR --index I`: trains one cell of a prepared run directory (a Slurm array task). */
export async function cellCommand(io: Io, dir: string, opts: { index: string; cache?: string }): Promise<number> {
  const runDir = resolve(io.cwd, dir);
  const lock = tryReadJson<PlanLock>(join(runDir, "plan.lock.json"));
  if (!lock) throw new UserError(`\`${dir}\` holds no readable plan.lock.json`, "give the run directory `cgx export slurm` printed");
  const index = Number(opts.index);
  const cell = lock.plan.cells[index];
  if (!Number.isInteger(index) || !cell) throw new UserError(`--index must be a cell index from 0 to ${lock.plan.cells.length - 1}, got \`${opts.index}\``);
  const backend = await loadBackend(lock.backend as BackendName, (lock.kernels ?? "builtin") === "libtensorflow" ? "auto" : ((lock.kernels ?? "builtin") as KernelsChoice));
  const cacheDir = resolve(io.cwd, opts.cache ?? join(runDir, "..", "..", ".cache"));
  const data = withBenchmarks(experimentDataProvider(lock.plan, { cacheDir, cwd: io.cwd }), lock.plan, { cacheDir, cwd: io.cwd });
  io.err(`cgx cell ${cell.label} (${index} of ${lock.plan.cells.length}) in ${runDir}\n`);
  const out = await runOneCell(cell, runDir, backend, data, (e) => {
    if (e.kind === "warn") io.err(`warning: ${e.message}\n`);
  }, "cgx cell");
  io.err(`${cell.label}: ${out.state}${out.message ? ` (${out.message})` : ""}\n`);
  return out.state === "done" || out.state === "diverged" ? 0 : 1;
}
