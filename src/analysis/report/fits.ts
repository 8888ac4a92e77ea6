/**
 * Scaling fits of finished cells: final heldout loss (or a source's, a difficulty bucket's, or the
 * loss at each stage boundary) against params, FLOPs or tokens, one fit per `by` group, with the
 * fitting module's parameter intervals and a bootstrap band for plotting. Also the broken power
 * law fits (`breaks`). Every failure becomes a note on its group, never an exception.
 */
import { extent } from "../fit/data.js";
import type { AnyFit } from "../fit/types.js";
import type { EvalRecord, RunData } from "../rundir.js";
import { formatNumber } from "./svg.js";
import { type Band, bootstrapBand, type Fitter, fitFailure, logGrid, predict } from "./fitter.js";
import { evalNearest, finalEval, groupValue, type LossSelector, lossOf, stagesOf, unique, type XKind, xOf } from "./cells.js";
import { clipAccuracy, noAccuracyReason, parseTaskKey } from "./tasks.js";

export interface FitSpec {
  readonly kind: "fit" | "breaks";
  readonly law: "power_law" | "chinchilla" | "broken";
  readonly y: string;
  readonly xs: readonly string[];
  readonly by: readonly string[];
  /** Most breaks (breaks only). */
  readonly max?: number;
  readonly origin: "plan" | "report";
}

export interface FitPoint {
  readonly x: number;
  readonly x2: number | null;
  readonly y: number;
  readonly cell: string;
  readonly size: string;
  readonly seed: number;
  /** Tokens of the eval the point comes from. */
  readonly tokens: number;
  /** Accuracy fits: the items behind the accuracy `y`. */
  readonly n?: number;
  /** Accuracy fits: the response actually fitted, the error rate 1 − accuracy after clipping. */
  readonly fitted?: number;
}

export interface FitGroup {
  readonly key: Readonly<Record<string, string>>;
  /** "curriculum=syllabus", or "all" for an ungrouped fit. */
  readonly label: string;
  readonly points: readonly FitPoint[];
  readonly fit: AnyFit | null;
  readonly error: { readonly message: string; readonly help: string } | null;
  /** The fitted law over the points' x range (one-predictor laws). */
  readonly curve: readonly { readonly x: number; readonly y: number }[] | null;
  readonly band: Band | null;
  readonly notes: readonly string[];
}

export interface FitAnalysis extends FitSpec {
  readonly id: string;
  /**
   * "error_rate" for accuracy: the law is fitted to 1 − accuracy (which falls with size, as the
   * laws require), so E is the error floor; points, curves and bands are in accuracy.
   */
  readonly response: "as_is" | "error_rate";
  readonly groups: readonly FitGroup[];
  readonly notes: readonly string[];
}

export interface FitSettings {
  readonly fitter: Fitter | null;
  readonly bootstrap: number;
  readonly seed: number;
  /** Compute a bootstrap band for plotting (default true). */
  readonly band?: boolean;
}

export function fitId(s: Pick<FitSpec, "kind" | "law" | "y" | "xs" | "by" | "max">): string {
  return `${s.kind === "breaks" ? `breaks(max ${s.max ?? 2})` : s.law}(${s.y} ~ ${s.xs.join(" + ")})${s.by.length ? ` by ${s.by.join(", ")}` : ""}`;
}

const X_KINDS: readonly string[] = ["params", "flops", "tokens"];
const RESPONSE_KEYS = new Set(["stage", "difficulty_bucket", "source", "task"]);

interface Variant {
  readonly ev: EvalRecord;
  readonly sel: LossSelector;
  readonly key: Record<string, string>;
}

