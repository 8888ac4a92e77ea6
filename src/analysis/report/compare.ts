/**
 * Curriculum against baseline: for each subject curriculum, model size and setting of the other
 * axes, the final heldout loss difference at equal FLOPs (or tokens) with a t-interval over seeds
 * (paired by seed when both sides have the same seeds), and the ratio of tokens each needs to
 * reach a target loss (the plan's, else the baseline's final loss in the same seed), read off the
 * eval curve interpolated in log tokens. The same per difficulty bucket.
 */
import type { CellRun, RunData } from "../rundir.js";
import { differenceInterval, type Estimate, firstCrossing, interpLogX, logTInterval, mean } from "../stats.js";
import { axisValue, bucketLabels, contextKey, evalCurve, finalEval, type LossSelector, sizesOf, unique } from "./cells.js";

export interface CompareSpec {
  /** The grid axis compared along: "curriculum" (the default), or e.g. "grow". */
  readonly axis?: string;
  readonly subjects: readonly string[];
  readonly baseline: string;
  readonly at: "flops" | "tokens";
  readonly target: number | null;
  /** "plan": asked for by the plan; "report": added by the report. */
  readonly origin: "plan" | "report";
}

/** A ratio with censoring: when some seed never reached the target (or reached it before the first eval) only a bound is known. */
export interface RatioEstimate extends Estimate {
  /** ">": the true ratio is at least `mean`; "<": at most. null: uncensored. */
  readonly bound: ">" | "<" | null;
  readonly censored: number;
}

export interface SeedComparison {
  readonly seed: number | null;
  readonly subject_loss: number | null;
  readonly baseline_loss: number | null;
  readonly target: number | null;
  readonly subject_tokens: number | null;
  readonly baseline_tokens: number | null;
  readonly ratio: number | null;
  readonly bound: ">" | "<" | null;
}

export interface CompareRow {
  readonly subject: string;
  readonly baseline: string;
  readonly size: string;
  readonly params: number;
  /** Other axes of the cells compared ("" when none vary). */
  readonly context: string;
  /** The metric compared: "loss" or a difficulty bucket label. */
  readonly metric: string;
  readonly seeds: readonly number[];
  /** FLOPs (or tokens) at which the losses are compared: the smallest final value among the cells. */
  readonly at_value: number;
  readonly subject_loss: number;
  readonly baseline_loss: number;
  /** subject - baseline: negative means the subject is better. */
  readonly diff: Estimate & { readonly paired: boolean };
  /** Mean target loss (per seed it is the plan's target or that seed's baseline final loss). */
  readonly target: number | null;
  /** Tokens to the target, subject over baseline: below 1 means the subject gets there sooner. */
  readonly ratio: RatioEstimate;
  readonly per_seed: readonly SeedComparison[];
}

export interface Comparison {
  /** The axis compared along ("curriculum" unless the plan said otherwise). */
  readonly axis: string;
  readonly subject: string;
  readonly baseline: string;
  readonly at: "flops" | "tokens";
  readonly target: number | null;
  readonly target_source: string;
  readonly origin: "plan" | "report";
  readonly rows: readonly CompareRow[];
  readonly buckets: readonly CompareRow[];
  readonly notes: readonly string[];
}

export function runCompare(run: RunData, spec: CompareSpec): Comparison[] {
  const axis = spec.axis ?? "curriculum";
  const names = unique(run.plan.cells.map((c) => axisValue(c, axis)));
  const label = axis === "curriculum" ? "curriculum" : `${axis} =`;
  const out: Comparison[] = [];
  for (const subject of spec.subjects) {
    const notes: string[] = [];
    const base = { axis, subject, baseline: spec.baseline, at: spec.at, target: spec.target, origin: spec.origin, target_source: spec.target !== null ? "the plan" : "the baseline's final loss (per seed)" };
    if (!names.includes(spec.baseline) || !names.includes(subject)) {
      notes.push(`no cells of ${label} \`${!names.includes(subject) ? subject : spec.baseline}\` in the plan`);
      out.push({ ...base, rows: [], buckets: [], notes });
      continue;
    }
    const rows: CompareRow[] = [];
    const buckets: CompareRow[] = [];
    const contexts = [...new Set(run.cells.filter((c) => axisValue(c.cell, axis) === subject).map((c) => contextKey(c.cell, axis)))];
    for (const ctx of contexts) {
      for (const { size, params } of sizesOf(run.plan.cells)) {
        const pick = (v: string) => run.cells.filter((c) => axisValue(c.cell, axis) === v && c.cell.size === size && contextKey(c.cell, axis) === ctx);
        const subjAll = pick(subject);
        const baseAll = pick(spec.baseline);
        if (!subjAll.length) continue;
        const where = `${size}${ctx ? ` (${ctx})` : ""}`;
        const subj = subjAll.filter((c) => c.finished);
        const bl = baseAll.filter((c) => c.finished);
        const missing = [...subjAll, ...baseAll].filter((c) => !c.finished).map((c) => `${c.cell.label} (${c.state})`);
        if (missing.length) notes.push(`${where}: left out unfinished ${missing.join(", ")}`);
        if (!subj.length || !bl.length) {
          notes.push(`${where}: no finished ${!subj.length ? subject : spec.baseline} cell to compare`);
          continue;
        }
        const row = compareCells(subject, spec.baseline, size, params, ctx, "loss", { kind: "mean" }, subj, bl, spec);
        if (row) rows.push(row);
        for (const b of bucketLabels([...subj, ...bl])) {
          const r = compareCells(subject, spec.baseline, size, params, ctx, b, { kind: "bucket", label: b }, subj, bl, spec);
          if (r) buckets.push(r);
        }
      }
    }
    const seedsPerRow = rows.map((r) => r.seeds.length);
    if (rows.length && Math.max(...seedsPerRow) < 2) notes.push("one seed per cell: no confidence intervals (n/a (1 seed)); add seeds for intervals");
    if (spec.target === null && rows.length) notes.push("no target in the plan: the target loss is the baseline's final loss in each seed, so the baseline's ratio denominator is its whole budget (or less where its curve dipped below earlier)");
    out.push({ ...base, rows, buckets, notes });
  }
  return out;
}

