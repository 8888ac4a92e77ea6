/**
 * Runs every analysis of a run directory: the plan's own (fit, breaks, compare, progression) and
 * the report's standard ones (fits of final loss against params, FLOPs and tokens per curriculum,
 * per-stage losses and their fits, every curriculum against the shuffled control, progression of
 * curricula and stages across sizes). The result is what analysis.json holds.
 */
import { VERSION } from "../../version.js";
import type { RunData } from "../rundir.js";
import { type Comparison, type CompareSpec, runCompare } from "./compare.js";
import { curricula, curriculumOf, finalEval, stagesOf, variedAxes, type XKind } from "./cells.js";
import type { Fitter } from "./fitter.js";
import { type FitAnalysis, fitId, type FitSpec, runFit } from "./fits.js";
import { advise, type Advice } from "./advice.js";
import { type OptimalAnalysis, runOptimal } from "./optimal.js";
import { type Progression, type ProgressionSpec, runProgression } from "./progression.js";
import { stageTable, type StageTable } from "./stages.js";
import { formatNumber } from "./svg.js";
import { taskAccuracy, type TaskAccuracy } from "./tasks.js";
import { benchmarkAccuracy, type BenchmarkAccuracy } from "./benchmarks.js";
import { usageTable, type UsageTable } from "./usage.js";
import { reweightTable, type ReweightTable } from "./reweight.js";

export const ANALYSIS_FORMAT = "cgx-analysis";
export const ANALYSIS_VERSION = 1;

export interface AnalyzeOptions {
  /** null: no fitting module; fits are reported as unavailable. */
  readonly fitter: Fitter | null;
  /** Bootstrap replicates for fit intervals and bands (default 200). */
  readonly bootstrap?: number;
  readonly seed?: number;
}

export interface CellSummary {
  readonly id: string;
  readonly label: string;
  readonly curriculum: string;
  readonly size: string;
  readonly params: number;
  readonly seed: number;
  readonly axes: Readonly<Record<string, string | number>>;
  readonly state: string;
  readonly finished: boolean;
  readonly final_loss: number | null;
  readonly final_tokens: number | null;
  readonly final_flops: number | null;
  /** Task accuracy at the final eval by record key; null when it scored no task. */
  readonly final_accuracy: Readonly<Record<string, number>> | null;
  readonly evals: number;
  readonly events: number;
  readonly message: string | null;
}

export interface Analysis {
  readonly format: typeof ANALYSIS_FORMAT;
  readonly version: typeof ANALYSIS_VERSION;
  readonly experiment: string;
  readonly run_dir: string;
  readonly plan_hash: string | null;
  readonly backend: string | null;
  readonly cgx_version: string;
  readonly settings: { readonly bootstrap: number; readonly seed: number; readonly fitting: boolean };
  readonly cells: {
    readonly total: number;
    readonly finished: number;
    /** Labels of cells not finished, with their state. */
    readonly missing: readonly string[];
    readonly list: readonly CellSummary[];
  };
  readonly fits: readonly FitAnalysis[];
  readonly breaks: readonly FitAnalysis[];
  readonly stage_fits: readonly FitAnalysis[];
  readonly comparisons: readonly Comparison[];
  readonly stages: StageTable;
  readonly progression: readonly Progression[];
  /** Compute-optimal frontiers per curriculum (three approaches) and how curricula shift them. */
  readonly optimal: OptimalAnalysis;
  /** What to train at ten times the largest budget trained; null without a frontier. */
  readonly advice: Advice | null;
  /** Final task accuracy per task, setting and size (and per difficulty level). */
  readonly tasks: TaskAccuracy;
  /** Final multiple-choice accuracy per benchmark and cell, with Wilson intervals and the chance level. */
  readonly benchmarks: BenchmarkAccuracy;
  /** How much of each source the cells used, and where their timelines moved on data used. */
  readonly data_used: UsageTable;
  /** Mixture weights moved by `reweight by loss(...)` (no rows when no stage reweights). */
  readonly reweighting: ReweightTable;
  /** Growth, pruning and other events recorded in metrics.jsonl. */
  readonly events: readonly { readonly cell: string; readonly step: number | null; readonly tokens: number | null; readonly name: string; readonly detail: string }[];
  readonly notes: readonly string[];
}

const X_KINDS: readonly XKind[] = ["params", "flops", "tokens"];

