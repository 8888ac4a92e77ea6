/**
 * The progression model: for each model size, which curriculum (or stage) is best, and a trend
 * across sizes of each one's gap to the reference curriculum, fitted linear in log10 x, with the
 * size at which the gap changes sign (observed between two measured sizes, or predicted by the
 * trend).
 *
 * - `curriculum ~ x`: the value of a curriculum at a size is its mean final heldout loss; its gap
 *   is that minus the reference's. Lowest loss is best.
 * - `stage ~ x`: the value of a stage is what it gained on the reference during the stage: the
 *   change of the gap (loss minus the reference's at the same tokens) from the previous stage
 *   boundary (0 at the start) to this one, each read at the eval nearest the boundary. Most
 *   negative is best: the stage where the curriculum pulled ahead most.
 */
import type { RunData } from "../rundir.js";
import { interpLogX, type LinearFit, linearFit, mean, tInterval, welchInterval } from "../stats.js";
import { contextKey, curricula, curriculumOf, evalCurve, evalNearest, finalEval, referenceCurriculum, sizesOf, stagesOf, type XKind, xOf } from "./cells.js";

export interface ProgressionSpec {
  readonly y: "curriculum" | "stage";
  readonly x: XKind;
  readonly origin: "plan" | "report";
}

export interface ProgressionEntry {
  readonly name: string;
  readonly value: number;
  readonly n: number;
}

export interface ProgressionSize {
  readonly size: string;
  readonly context: string;
  readonly x: number;
  readonly entries: readonly ProgressionEntry[];
  readonly best: string | null;
  /** How far the best is ahead of the next (same units as the values); null with one entry. */
  readonly margin: number | null;
}

export interface Crossover {
  /** x at which the gap is zero. */
  readonly x: number;
  /** "observed": the gap changes sign between two measured sizes (interpolated in log x); "trend": where the fitted line crosses zero. */
  readonly kind: "observed" | "trend";
  /** For a trend crossover: inside the measured range of x, or extrapolated. */
  readonly within: boolean;
  /** The sign of the gap below the crossover ("-": the entry is ahead of the reference at smaller x). */
  readonly below: "-" | "+";
}

export interface GapTrend {
  readonly name: string;
  readonly reference: string;
  readonly context: string;
  /** The gap at each size, with its 95% interval over seeds (null with one seed). */
  readonly points: readonly { readonly size: string; readonly x: number; readonly gap: number; readonly n: number; readonly lo: number | null; readonly hi: number | null }[];
  /** gap = intercept + slope * log10(x) */
  readonly linear: LinearFit | null;
  readonly crossovers: readonly Crossover[];
}

export interface Progression extends ProgressionSpec {
  readonly id: string;
  readonly metric: string;
  readonly reference: { readonly name: string; readonly why: string } | null;
  readonly sizes: readonly ProgressionSize[];
  readonly trends: readonly GapTrend[];
  readonly notes: readonly string[];
}

