/**
 * The broken power law of Caballero et al. 2022 in log space:
 *   log y = LSE(ea, g),  g = eb - c0 u - sum_i c_i f_i softplus((u - l_i) / f_i),  u = log x - c,
 * which is y = a + b x^(-c0) prod_i (1 + (x / d_i)^(1/f_i))^(-c_i f_i) with a = exp(ea),
 * b = exp(eb + c0 c), d_i = exp(l_i + c) and f_i = exp(s_i). softplus keeps sharp breaks finite.
 * theta = [ea, eb, c0, (c_i, l_i, s_i) for each break].
 */
import { gather, mean } from "./data.js";
import { MAX_EXPONENT } from "./lse.js";
import { choleskySolve, type LogModel } from "./optimize.js";

export interface BnslData {
  readonly u: Float64Array;
  readonly centre: number;
  readonly logY: Float64Array;
}

export function bnslData(x: readonly number[], y: readonly number[]): BnslData {
  const centre = mean(x.map(Math.log));
  return { u: Float64Array.from(x, (v) => Math.log(v) - centre), centre, logY: Float64Array.from(y, Math.log) };
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function range(values: ArrayLike<number>, idx: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of idx) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  return [lo, hi];
}

/**
 * Break widths (f, in natural-log units of x) between 1/200 and 1/4 of the data's log range:
 * wider "breaks" are just curvature, which E already models, and leave the location unidentified.
 */
export function widthBounds(d: BnslData, idx: readonly number[]): [number, number] {
  const [ulo, uhi] = range(d.u, idx);
  const span = Math.max(uhi - ulo, 1e-9);
  return [Math.log(span / 200), Math.log(span / 4)];
}

export function bnslModel(d: BnslData, idx: readonly number[], breaks: number): LogModel {
  const u = gather(d.u, idx);
  const [lo, hi] = range(d.logY, idx);
  const [ulo, uhi] = range(d.u, idx);
  const [slo, shi] = widthBounds(d, idx);
  // Breaks are kept inside the data: a break beyond the last point is not identified.
  const lower = [lo - 25, lo - 25, -MAX_EXPONENT];
  const upper = [hi + 1, hi + 10, MAX_EXPONENT];
  for (let b = 0; b < breaks; b++) lower.push(-MAX_EXPONENT, ulo, slo), upper.push(MAX_EXPONENT, uhi, shi);
  return {
    n: idx.length,
    lower,
    upper,
    evaluate(theta, from, to, f, jac) {
      const ea = theta[0]!;
      const k = 3 + 3 * breaks;
      for (let i = from; i < to; i++) {
        const ui = u[i]!;
        let g = theta[1]! - theta[2]! * ui;
        for (let b = 0; b < breaks; b++) {
          const c = theta[3 + 3 * b]!;
          const w = Math.exp(theta[5 + 3 * b]!);
          g -= c * w * softplus((ui - theta[4 + 3 * b]!) / w);
        }
        const top = Math.max(ea, g);
        const wa = Math.exp(ea - top);
        const wg = Math.exp(g - top);
        f[i - from] = top + Math.log(wa + wg);
        if (jac === null) continue;
        const pa = wa / (wa + wg);
        const pg = 1 - pa;
        const o = (i - from) * k;
        jac[o] = pa;
        jac[o + 1] = pg;
        jac[o + 2] = -pg * ui;
        for (let b = 0; b < breaks; b++) {
          const c = theta[3 + 3 * b]!;
          const w = Math.exp(theta[5 + 3 * b]!);
          const z = (ui - theta[4 + 3 * b]!) / w;
          const sp = softplus(z);
          const sig = 1 / (1 + Math.exp(-z));
          jac[o + 3 + 3 * b] = -pg * w * sp;
          jac[o + 4 + 3 * b] = pg * c * sig;
          jac[o + 5 + 3 * b] = -pg * c * w * (sp - z * sig);
        }
      }
    },
  };
}

