/** Small statistics for the analysis: means, t-intervals, a seeded RNG, interpolation on log axes. */
import { lineFit } from "./fit/frontier.js";

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Sample standard deviation (n - 1). */
export function sd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Two-sided 95% quantiles of Student's t, df 1..30; the normal value beyond. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function t975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[Math.round(df) - 1]!;
  if (df <= 60) return 2.042 - ((df - 30) / 30) * (2.042 - 2.0);
  if (df <= 120) return 2.0 - ((df - 60) / 60) * (2.0 - 1.98);
  return 1.96;
}

/** A mean with a 95% interval over independent replicates (seeds), or none with the reason. */
export interface Estimate {
  readonly mean: number;
  readonly lo: number | null;
  readonly hi: number | null;
  readonly n: number;
  /** "t" (Student t over n replicates), or why there is no interval. */
  readonly method: "t" | "n/a (1 seed)" | "n/a (no data)";
}

export function tInterval(xs: readonly number[]): Estimate {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) return { mean: NaN, lo: null, hi: null, n: 0, method: "n/a (no data)" };
  const m = mean(v);
  if (v.length === 1) return { mean: m, lo: null, hi: null, n: 1, method: "n/a (1 seed)" };
  const s = sd(v);
  const h = (t975(v.length - 1) * s) / Math.sqrt(v.length);
  return { mean: m, lo: m - h, hi: m + h, n: v.length, method: "t" };
}

/**
 * Wilson score interval (95%) for a binomial proportion: `p` of `n` independent trials. Unlike the
 * normal (Wald) interval it stays inside [0, 1] and is not empty at 0 or n successes.
 */
export function wilsonInterval(p: number, n: number, z = 1.959963984540054): { readonly lo: number; readonly hi: number } {
  if (!(n > 0)) return { lo: 0, hi: 1 };
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** Welch interval for the difference of two independent means (a - b). */
export function welchInterval(a: readonly number[], b: readonly number[]): Estimate {
  const x = a.filter(Number.isFinite);
  const y = b.filter(Number.isFinite);
  if (!x.length || !y.length) return { mean: NaN, lo: null, hi: null, n: 0, method: "n/a (no data)" };
  const d = mean(x) - mean(y);
  const n = Math.min(x.length, y.length);
  if (x.length < 2 || y.length < 2) return { mean: d, lo: null, hi: null, n, method: "n/a (1 seed)" };
  const va = sd(x) ** 2 / x.length;
  const vb = sd(y) ** 2 / y.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { mean: d, lo: d, hi: d, n, method: "t" };
  const df = (va + vb) ** 2 / (va ** 2 / (x.length - 1) + vb ** 2 / (y.length - 1));
  const h = t975(Math.max(1, Math.floor(df))) * se;
  return { mean: d, lo: d - h, hi: d + h, n, method: "t" };
}

// Seeded randomness and quantiles live with the fits (fit/rng.ts); re-exported for the report.
export { quantile, Rng as SeededRandom } from "./fit/rng.js";

/** Ordinary least squares y = a + b x, with the standard error and 95% t-interval of the slope. */
export interface LinearFit {
  readonly intercept: number;
  readonly slope: number;
  readonly slope_interval: readonly [number, number] | null;
  readonly r2: number | null;
  readonly n: number;
}

export function linearFit(x: readonly number[], y: readonly number[]): LinearFit | null {
  const n = x.length;
  const line = lineFit(x, y);
  if (!line) return null;
  const { intercept, slope } = line;
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i]! - intercept - slope * x[i]!) ** 2;
  const r2 = syy > 0 ? 1 - sse / syy : null;
  let slope_interval: readonly [number, number] | null = null;
  if (n > 2) {
    const se = Math.sqrt(sse / (n - 2) / sxx);
    const h = t975(n - 2) * se;
    slope_interval = [slope - h, slope + h];
  }
  return { intercept, slope, slope_interval, r2, n };
}

export interface CurvePoint {
  readonly x: number;
  readonly y: number;
}

/** y at x on a curve (points in increasing x), linear in log x between neighbours; null outside the curve. */
export function interpLogX(curve: readonly CurvePoint[], x: number): number | null {
  if (!curve.length || !(x > 0)) return null;
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  const eps = 1e-9;
  if (x < first.x * (1 - eps) || x > last.x * (1 + eps)) return null;
  for (let i = 0; i < curve.length; i++) {
    const p = curve[i]!;
    if (Math.abs(p.x - x) <= eps * x) return p.y;
    if (p.x > x) {
      const q = curve[i - 1];
      if (!q) return null;
      const t = (Math.log(x) - Math.log(q.x)) / (Math.log(p.x) - Math.log(q.x));
      return q.y + t * (p.y - q.y);
    }
  }
  return last.y;
}

/** Where a curve first reaches `target` (y <= target), interpolated in log x. */
export interface Crossing {
  /** The x at which the target is reached; for censored results the bound. */
  readonly x: number | null;
  /** "below": reached at or before the first point (x is an upper bound); "never": not reached (x is a lower bound, the last point). */
  readonly censored: "below" | "never" | null;
}

export function firstCrossing(curve: readonly CurvePoint[], target: number): Crossing {
  const pts = curve.filter((p) => p.x > 0 && Number.isFinite(p.y));
  if (!pts.length) return { x: null, censored: null };
  if (pts[0]!.y <= target) return { x: pts[0]!.x, censored: "below" };
  for (let i = 1; i < pts.length; i++) {
    const p = pts[i]!;
    if (p.y <= target) {
      const q = pts[i - 1]!;
      if (p.y === target || p.y === q.y) return { x: p.x, censored: null };
      const t = (q.y - target) / (q.y - p.y);
      return { x: Math.exp(Math.log(q.x) + t * (Math.log(p.x) - Math.log(q.x))), censored: null };
    }
  }
  return { x: pts[pts.length - 1]!.x, censored: "never" };
}

/** Geometric mean with a t-interval on the log scale (for ratios). */
export function logTInterval(xs: readonly number[]): Estimate {
  const e = tInterval(xs.filter((x) => x > 0).map(Math.log));
  return { mean: Math.exp(e.mean), lo: e.lo === null ? null : Math.exp(e.lo), hi: e.hi === null ? null : Math.exp(e.hi), n: e.n, method: e.method };
}

/** Paired differences when every seed is on both sides, else Welch. */
export function differenceInterval(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): Estimate & { readonly paired: boolean } {
  const shared = [...a.keys()].filter((k) => b.has(k));
  if (shared.length === a.size && shared.length === b.size && shared.length > 0) {
    return { ...tInterval(shared.map((k) => a.get(k)! - b.get(k)!)), paired: true };
  }
  return { ...welchInterval([...a.values()], [...b.values()]), paired: false };
}
