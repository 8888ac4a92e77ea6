/**
 * The sum-of-power-terms law in the log-sum-exp form of Hoffmann et al. 2022:
 *   log y = LSE(e, a_1 - alpha_1 u_1, ..., a_m - alpha_m u_m),   u_j = log x_j - c_j,
 * i.e. y = E + sum_j A_j x_j^(-alpha_j) with E = exp(e) and A_j = exp(a_j + alpha_j c_j).
 * One predictor gives the power law, two (N and D) the Chinchilla law. Each log predictor is
 * centred on its mean c_j so that a_j is the term's log size mid-data: that keeps the starting
 * grid meaningful on any scale (1e5-parameter runs or 1e11), and the solver well conditioned.
 * theta = [e, a_1, alpha_1, ..., a_m, alpha_m].
 */
import { extent, gather, logOf, mean } from "./data.js";
import type { LogModel } from "./optimize.js";

export const MAX_EXPONENT = 10;

export interface LseData {
  /** Centred log predictors: u[j][i]. */
  readonly u: readonly Float64Array[];
  /** The centres c_j. */
  readonly centre: readonly number[];
  readonly logY: Float64Array;
  /** The smallest and largest log y, which set the bounds of every model of these data. */
  readonly logRange: readonly [number, number];
}

export function lseData(predictors: readonly (readonly number[])[], y: readonly number[]): LseData {
  const logs = predictors.map(logOf);
  const centre = logs.map(mean);
  const u = logs.map((l, j) => l.map((v) => v - centre[j]!));
  const logY = logOf(y);
  return { u, centre, logY, logRange: extent(logY) };
}

function bounds([lo, hi]: readonly [number, number], m: number): { lower: number[]; upper: number[] } {
  // e and a_j range from "negligible" (exp(-25) of the smallest y) to well above the data;
  // exponents from 0 (a flat term) to MAX_EXPONENT, beyond which a power law is meaningless.
  const lower = [lo - 25];
  const upper = [hi + 1];
  for (let j = 0; j < m; j++) lower.push(lo - 25, 0), upper.push(hi + 10, MAX_EXPONENT);
  return { lower, upper };
}

export function lseModel(d: LseData, idx: readonly number[]): LogModel {
  const m = d.u.length;
  if (m !== 1 && m !== 2) throw new Error(`internal error: a sum-of-power-terms law of ${m} predictors (one or two are fitted)`);
  // The two laws in one loop, written out term by term (a loop over the terms, through scratch
  // arrays, took a third longer): `two` is fixed per model, and with one predictor the second term
  // is absent (weight 0), which leaves every sum and so every result as it was.
  const two = m === 2;
  const u0 = gather(d.u[0]!, idx);
  const u1 = two ? gather(d.u[1]!, idx) : u0;
  // Bounds from all the data, not from these points: a resample's bounds must be the full fit's, or
  // a parameter at its bound moves with the resample and its interval can miss its own estimate.
  const { lower, upper } = bounds(d.logRange, m);
  const n = idx.length;
  const k = 1 + 2 * m;
  return {
    n,
    lower,
    upper,
    evaluate(theta, from, to, f, jac) {
      const [e, a1, alpha1] = [theta[0]!, theta[1]!, theta[2]!];
      const [a2, alpha2] = two ? [theta[3]!, theta[4]!] : [0, 0];
      for (let i = from; i < to; i++) {
        const t1 = a1 - alpha1 * u0[i]!;
        const t2 = two ? a2 - alpha2 * u1[i]! : -Infinity;
        const top = Math.max(e, t1, t2);
        // exp(0) for the largest term: one exp fewer per point, in the hottest loop of a fit.
        const w0 = e === top ? 1 : Math.exp(e - top);
        const w1 = t1 === top ? 1 : Math.exp(t1 - top);
        const w2 = !two ? 0 : t2 === top ? 1 : Math.exp(t2 - top);
        const s = w0 + w1 + w2;
        f[i - from] = top + Math.log(s);
        if (jac === null) continue;
        // d LSE / d t_j is the softmax weight of term j.
        const o = (i - from) * k;
        jac[o] = w0 / s;
        const p1 = w1 / s;
        jac[o + 1] = p1;
        jac[o + 2] = -p1 * u0[i]!;
        if (!two) continue;
        const p2 = w2 / s;
        jac[o + 3] = p2;
        jac[o + 4] = -p2 * u1[i]!;
      }
    },
  };
}

/**
 * The starting grid, in the spirit of the paper's (which spanned e, a, b, alpha and beta on
 * 5-6 values each): E at 10-90% of the smallest y, each term mid-data at 1% to 300% of the median
 * y, exponents from 0.05 to 2. For two predictors that is 5 x (6 x 5)^2 = 4500 starts, as in the
 * paper.
 */
export function lseStarts(d: Pick<LseData, "u" | "logY">, idx: readonly number[]): number[][] {
  // A typed array sorts numerically and natively: a million points sort in a fraction of the time.
  const ys = gather(d.logY, idx).sort();
  const lo = ys[0]!;
  const med = ys[Math.floor(ys.length / 2)]!;
  const es = [0.1, 0.3, 0.5, 0.7, 0.9].map((r) => lo + Math.log(r));
  const as = [0.01, 0.03, 0.1, 0.3, 1, 3].map((r) => med + Math.log(r));
  const alphas = [0.05, 0.25, 0.5, 1, 2];
  let out: number[][] = es.map((e) => [e]);
  for (let j = 0; j < d.u.length; j++) out = out.flatMap((p) => as.flatMap((a) => alphas.map((al) => [...p, a, al])));
  return out;
}

/** Natural parameters of term j: A_j = exp(a_j + alpha_j c_j) and alpha_j; and E. */
export function lseNatural(d: LseData, theta: readonly number[]): { E: number; terms: { A: number; alpha: number }[] } {
  const terms = d.centre.map((c, j) => {
    const alpha = theta[2 + 2 * j]!;
    return { A: Math.exp(theta[1 + 2 * j]! + alpha * c), alpha };
  });
  return { E: Math.exp(theta[0]!), terms };
}
