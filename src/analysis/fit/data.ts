/** Checks that turn degenerate input into a FitError with a clear message instead of a nonsense fit. */
import { FitError } from "./types.js";

/** Every value finite and positive (the laws are fitted in log space). */
export function checkColumn(name: string, values: readonly number[], n: number): void {
  if (values.length !== n) throw new FitError(`${name} has ${values.length} values but there are ${n} points`, `give one ${name} per point`);
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new FitError(`${name} is not a finite number at point ${i + 1} (${v})`, "remove or fix that point: a fit needs finite numbers");
    if (v <= 0) throw new FitError(`${name} must be positive, but point ${i + 1} is ${v}`, "the laws are fitted in log space, so every value must be > 0");
  });
}

export function distinct(values: readonly number[]): number {
  return new Set(values).size;
}

/** At least `need` distinct values of a predictor, or the exponent is not identified. */
export function checkSizes(name: string, values: readonly number[], need: number, law: string): void {
  const d = distinct(values);
  if (d === 1)
    throw new FitError(`${name} takes a single value (${values[0]}), so no exponent can be estimated`, `fit across several ${name} values (at least ${need})`);
  if (d < need)
    throw new FitError(`${name} takes only ${d} distinct values; a ${law} fit needs at least ${need}`, `add points at more ${name} values`);
}

export function checkCount(n: number, k: number, law: string): void {
  if (n <= k) throw new FitError(`${n} points cannot determine the ${k} parameters of a ${law} fit`, `give at least ${k + 1} points (more for intervals)`);
}

/** Smallest and largest value, by a loop: spreading a large array into Math.min overflows the stack. */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function checkVaries(name: string, values: readonly number[]): void {
  const [lo, hi] = extent(values);
  // A relative spread at rounding level is as flat as exact equality.
  if (hi - lo <= 1e-12 * Math.abs(hi))
    throw new FitError(`${name} is constant (${hi}): there is no trend to fit`, `check that ${name} is the right column`);
}

/** Points with the same group id form one resampling unit; by default each point is its own. */
export function unitsOf(n: number, groups: readonly (string | number)[] | undefined): number[][] {
  if (!groups) return Array.from({ length: n }, (_, i) => [i]);
  if (groups.length !== n) throw new FitError(`groups has ${groups.length} ids but there are ${n} points`, "give one group id per point");
  const byId = new Map<string | number, number[]>();
  groups.forEach((g, i) => {
    const list = byId.get(g);
    if (list) list.push(i);
    else byId.set(g, [i]);
  });
  return [...byId.values()];
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/** Pearson correlation; NaN when either side has no spread. */
export function correlation(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const mu = mean(u);
  const mv = mean(v);
  let suv = 0;
  let suu = 0;
  let svv = 0;
  for (let i = 0; i < u.length; i++) {
    suv += (u[i]! - mu) * (v[i]! - mv);
    suu += (u[i]! - mu) ** 2;
    svv += (v[i]! - mv) ** 2;
  }
  return suv / Math.sqrt(suu * svv);
}