export function runProgression(run: RunData, spec: ProgressionSpec): Progression {
  const id = `progression(${spec.y} ~ ${spec.x})`;
  const ref = referenceCurriculum(run);
  const notes: string[] = [];
  const base = { ...spec, id, reference: ref };
  const finished = run.cells.filter((c) => c.finished);
  // value[context][size][name] = per-cell values
  const values = new Map<string, Map<string, Map<string, number[]>>>();
  const xs = new Map<string, number[]>();
  const add = (ctx: string, size: string, name: string, v: number) => {
    if (!Number.isFinite(v)) return;
    if (!values.has(ctx)) values.set(ctx, new Map());
    const bySize = values.get(ctx)!;
    if (!bySize.has(size)) bySize.set(size, new Map());
    const byName = bySize.get(size)!;
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name)!.push(v);
  };
  let metric: string;
  const refName = ref?.name ?? null;
  if (spec.y === "curriculum") {
    metric = "mean final heldout loss (lower is better); gap = loss - reference's loss";
    if (curricula(run).length < 2) return { ...base, metric, sizes: [], trends: [], notes: ["one curriculum only: nothing to rank"] };
    for (const c of finished) {
      add(contextKey(c.cell), c.cell.size, curriculumOf(c.cell), finalEval(c)!.loss);
      if (!xs.has(c.cell.size)) xs.set(c.cell.size, []);
      xs.get(c.cell.size)!.push(xOf(c, spec.x));
    }
  } else {
    metric = "gain on the reference during the stage: change of (loss - reference's loss at equal tokens) from the previous stage boundary (more negative is better)";
    if (!refName) return { ...base, metric, sizes: [], trends: [], notes: ["stage progression needs a reference curriculum to measure stages against; the plan has one curriculum"] };
    const stagedNames = curricula(run).filter((n) => run.plan.cells.some((c) => curriculumOf(c) === n && stagesOf(c).length));
    if (!stagedNames.length) return { ...base, metric, sizes: [], trends: [], notes: ["no staged curriculum in the plan"] };
    for (const c of finished) {
      const stages = stagesOf(c.cell);
      const cur = curriculumOf(c.cell);
      if (!stages.length || cur === refName) continue;
      const refCell = finished.find((r) => curriculumOf(r.cell) === refName && r.cell.size === c.cell.size && r.cell.seed === c.cell.seed && contextKey(r.cell) === contextKey(c.cell));
      if (!refCell) continue;
      const refCurve = evalCurve(refCell, "tokens");
      let prevGap = 0;
      for (const st of stages) {
        const ev = evalNearest(c, st.end);
        if (!ev) continue;
        const r = interpLogX(refCurve, ev.tokens);
        if (r === null) continue;
        const gap = ev.loss - r;
        add(contextKey(c.cell), c.cell.size, stagedNames.length > 1 ? `${cur}:${st.name}` : st.name, gap - prevGap);
        prevGap = gap;
      }
      if (!xs.has(c.cell.size)) xs.set(c.cell.size, []);
      xs.get(c.cell.size)!.push(xOf(c, spec.x));
    }
    if (!values.size) notes.push(`no size has both a finished staged cell and a finished ${refName} cell with the same seed`);
  }
  const order = sizesOf(run.plan.cells).map((s) => s.size);
  const sizes: ProgressionSize[] = [];
  const trends: GapTrend[] = [];
  for (const [ctx, bySize] of values) {
    const sizeRows: ProgressionSize[] = [];
    for (const size of order) {
      const byName = bySize.get(size);
      if (!byName) continue;
      const entries = [...byName].map(([name, vs]) => ({ name, value: mean(vs), n: vs.length }));
      const ranked = [...entries].sort((a, b) => a.value - b.value);
      sizeRows.push({
        size,
        context: ctx,
        x: mean(xs.get(size) ?? [NaN]),
        entries,
        best: ranked[0]?.name ?? null,
        margin: ranked.length > 1 ? ranked[1]!.value - ranked[0]!.value : null,
      });
    }
    sizes.push(...sizeRows);
    const names = [...new Set(sizeRows.flatMap((r) => r.entries.map((e) => e.name)))];
    for (const name of names) {
      if (spec.y === "curriculum" && name === refName) continue;
      const points = sizeRows.flatMap((r) => {
        const e = r.entries.find((x) => x.name === name);
        if (!e) return [];
        const raw = (n: string) => bySize.get(r.size)?.get(n) ?? [];
        if (spec.y === "stage") {
          const iv = tInterval(raw(name));
          return [{ size: r.size, x: r.x, gap: e.value, n: e.n, lo: iv.lo, hi: iv.hi }];
        }
        const rv = r.entries.find((x) => x.name === refName);
        if (!rv) return [];
        const iv = welchInterval(raw(name), raw(refName!));
        return [{ size: r.size, x: r.x, gap: e.value - rv.value, n: Math.min(e.n, rv.n), lo: iv.lo, hi: iv.hi }];
      });
      const good = points.filter((p) => p.x > 0 && Number.isFinite(p.gap));
      const linear = good.length >= 2 ? linearFit(good.map((p) => Math.log10(p.x)), good.map((p) => p.gap)) : null;
      trends.push({ name, reference: refName ?? "", context: ctx, points, linear, crossovers: crossovers(good, linear) });
    }
  }
  if (sizes.length && new Set(sizes.map((s) => s.size)).size < 2) notes.push("one model size only: the trend across sizes needs two or more (three for an interval on its slope)");
  else if (trends.some((t) => t.linear && t.linear.n === 2)) notes.push("two sizes: the trend is a line through two points, with no interval on its slope");
  return { ...base, metric, sizes, trends, notes };
}

/** A gap whose interval lies on one side of zero; a gap without an interval (one seed) is not a sign at all. */
function signOf(p: { gap: number; lo: number | null; hi: number | null }): -1 | 0 | 1 {
  if (p.lo === null || p.hi === null) return 0;
  return p.lo > 0 ? 1 : p.hi < 0 ? -1 : 0;
}

/**
 * Where a gap changes sign. Observed: between two adjacent sizes whose gaps' intervals exclude zero
 * on opposite sides (a sign change inside the noise is not called). Trend: where the fitted line
 * crosses zero, only when its slope's interval excludes zero.
 */
function crossovers(points: readonly { x: number; gap: number; lo: number | null; hi: number | null }[], linear: LinearFit | null): Crossover[] {
  const out: Crossover[] = [];
  const sorted = [...points].sort((a, b) => a.x - b.x);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    const sa = signOf(a);
    const sb = signOf(b);
    if (sa === 0 || sb === 0 || sa === sb) continue;
    const t = a.gap / (a.gap - b.gap);
    out.push({ x: 10 ** (Math.log10(a.x) + t * (Math.log10(b.x) - Math.log10(a.x))), kind: "observed", within: true, below: a.gap < 0 ? "-" : "+" });
  }
  const slopeClear = linear?.slope_interval ? linear.slope_interval[0] > 0 || linear.slope_interval[1] < 0 : false;
  if (linear && linear.slope !== 0 && sorted.length && slopeClear) {
    const lx = -linear.intercept / linear.slope;
    if (Number.isFinite(lx) && Math.abs(lx) < 30) {
      const x = 10 ** lx;
      const within = x >= sorted[0]!.x && x <= sorted[sorted.length - 1]!.x;
      // Below the crossing the line has the sign opposite to its slope.
      out.push({ x, kind: "trend", within, below: linear.slope > 0 ? "-" : "+" });
    }
  }
  return out;
}