/**
 * Starts for `breaks` breaks, given the fit with one fewer (`base`). For each value of E (0 to 90%
 * of the smallest y) and each place and width of the new break, the rest is linear:
 * log(y - E) = eb - c0 u - sum_i c_i f_i softplus((u - l_i) / f_i), solved by least squares.
 * Starting from the base's own E fails: when it fitted E = 0, the gradient in E vanishes there.
 */
export function breakStarts(d: BnslData, idx: readonly number[], base: readonly number[], breaks: number): number[][] {
  const [ulo, uhi] = range(d.u, idx);
  const [slo, shi] = widthBounds(d, idx);
  const [ylo] = range(d.logY, idx);
  const old = Array.from({ length: breaks - 1 }, (_, b) => [base[4 + 3 * b]!, base[5 + 3 * b]!] as const);
  const out: number[][] = [];
  for (const e of [ylo - 20, ylo + Math.log(0.3), ylo + Math.log(0.6), ylo + Math.log(0.9)])
    for (let k = 0; k < 8; k++)
      for (const sNew of [slo + (shi - slo) / 3, shi - (shi - slo) / 6]) {
        const shape = [...old, [ulo + ((k + 0.5) / 8) * (uhi - ulo), sNew] as const];
        const coef = linearPart(d, idx, e, shape);
        if (coef) out.push([e, coef[0]!, coef[1]!, ...shape.flatMap(([l, sw], b) => [coef[2 + b]!, l, sw])]);
      }
  return out;
}

/**
 * Least squares for (eb, c0, c_1..c_K) with E and the break shapes fixed, by the normal equations
 * (2 + K columns, accumulated point by point); null if singular.
 */
function linearPart(d: BnslData, idx: readonly number[], e: number, shape: readonly (readonly [number, number])[]): number[] | null {
  const E = Math.exp(e);
  const k = 2 + shape.length;
  const ata = new Float64Array(k * k);
  const atb = new Float64Array(k);
  const row = new Float64Array(k);
  const widths = shape.map(([, sw]) => Math.exp(sw));
  let used = 0;
  for (const i of idx) {
    const y = Math.exp(d.logY[i]!);
    if (y <= E) continue;
    const u = d.u[i]!;
    row[0] = 1;
    row[1] = -u;
    shape.forEach(([l], b) => (row[2 + b] = -widths[b]! * softplus((u - l) / widths[b]!)));
    const rhs = Math.log(y - E);
    for (let a = 0; a < k; a++) {
      atb[a]! += row[a]! * rhs;
      for (let b = 0; b <= a; b++) ata[a * k + b]! += row[a]! * row[b]!;
    }
    used++;
  }
  if (used <= shape.length + 2) return null;
  const sol = new Float64Array(k);
  if (!choleskySolve(ata, 0, atb, sol, new Float64Array(k * k))) return null;
  return Array.from(sol, (v, j) => (j >= 1 ? Math.min(Math.max(v, -MAX_EXPONENT), MAX_EXPONENT) : v));
}

/** The named parameters of the formula (a, b, c0, c_i, d_i, f_i) and the break locations, sorted. */
export function bnslNatural(d: BnslData, theta: readonly number[]): { params: Record<string, number>; locations: number[] } {
  const breaks = (theta.length - 3) / 3;
  const order = Array.from({ length: breaks }, (_, b) => b).sort((p, q) => theta[4 + 3 * p]! - theta[4 + 3 * q]!);
  const params: Record<string, number> = { a: Math.exp(theta[0]!), b: Math.exp(theta[1]! + theta[2]! * d.centre), c0: theta[2]! };
  const locations: number[] = [];
  order.forEach((b, k) => {
    const loc = Math.exp(theta[4 + 3 * b]! + d.centre);
    params[`c${k + 1}`] = theta[3 + 3 * b]!;
    params[`d${k + 1}`] = loc;
    params[`f${k + 1}`] = Math.exp(theta[5 + 3 * b]!);
    locations.push(loc);
  });
  return { params, locations };
}
