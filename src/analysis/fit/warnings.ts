/**
 * Fits that say when they are wrong. A converged fit can still describe the data badly or say
 * little: the data bend away from the law (lack of fit), a parameter sits on its bound, there
 * are too few sizes per parameter, or an interval is degenerate or misses its estimate. Each
 * check gives one sentence; a clean planted law gives none (test/analysis/fit/warnings.test.ts).
 */
import type { PointIds } from "./data.js";
import type { Interval } from "./types.js";

/** Regularised incomplete beta I_x(a, b), by Lentz's continued fraction (Numerical Recipes 6.4). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-12) break;
  }
  return (Math.exp(lnFront) * f) / a;
}

/** log Gamma by the Lanczos approximation (g = 7, n = 9). */
function lgamma(z: number): number {
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - lgamma(1 - z);
  const x = z - 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** P(F > f) for an F(d1, d2) variable. */
export function fSurvival(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 1;
  return incompleteBeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/** Below this p-value, and above the size floor, residuals that follow x are called a misfit. */
const LACK_OF_FIT_P = 0.001;
/** A systematic misfit smaller than this in log loss (0.3%) is not worth a warning. */
const LACK_OF_FIT_SIZE = 0.003;

/**
 * Lack of fit of a law with k parameters to log y, by the classic F-test: with repeated points
 * (seeds; `points` groups them), the misfit of the per-point means against the scatter within each
 * point; without, a quadratic trend of the residuals in log x (one predictor only) against what
 * is left around it.
 */
export function lackOfFit(points: PointIds, logX: readonly number[] | null, logY: ArrayLike<number>, fitted: ArrayLike<number>, k: number, what: string): string | null {
  const { ids, count: m } = points;
  const n = ids.length;
  // Per-point sums in arrays indexed by id: no object per group, however many points.
  const size = new Float64Array(m);
  const sumY = new Float64Array(m);
  const sumF = new Float64Array(m);
  const x = new Float64Array(m);
  for (let i = n - 1; i >= 0; i--) x[ids[i]!] = logX ? logX[i]! : 0;
  for (let i = 0; i < n; i++) {
    const g = ids[i]!;
    size[g]! += 1;
    sumY[g]! += logY[i]!;
    sumF[g]! += fitted[i]!;
  }
  let lof = 0;
  let pe = 0;
  const meanResidual = new Float64Array(m);
  for (let g = 0; g < m; g++) {
    const r = (meanResidual[g] = sumY[g]! / size[g]! - sumF[g]! / size[g]!);
    lof += size[g]! * r * r;
  }
  for (let i = 0; i < n; i++) pe += (logY[i]! - sumY[ids[i]!]! / size[ids[i]!]!) ** 2;
  const misfit = Math.sqrt(lof / n);
  if (misfit < LACK_OF_FIT_SIZE) return null;
  let p: number;
  if (n - m >= 2 && m - k >= 1 && pe > 0) {
    p = fSurvival(lof / (m - k) / (pe / (n - m)), m - k, n - m);
  } else if (logX && m >= k + 4) {
    // No replicates: does a quadratic in log x explain the residuals?
    const q = quadraticFit(x, meanResidual, size);
    if (!q) return null;
    p = fSurvival(q.explained / 3 / (q.left / (m - 3)), 3, m - 3);
  } else return null;
  if (p >= LACK_OF_FIT_P) return null;
  return `the data bend away from ${what}: the residuals follow the predictor (lack-of-fit p = ${p.toExponential(1)}, a systematic ${(100 * misfit).toFixed(1)}% in loss); the law describes this range poorly and should not be extrapolated`;
}

/** Weighted least squares of r on [1, x, x^2] (weights w); the sums of squares explained and left. */
function quadraticFit(x: Float64Array, r: Float64Array, w: Float64Array): { explained: number; left: number } | null {
  const m = x.length;
  let mean = 0;
  for (let t = 0; t < m; t++) mean += x[t]!;
  mean /= m;
  // Moments of the centred x: sums of w d^p for p = 0..4, and of w r d^p for p = 0..2.
  const s = [0, 0, 0, 0, 0];
  const b = [0, 0, 0];
  for (let t = 0; t < m; t++) {
    const d = x[t]! - mean;
    let p = w[t]!;
    for (let e = 0; e < 5; e++) {
      s[e]! += p;
      if (e < 3) b[e]! += p * r[t]!;
      p *= d;
    }
  }
  const ata = [0, 1, 2].map((i) => [0, 1, 2].map((j) => s[i + j]!));
  const beta = solve3(ata, b);
  if (!beta) return null;
  let explained = 0;
  let left = 0;
  for (let t = 0; t < m; t++) {
    const d = x[t]! - mean;
    const f = beta[0]! + beta[1]! * d + beta[2]! * d * d;
    explained += w[t]! * f * f;
    left += w[t]! * (r[t]! - f) ** 2;
  }
  return left > 0 ? { explained, left } : null;
}

function solve3(a: number[][], b: number[]): number[] | null {
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < 3; c++) {
    let piv = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    if (Math.abs(m[piv]![c]!) < 1e-14) return null;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < 4; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return [0, 1, 2].map((i) => m[i]![3]! / m[i]![i]!);
}

/** Sizes per parameter below which a fit is fragile. */
const SIZES_PER_PARAMETER = 2;

export function fewPoints(distinctX: number, k: number, what: string): string | null {
  if (distinctX >= SIZES_PER_PARAMETER * k) return null;
  return `only ${distinctX} distinct ${what} for ${k} parameters: the fit is fragile and its intervals are wide; ${SIZES_PER_PARAMETER * k} or more make it trustworthy`;
}

/** Intervals that are degenerate (no spread) or do not contain their estimate. */
export function intervalProblems(estimates: Readonly<Record<string, number>>, intervals: Readonly<Record<string, Interval | null>>): string[] {
  const out: string[] = [];
  for (const [name, est] of Object.entries(estimates)) {
    const iv = intervals[name];
    if (!iv) continue;
    const [lo, hi] = iv;
    const scale = Math.max(Math.abs(est), Math.abs(lo), Math.abs(hi), 1e-300);
    if ((hi - lo) / scale < 1e-9) out.push(`the interval of ${name} has no width: every bootstrap refit gave the same value, so it says nothing about the uncertainty`);
    else if (est < lo - 1e-9 * scale || est > hi + 1e-9 * scale) out.push(`the interval of ${name} [${lo.toPrecision(3)}, ${hi.toPrecision(3)}] does not contain its estimate ${est.toPrecision(3)}: the refits disagree with the fit; treat both as unreliable`);
  }
  return out;
}