export function analyze(run: RunData, opts: AnalyzeOptions): Analysis {
  const bootstrap = opts.bootstrap ?? 200;
  const seed = opts.seed ?? 0;
  const settings = { fitter: opts.fitter, bootstrap, seed };
  const notes: string[] = [...run.notes];
  const names = curricula(run);
  const varied = variedAxes(run);

  // Cells.
  const list: CellSummary[] = run.cells.map((c) => {
    const f = finalEval(c);
    return {
      id: c.cell.id,
      label: c.cell.label,
      curriculum: curriculumOf(c.cell),
      size: c.cell.size,
      params: c.cell.model.params,
      seed: c.cell.seed,
      axes: c.cell.axes,
      state: c.state,
      finished: c.finished,
      final_loss: c.finished && f ? f.loss : null,
      final_tokens: f ? f.tokens : null,
      final_flops: f ? f.flops : null,
      final_accuracy: f?.tasks ? Object.fromEntries(Object.entries(f.tasks).map(([k, t]) => [k, t.accuracy])) : null,
      evals: c.evals.length,
      events: c.events.length,
      message: c.message,
    };
  });
  const unfinished = run.cells.filter((c) => !c.finished);
  const missing = unfinished.map((c) => `${c.cell.label} (${c.state})`);
  const finishedCount = run.cells.length - unfinished.length;
  if (!run.cells.length) notes.push("the plan has no cells");
  else if (finishedCount === 0) notes.push(`no cell has finished yet (${run.cells.length} in the plan): there is nothing to fit or compare; the training curves show what has been written so far`);
  else if (unfinished.length) notes.push(`${unfinished.length} of ${run.cells.length} cells are not finished and are left out of fits and comparisons: ${missing.join(", ")}`);
  for (const c of run.cells) {
    if (c.state === "diverged") notes.push(`${c.cell.label} diverged${c.message ? ` (${c.message})` : ""}: left out of fits and comparisons; its curve is shown up to divergence`);
    if (c.state === "failed") notes.push(`${c.cell.label} failed${c.message ? ` (${c.message})` : ""}: left out`);
  }
  if (!opts.fitter) notes.push("the fitting module (src/analysis/fit) is not available: fits are left out");
  const sizes = new Set(run.plan.cells.map((c) => c.size));
  if (sizes.size === 1) notes.push("the plan has one model size: scaling fits and trends across sizes need two or more");
  if (run.plan.seeds.length < 2) notes.push("one seed: differences are reported without confidence intervals (n/a (1 seed))");

  // Fits: the plan's, then the report's standard ones not already asked for.
  const fitSpecs: FitSpec[] = [];
  const breakSpecs: FitSpec[] = [];
  const compareSpecs: CompareSpec[] = [];
  const progSpecs: ProgressionSpec[] = [];
  for (const a of run.plan.analyses) {
    switch (a.kind) {
      case "fit":
        fitSpecs.push({ kind: "fit", law: a.law, y: a.y, xs: a.xs, by: a.by, origin: "plan" });
        break;
      case "breaks":
        breakSpecs.push({ kind: "breaks", law: "broken", y: a.y, xs: [a.x], by: a.by, max: a.max, origin: "plan" });
        break;
      case "compare":
        compareSpecs.push({ axis: a.axis, subjects: a.subjects, baseline: a.baseline, at: a.at, target: a.target, origin: "plan" });
        break;
      case "progression":
        if ((X_KINDS as readonly string[]).includes(a.x) && (a.y === "curriculum" || a.y === "stage")) progSpecs.push({ y: a.y, x: a.x as XKind, origin: "plan" });
        else notes.push(`progression(${a.y} ~ ${a.x}): unsupported (y must be stage or curriculum, x params, flops or tokens)`);
        break;
    }
  }
  const groupBy = ["curriculum", ...varied];
  // Under several FLOP budgets, each budget's cells form a U-shaped profile in size, not a power
  // law: the compute-optimal section analyses them instead.
  const isoflop = varied.includes("budget") && run.plan.cells.every((c) => c.budget.stop_on === "flops");
  if (isoflop) notes.push("the cells are trained at several FLOP budgets (an IsoFLOP design): within a budget the loss is U-shaped in size, so the standard power-law fits of loss against params, tokens and FLOPs (and per stage) are left out; the compute-optimal section analyses these cells");
  for (const x of isoflop ? [] : X_KINDS) {
    const spec: FitSpec = { kind: "fit", law: "power_law", y: "loss", xs: [x], by: groupBy, origin: "report" };
    if (fitSpecs.some((s) => fitId(s) === fitId(spec))) continue;
    // A standard fit against a predictor every cell shares would be a table of refusals: say it once instead.
    const values = new Set(run.plan.cells.map((c) => (x === "params" ? c.model.params : x === "tokens" ? c.budget.tokens : c.budget.flops)));
    if (values.size < 2) {
      notes.push(`no standard fit of loss against ${x}: every cell has the same ${x} (${formatNumber([...values][0] ?? NaN)})`);
      continue;
    }
    fitSpecs.push(spec);
  }
  const fits = fitSpecs.map((s) => runFit(run, s, settings));
  // Too few points per curriculum for a law (e.g. three sizes and one seed): fit all curricula together as well.
  if (opts.fitter && names.length > 1) {
    for (const x of ["params", "flops"] as const) {
      const perCurriculum = fits.find((f) => f.law === "power_law" && f.y === "loss" && f.xs.length === 1 && f.xs[0] === x && f.by[0] === "curriculum");
      if (!perCurriculum || !perCurriculum.groups.length || perCurriculum.groups.some((g) => g.fit)) continue;
      const pooled: FitSpec = { kind: "fit", law: "power_law", y: "loss", xs: [x], by: varied, origin: "report" };
      if (fits.some((f) => fitId(f) === fitId(pooled))) continue;
      const r = runFit(run, pooled, settings);
      if (r.groups.some((g) => g.fit)) {
        fits.push({ ...r, notes: [...r.notes, `no per-curriculum fit could be made (${perCurriculum.groups[0]!.error?.message ?? "too few points"}), so the curricula are fitted together: the curve is their common trend, not either's own`] });
      }
    }
  }
  const breaks = breakSpecs.map((s) => runFit(run, s, settings));

  // Per stage.
  const hasStages = run.plan.cells.some((c) => stagesOf(c).length > 0);
  const stages = stageTable(run);
  const stageFits: FitAnalysis[] = [];
  if (hasStages && !isoflop) {
    const light = { ...settings, bootstrap: Math.min(bootstrap, 50), band: false };
    stageFits.push(runFit(run, { kind: "fit", law: "power_law", y: "loss", xs: ["params"], by: ["curriculum", "stage", ...varied], origin: "report" }, light));
    stageFits.push(runFit(run, { kind: "fit", law: "power_law", y: "loss", xs: ["params"], by: ["curriculum", "stage", "difficulty_bucket", ...varied], origin: "report" }, light));
  }

  // Compare: the plan's, and every curriculum against the shuffled control at equal FLOPs.
  const shuffled = run.plan.cells.find((c) => c.curriculum.kind === "shuffled");
  if (shuffled && names.length > 1) {
    const base = curriculumOf(shuffled);
    const covered = new Set(compareSpecs.filter((s) => s.baseline === base && s.at === "flops").flatMap((s) => s.subjects));
    const rest = names.filter((n) => n !== base && !covered.has(n));
    if (rest.length) compareSpecs.push({ subjects: rest, baseline: base, at: "flops", target: null, origin: "report" });
  }
  const comparisons = compareSpecs.flatMap((s) => runCompare(run, s));

  // Progression.
  if (!progSpecs.some((p) => p.y === "curriculum") && names.length > 1) progSpecs.push({ y: "curriculum", x: "params", origin: "report" });
  if (!progSpecs.some((p) => p.y === "stage") && hasStages && names.length > 1) progSpecs.push({ y: "stage", x: "params", origin: "report" });
  const progression = progSpecs.map((p) => runProgression(run, p));

  // Compute-optimal frontiers, and advice one decade beyond the largest budget.
  const optimal = runOptimal(run, settings);
  const largest = Math.max(...optimal.groups.map((g) => g.flops_range[1]));
  const advice = optimal.groups.length && Number.isFinite(largest) ? advise(optimal, 10 * largest) : null;

  return {
    format: ANALYSIS_FORMAT,
    version: ANALYSIS_VERSION,
    experiment: run.plan.experiment,
    run_dir: run.dir,
    plan_hash: run.meta.plan_hash,
    backend: run.meta.backend,
    cgx_version: VERSION,
    settings: { bootstrap, seed, fitting: opts.fitter !== null },
    cells: { total: run.cells.length, finished: finishedCount, missing, list },
    fits,
    breaks,
    stage_fits: stageFits,
    comparisons,
    stages,
    progression,
    optimal,
    advice,
    tasks: taskAccuracy(run),
    benchmarks: benchmarkAccuracy(run),
    data_used: usageTable(run),
    reweighting: reweightTable(run),
    events: run.cells.flatMap((c) =>
      c.events.map((e) => ({ cell: c.cell.label, step: e.step, tokens: e.tokens ?? (e.step !== null ? e.step * c.cell.budget.tokens_per_step : null), name: e.name, detail: e.detail })),
    ),
    notes,
  };
}

/** JSON with non-finite numbers as null (JSON has no NaN or Infinity), without bootstrap draws (kept for in-process comparisons only). */
export function analysisJson(a: Analysis): string {
  return JSON.stringify(a, (k, v: unknown) => (k === "draws" ? undefined : typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n";
}