function compareCells(
  subject: string,
  baseline: string,
  size: string,
  params: number,
  context: string,
  metric: string,
  sel: LossSelector,
  subj: readonly CellRun[],
  bl: readonly CellRun[],
  spec: CompareSpec,
): CompareRow | null {
  const atKey = spec.at;
  const finals = [...subj, ...bl].map((c) => {
    const f = finalEval(c)!;
    return atKey === "flops" ? f.flops : f.tokens;
  });
  const A = Math.min(...finals);
  const lossAt = (c: CellRun) => interpLogX(evalCurve(c, atKey, sel), A);
  const sLoss = new Map<number, number>();
  const bLoss = new Map<number, number>();
  for (const c of subj) {
    const l = lossAt(c);
    if (l !== null && Number.isFinite(l)) sLoss.set(c.cell.seed, l);
  }
  for (const c of bl) {
    const l = lossAt(c);
    if (l !== null && Number.isFinite(l)) bLoss.set(c.cell.seed, l);
  }
  if (!sLoss.size || !bLoss.size) return null;
  const diff = differenceInterval(sLoss, bLoss);

  // Tokens to target, per seed where both sides have it.
  const bySeed = new Map(bl.map((c) => [c.cell.seed, c]));
  const perSeed: SeedComparison[] = [];
  for (const s of subj) {
    const b = bySeed.get(s.cell.seed);
    if (!b) continue;
    const bCurve = evalCurve(b, "tokens", sel);
    const sCurve = evalCurve(s, "tokens", sel);
    const target = spec.target ?? bCurve.at(-1)?.y ?? null;
    if (target === null || !sCurve.length || !bCurve.length) continue;
    const cs = firstCrossing(sCurve, target);
    const cb = firstCrossing(bCurve, target);
    let ratio: number | null = null;
    let bound: ">" | "<" | null = null;
    if (cs.x !== null && cb.x !== null) {
      const sCens = cs.censored;
      const bCens = cb.censored;
      ratio = cs.x / cb.x;
      // Subject never reached: its tokens are at least its last eval, so the ratio is at least this. Reached before its first eval: at most.
      const sDir = sCens === "never" ? ">" : sCens === "below" ? "<" : null;
      const bDir = bCens === "never" ? "<" : bCens === "below" ? ">" : null;
      if (sDir && bDir && sDir !== bDir) ratio = null;
      else bound = sDir ?? bDir;
      if (sCens === "never" && bCens === "never") ratio = null;
    }
    perSeed.push({
      seed: s.cell.seed,
      subject_loss: sLoss.get(s.cell.seed) ?? null,
      baseline_loss: bLoss.get(s.cell.seed) ?? null,
      target,
      subject_tokens: cs.censored === null || cs.censored === "below" ? cs.x : null,
      baseline_tokens: cb.censored === null || cb.censored === "below" ? cb.x : null,
      ratio,
      bound,
    });
  }
  const ratio = summarizeRatios(perSeed);
  const targets = perSeed.map((p) => p.target).filter((t): t is number => t !== null);
  return {
    subject,
    baseline,
    size,
    params,
    context,
    metric,
    seeds: [...new Set([...sLoss.keys(), ...bLoss.keys()])].sort((a, b) => a - b),
    at_value: A,
    subject_loss: mean([...sLoss.values()]),
    baseline_loss: mean([...bLoss.values()]),
    diff,
    target: targets.length ? mean(targets) : spec.target,
    ratio,
    per_seed: perSeed,
  };
}

export function summarizeRatios(perSeed: readonly SeedComparison[]): RatioEstimate {
  const usable = perSeed.filter((p) => p.ratio !== null && p.ratio > 0);
  if (!usable.length) return { mean: NaN, lo: null, hi: null, n: 0, method: "n/a (no data)", bound: null, censored: perSeed.length };
  const censored = usable.filter((p) => p.bound !== null);
  const est = logTInterval(usable.map((p) => p.ratio!));
  if (!censored.length) return { ...est, bound: null, censored: perSeed.length - usable.length };
  const dirs = new Set(censored.map((p) => p.bound));
  if (dirs.size > 1) return { mean: NaN, lo: null, hi: null, n: usable.length, method: "n/a (no data)", bound: null, censored: censored.length };
  // Replacing censored values by their bounds bounds the geometric mean in the same direction.
  return { mean: est.mean, lo: null, hi: null, n: usable.length, method: est.method, bound: [...dirs][0]!, censored: censored.length };
}