/** The points of a fit, grouped by its `by` keys. */
export function fitPoints(run: RunData, spec: Pick<FitSpec, "y" | "xs" | "by">, notes: string[]): Map<string, { key: Record<string, string>; points: FitPoint[] }> {
  if (spec.y === "accuracy") return accuracyPoints(run, spec, notes);
  const groups = new Map<string, { key: Record<string, string>; points: FitPoint[] }>();
  let base: LossSelector;
  if (spec.y === "loss") base = { kind: "mean" };
  else if (spec.y.startsWith("loss.")) base = { kind: "source", name: spec.y.slice(5) };
  else {
    notes.push(`\`${spec.y}\` is not recorded in metrics.jsonl (the runtime records heldout losses and task accuracy): nothing to fit; use loss, loss.SOURCE or accuracy`);
    return groups;
  }
  const badX = spec.xs.filter((x) => !X_KINDS.includes(x));
  if (badX.length || !spec.xs.length) {
    notes.push(`unknown predictor ${badX.join(", ")}: use params, flops or tokens`);
    return groups;
  }
  if (spec.by.includes("task")) notes.push("`by task`: the loss is not recorded per task (tasks are scored by accuracy: fit `accuracy ~ ...` by task); the grouping is ignored");
  if (spec.by.includes("difficulty_bucket") && base.kind === "source") notes.push("`by difficulty_bucket`: buckets are recorded over all sources, not per source; the bucket loss is used");
  let stageless = 0;
  const finished = run.cells.filter((c) => c.finished);
  for (const c of finished) {
    let variants: Variant[] = [{ ev: finalEval(c)!, sel: base, key: {} }];
    if (spec.by.includes("stage")) {
      const stages = stagesOf(c.cell);
      if (!stages.length) {
        stageless++;
        continue;
      }
      variants = stages.flatMap((s) => {
        const ev = evalNearest(c, s.end);
        return ev ? [{ ev, sel: base, key: { stage: s.name } }] : [];
      });
    }
    if (spec.by.includes("difficulty_bucket")) variants = variants.flatMap((v) => v.ev.by_bucket.map((b) => ({ ev: v.ev, sel: { kind: "bucket", label: b.label } as LossSelector, key: { ...v.key, difficulty_bucket: b.label } })));
    if (spec.by.includes("source")) variants = variants.flatMap((v) => Object.keys(v.ev.by_source).map((s) => ({ ev: v.ev, sel: { kind: "source", name: s } as LossSelector, key: { ...v.key, source: s } })));
    for (const v of variants) {
      const key: Record<string, string> = {};
      let ok = true;
      for (const b of spec.by) {
        if (b === "task") continue;
        if (RESPONSE_KEYS.has(b)) key[b] = v.key[b] ?? "";
        else {
          const g = groupValue(c.cell, b);
          if (g === undefined) ok = false;
          else key[b] = g;
        }
      }
      if (!ok) continue;
      const y = lossOf(v.ev, v.sel);
      const x = xOf(c, spec.xs[0] as XKind, v.ev);
      const x2 = spec.xs[1] ? xOf(c, spec.xs[1] as XKind, v.ev) : null;
      if (!Number.isFinite(y) || !Number.isFinite(x)) continue;
      const k = JSON.stringify(key);
      if (!groups.has(k)) groups.set(k, { key, points: [] });
      groups.get(k)!.points.push({ x, x2, y, cell: c.cell.label, size: c.cell.size, seed: c.cell.seed, tokens: v.ev.tokens });
    }
  }
  const unknownBy = spec.by.filter((b) => !RESPONSE_KEYS.has(b) && finished.length && finished.every((c) => groupValue(c.cell, b) === undefined));
  if (unknownBy.length) notes.push(`no cell has ${unknownBy.map((b) => `\`${b}\``).join(", ")} on its axes: nothing to group by`);
  if (stageless) notes.push(`${stageless} finished cell${stageless === 1 ? "" : "s"} of unstaged curricula (${unique(finished.filter((c) => !stagesOf(c.cell).length).map((c) => c.cell.curriculum.name)).join(", ")}) ${stageless === 1 ? "is" : "are"} not in the by-stage fit`);
  return groups;
}

export function groupLabel(key: Readonly<Record<string, string>>): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(", ") : "all";
}

export function runFit(run: RunData, spec: FitSpec, settings: FitSettings): FitAnalysis {
  const notes: string[] = [];
  const id = fitId(spec);
  const response = spec.y === "accuracy" ? "error_rate" : "as_is";
  if (response === "error_rate" && spec.law === "chinchilla") {
    notes.push("a Chinchilla law of accuracy is not supported (final accuracy has one token budget per cell): use `fit power_law(accuracy ~ params)` or `breaks(accuracy ~ params)`");
    return { ...spec, id, response, groups: [], notes };
  }
  const grouped = fitPoints(run, spec, notes);
  if (spec.law === "chinchilla" && spec.xs.length !== 2) notes.push("a Chinchilla law needs two predictors (params + tokens)");
  const groups: FitGroup[] = [];
  for (const { key, points: pts0 } of grouped.values()) {
    let points = pts0;
    const gnotes: string[] = [];
    if (spec.law === "chinchilla" && spec.xs.length === 2 && new Set(points.map((p) => p.x2)).size < 2) {
      // One budget per cell: add the intermediate evals so the second predictor varies.
      const more = chinchillaCurvePoints(run, spec, key);
      if (more.length > points.length) {
        points = more;
        gnotes.push(`${spec.xs[1]} takes one value at the end of every cell, so the fit uses every eval of each cell (intermediate evals are not schedule-matched: their learning rate has not decayed)`);
      }
    }
    groups.push(fitGroup(spec, key, points, gnotes, settings));
  }
  if (!groups.length && !notes.length) notes.push("no finished cell to fit");
  if (response === "error_rate" && groups.length) {
    notes.push("accuracy rises with size, so the law is fitted to the error rate 1 − accuracy, which falls: E, A and alpha (and the breaks) describe the error rate; points and curves are shown as accuracy");
  }
  return { ...spec, id, response, groups: groups.sort(response === "error_rate" ? byKeyValues : (a, b) => a.label.localeCompare(b.label)), notes };
}

/** Groups in the order of their key values, compared one by one (numbers as numbers): heldout before heldout_entities, level 2 before level 10. */
function byKeyValues(a: FitGroup, b: FitGroup): number {
  const x = Object.values(a.key);
  const y = Object.values(b.key);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = x[i]!.localeCompare(y[i]!, "en", { numeric: true });
    if (c) return c;
  }
  return x.length - y.length;
}

/** Keys of an accuracy group that come from the response (the task record), not from the cell. */
const ACCURACY_KEYS = new Set(["task", "split", "level", "difficulty_bucket", "source", "mode", "stage"]);

/**
 * The points of an accuracy fit: the final eval's accuracy per finished cell (or the eval nearest
 * each stage's end, `by stage`), always grouped by task and split (accuracies of different tasks
 * are different quantities), by difficulty level where `by` asks for `level` (or
 * `difficulty_bucket`, read as the task's level), and by the other `by` keys.
 */
function accuracyPoints(run: RunData, spec: Pick<FitSpec, "y" | "xs" | "by">, notes: string[]): Map<string, { key: Record<string, string>; points: FitPoint[] }> {
  const groups = new Map<string, { key: Record<string, string>; points: FitPoint[] }>();
  const badX = spec.xs.filter((x) => !X_KINDS.includes(x));
  if (badX.length || !spec.xs.length) {
    notes.push(`unknown predictor ${badX.join(", ")}: use params, flops or tokens`);
    return groups;
  }
  const finished = run.cells.filter((c) => c.finished);
  if (!finished.length) {
    notes.push("no cell has finished yet: nothing to fit");
    return groups;
  }
  if (!finished.some((c) => c.evals.some((e) => e.tasks))) {
    notes.push(`\`accuracy\` is not recorded in metrics.jsonl: ${noAccuracyReason(run)}; nothing to fit`);
    return groups;
  }
  if (!spec.by.includes("task")) notes.push("accuracy is measured per task, so the fit is grouped by task (and split) although `by` does not name `task`");
  const byLevel = spec.by.includes("level") || spec.by.includes("difficulty_bucket");
  if (spec.by.includes("difficulty_bucket") && !spec.by.includes("level")) notes.push("`by difficulty_bucket` on accuracy groups by the task items' difficulty level (buckets are of the heldout loss)");
  let levels = 0;
  let stageless = 0;
  let noTasks = 0;
  for (const c of finished) {
    let evs: { ev: EvalRecord; stage?: string }[] = [{ ev: finalEval(c)! }];
    if (spec.by.includes("stage")) {
      const stages = stagesOf(c.cell);
      if (!stages.length) {
        stageless++;
        continue;
      }
      evs = stages.flatMap((s) => {
        const ev = evalNearest(c, s.end);
        return ev ? [{ ev, stage: s.name }] : [];
      });
    }
    let cellKey: Record<string, string> | null = {};
    for (const b of spec.by) {
      if (ACCURACY_KEYS.has(b)) continue;
      const g = groupValue(c.cell, b);
      if (g === undefined) cellKey = null;
      else if (cellKey) cellKey[b] = g;
    }
    if (!cellKey) continue;
    if (!evs.some((e) => e.ev.tasks)) noTasks++;
    for (const { ev, stage } of evs) {
      const x = xOf(c, spec.xs[0] as XKind, ev);
      const x2 = spec.xs[1] ? xOf(c, spec.xs[1] as XKind, ev) : null;
      if (!Number.isFinite(x)) continue;
      for (const [k, r] of Object.entries(ev.tasks ?? {})) {
        const t = parseTaskKey(k);
        const base: Record<string, string> = { task: t.task, split: t.split, ...(spec.by.includes("source") ? { source: t.source } : {}), ...(stage !== undefined ? { stage } : {}) };
        const measures = byLevel
          ? Object.entries(r.by_level).map(([level, l]) => ({ key: { ...base, level, ...cellKey }, ...l }))
          : [{ key: { ...base, ...cellKey }, accuracy: r.accuracy, n: r.n }];
        for (const m of measures) {
          if (m.key["level"] !== undefined) levels++;
          const kk = JSON.stringify(m.key);
          if (!groups.has(kk)) groups.set(kk, { key: m.key, points: [] });
          const clipped = clipAccuracy(m.accuracy, m.n);
          groups.get(kk)!.points.push({ x, x2, y: m.accuracy, cell: c.cell.label, size: c.cell.size, seed: c.cell.seed, tokens: ev.tokens, n: m.n, fitted: 1 - clipped.value });
        }
      }
    }
  }
  if (byLevel && !levels) notes.push("`by level`: no task result records accuracy by level");
  if (noTasks) notes.push(`${noTasks} finished cell${noTasks === 1 ? "" : "s"} recorded no task results in the eval used and ${noTasks === 1 ? "is" : "are"} left out`);
  const unknownBy = spec.by.filter((b) => !ACCURACY_KEYS.has(b) && finished.every((c) => groupValue(c.cell, b) === undefined));
  if (unknownBy.length) notes.push(`no cell has ${unknownBy.map((b) => `\`${b}\``).join(", ")} on its axes: nothing to group by`);
  if (stageless) notes.push(`${stageless} finished cell${stageless === 1 ? "" : "s"} of unstaged curricula ${stageless === 1 ? "is" : "are"} not in the by-stage fit`);
  return groups;
}

function chinchillaCurvePoints(run: RunData, spec: FitSpec, key: Readonly<Record<string, string>>): FitPoint[] {
  const out: FitPoint[] = [];
  const sel: LossSelector = spec.y === "loss" ? { kind: "mean" } : { kind: "source", name: spec.y.slice(5) };
  for (const c of run.cells.filter((r) => r.finished)) {
    if (!Object.entries(key).every(([k, v]) => groupValue(c.cell, k) === v)) continue;
    for (const ev of c.evals) {
      const y = lossOf(ev, sel);
      const x = xOf(c, spec.xs[0] as XKind, ev);
      const x2 = xOf(c, spec.xs[1] as XKind, ev);
      if (Number.isFinite(y) && Number.isFinite(x) && Number.isFinite(x2)) out.push({ x, x2, y, cell: c.cell.label, size: c.cell.size, seed: c.cell.seed, tokens: ev.tokens });
    }
  }
  return out;
}

function fitGroup(spec: FitSpec, key: Record<string, string>, points: readonly FitPoint[], notes: string[], settings: FitSettings): FitGroup {
  const label = groupLabel(key);
  const base = { key, label, points, notes };
  const none = (message: string, help: string): FitGroup => ({ ...base, fit: null, error: { message, help }, curve: null, band: null });
  const distinct = unique(points.map((p) => p.x));
  if (!points.length) return none("no finished cells in this group", "finish more cells (`cgx run` resumes) and rerun `cgx report`");
  if (distinct.length < 2) {
    const what = spec.xs[0] === "params" ? "model sizes" : spec.xs[0] === "tokens" ? "token budgets" : "sizes or budgets";
    return none(`one value of ${spec.xs[0]} only (${formatNumber(distinct[0] ?? NaN)}): nothing to fit against`, `a scaling fit needs cells at two or more ${what} (three or more for intervals)`);
  }
  if (!settings.fitter) return none("the fitting module is not available in this build", "");
  const fitter = settings.fitter;
  const errorRate = spec.y === "accuracy";
  const x = points.map((p) => p.x);
  const y = points.map((p) => (errorRate ? (p.fitted ?? NaN) : p.y));
  // Shown as accuracy: the fitted error rate e becomes 1 − e (a band's ends swap).
  const shown = (v: number) => (errorRate ? 1 - v : v);
  if (errorRate) {
    const clipped = points.filter((p) => p.fitted !== undefined && p.fitted !== 1 - p.y);
    if (clipped.length) {
      const which = clipped.every((p) => p.y <= 0.5) ? "0" : clipped.every((p) => p.y > 0.5) ? "1" : "0 or 1";
      notes.push(`${clipped.length} of ${points.length} accuracies were ${which} (or within half an item of it) and were clipped to [1/(2n), 1 − 1/(2n)] (n items) before fitting, so that the log error rate is finite`);
    }
    if (unique(y).length < 2) return none("the error rate is the same at every size: there is no trend to fit", "accuracy may be at chance or saturated at every size: try larger (or smaller) models or a harder task level");
  }
  const groups = points.map((p) => p.size);
  const opts = { bootstrap: settings.bootstrap, groups, seed: settings.seed, labels: { x: spec.xs[0] ?? "x", ...(spec.xs[1] ? { x2: spec.xs[1] } : {}), y: spec.y } };
  let fit: AnyFit;
  try {
    if (spec.law === "chinchilla") fit = fitter.chinchilla(x, points.map((p) => p.x2 ?? NaN), y, opts);
    else if (spec.law === "broken") fit = fitter.broken(x, y, { ...opts, maxBreaks: spec.max ?? 2 });
    else fit = fitter.powerLaw(x, y, opts);
  } catch (e) {
    const f = fitFailure(e);
    return none(f.message, f.help);
  }
  let curve: { x: number; y: number }[] | null = null;
  let band: Band | null = null;
  if (fit.law !== "chinchilla") {
    const [xlo, xhi] = extent(x);
    const lo = xlo / 1.25;
    const hi = xhi * 1.25;
    const grid = logGrid(lo, hi, 48);
    curve = grid.map((g) => ({ x: g, y: shown(predict(fit, g)) })).filter((p) => Number.isFinite(p.y));
    if (fit.law === "power" && settings.bootstrap > 0 && settings.band !== false) {
      const B = Math.min(settings.bootstrap, 200);
      band = bootstrapBand((bx, by) => fitter.powerLaw(bx, by, { bootstrap: 0, loo: false, seed: settings.seed }), x, y, groups, grid, B, settings.seed + 1);
      if (band && errorRate) band = { ...band, points: band.points.map((b) => ({ x: b.x, lo: 1 - b.hi, hi: 1 - b.lo })) };
      if (band && band.points.length === 0) notes.push(`no band: only ${band.fitted} of ${band.tried} bootstrap resamples could be fitted`);
      else if (band) notes.push(`band: pointwise 95% from ${band.fitted} refits, resampling ${band.method}`);
      else if (!band) notes.push("no band: fewer than two sizes to resample");
    }
  }
  const nParams = fit.law === "power" ? 3 : fit.law === "chinchilla" ? 5 : Object.keys(fit.params).length;
  if (distinct.length <= nParams) notes.push(`${distinct.length} distinct ${spec.xs[0]} values for ${nParams} parameters: nothing is left over to test the law's shape, so its intervals and band say little`);
  return { ...base, fit, error: null, curve, band };
}
