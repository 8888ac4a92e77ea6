/**
 * Hoffmann et al. 2022, approach 1: the minimum-loss envelope over training curves. Every run's
 * eval curve (loss against FLOPs) is interpolated on a log grid of compute; at each compute the
 * run with the lowest loss there gives N_opt(C) and D_opt(C) (its tokens at that compute). The
 * envelope's points give the frontiers N_opt = k C^a and D_opt = k' C^b (frontier.ts); intervals
 * come from resampling whole runs.
 */
import { percentileInterval } from "./engine.js";
import { frontierLine, powerFrontier } from "./frontier.js";
import { Rng } from "./rng.js";
import { FitError, type EnvelopeFit, type PowerFrontier } from "./types.js";

export interface CurvePoint {
  readonly flops: number;
  readonly tokens: number;
  readonly loss: number;
}

export interface Curve {
  readonly params: number;
  /** Eval points in increasing FLOPs. */
  readonly points: readonly CurvePoint[];
}

export interface EnvelopeOptions {
  readonly bootstrap?: number;
  readonly seed?: number;
  /** Computes on the log grid (default 24). */
  readonly grid?: number;
}

/** Loss and tokens of a curve at compute c, linear in ln FLOPs between its evals; null outside it. */
function at(curve: Curve, c: number): { loss: number; tokens: number } | null {
  const p = curve.points;
  if (!p.length || c < p[0]!.flops || c > p[p.length - 1]!.flops) return null;
  // The first eval at or past c; c lies between it and the one before.
  let j = 0;
  while (p[j]!.flops < c) j++;
  if (p[j]!.flops === c || j === 0) return { loss: p[j]!.loss, tokens: p[j]!.tokens };
  const a = p[j - 1]!;
  const b = p[j]!;
  const t = (Math.log(c) - Math.log(a.flops)) / (Math.log(b.flops) - Math.log(a.flops));
  return { loss: a.loss + t * (b.loss - a.loss), tokens: Math.exp(Math.log(a.tokens) + t * (Math.log(b.tokens) - Math.log(a.tokens))) };
}

type EnvelopePoint = EnvelopeFit["points"][number];

/** The envelope of these curves on the grid: computes covered by curves of at least two sizes. */
function envelopeOf(curves: readonly Curve[], grid: readonly number[]): EnvelopePoint[] {
  const out: EnvelopePoint[] = [];
  for (const c of grid) {
    let best: EnvelopePoint | null = null;
    const sizes = new Set<number>();
    for (const cv of curves) {
      const v = at(cv, c);
      if (!v) continue;
      sizes.add(cv.params);
      if (!best || v.loss < best.loss) best = { flops: c, params: cv.params, tokens: v.tokens, loss: v.loss };
    }
    if (best && sizes.size >= 2) out.push(best);
  }
  return out;
}

function logGrid(lo: number, hi: number, n: number): number[] {
  if (!(hi > lo)) return [lo];
  return Array.from({ length: n }, (_, i) => Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1)));
}

export function fitEnvelope(curves: readonly Curve[], opts: EnvelopeOptions = {}): EnvelopeFit {
  const usable = curves.filter((c) => c.points.length > 0 && c.points.every((p) => p.flops > 0 && p.tokens > 0 && Number.isFinite(p.loss)));
  const sizes = new Set(usable.map((c) => c.params));
  if (sizes.size < 2) throw new FitError(`the training curves cover ${sizes.size} model size${sizes.size === 1 ? "" : "s"}: an envelope needs at least 2`, "train several model sizes");
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of usable) {
    lo = Math.min(lo, c.points[0]!.flops);
    hi = Math.max(hi, c.points[c.points.length - 1]!.flops);
  }
  const grid = logGrid(lo, hi, opts.grid ?? 24);
  const points = envelopeOf(usable, grid);
  if (points.length < 2) throw new FitError("fewer than two computes are reached by curves of two or more sizes: there is no envelope", "train sizes whose compute ranges overlap");
  const lines = (pts: readonly EnvelopePoint[]) => ({
    n: frontierLine(
      pts.map((p) => p.flops),
      pts.map((p) => p.params),
    ),
    d: frontierLine(
      pts.map((p) => p.flops),
      pts.map((p) => p.tokens),
    ),
  });
  const est = lines(points);

  const replicates = opts.bootstrap ?? 200;
  const rng = new Rng(opts.seed ?? 0);
  const draws = { n: [] as [number, number][], d: [] as [number, number][] };
  for (let r = 0; r < replicates; r++) {
    const sample = usable.map(() => usable[rng.int(usable.length)]!);
    const pts = envelopeOf(sample, grid);
    if (pts.length < 2) continue;
    const f = lines(pts);
    if (f.n) draws.n.push([f.n.lnk, f.n.exponent]);
    if (f.d) draws.d.push([f.d.lnk, f.d.exponent]);
  }

  const warnings: string[] = [];
  const picked = [...new Set(points.map((p) => p.params))].sort((a, b) => a - b);
  const all = [...sizes].sort((a, b) => a - b);
  if (picked.length < 3)
    warnings.push(`the envelope is made of only ${picked.length} model size${picked.length === 1 ? "" : "s"} (of ${all.length}): N_opt moves in jumps between them, so a is poorly determined; train more sizes`);
  if (all.length > 1 && points[points.length - 1]!.params === all[all.length - 1])
    warnings.push("at the largest computes the lowest loss is the largest size trained: the optimum may lie beyond it there, which biases a downwards");
  const n_opt: PowerFrontier | null = est.n ? powerFrontier(est.n, draws.n, replicates) : null;
  const d_opt: PowerFrontier | null = est.d ? powerFrontier(est.d, draws.d, replicates) : null;
  if (n_opt && replicates > 0 && percentileInterval(draws.n.map((d) => d[1]), replicates) === null) warnings.push("fewer than half of the bootstrap resamples had an envelope: no interval");
  return { law: "envelope", points, n_opt, d_opt, flops_range: [lo, hi], warnings };
}
