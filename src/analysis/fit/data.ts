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

/** Points grouped by their predictor values: equal values, equal id (0, 1, ... in order of first appearance). */
export interface PointIds {
  readonly ids: Int32Array;
  readonly count: number;
}

/** A 32-bit hash of one double (murmur3's finaliser over its two words), mixed into h. */
function mix(h: number, v: number, bits: Float64Array, words: Uint32Array): number {
  bits[0] = v === 0 ? 0 : v; // -0 equals 0
  for (let w = 0; w < 2; w++) {
    let k = Math.imul(words[w]!, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h = Math.imul(((h ^ k) << 13) | ((h ^ k) >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Ids of points by their values of the given columns (one predictor, or N and D), in one pass: an
 * open-addressing hash table of the first point of each tuple, in typed arrays (no map, string or
 * object per point; sorting a million keys and searching them took most of a large fit's warnings).
 */
export function pointIds(columns: readonly (readonly number[])[], n: number): PointIds {
  const ids = new Int32Array(n);
  let size = 2;
  while (size < 2 * n) size *= 2;
  const first = new Int32Array(size).fill(-1);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  let count = 0;
  for (let i = 0; i < n; i++) {
    let h = 0;
    for (const col of columns) h = mix(h, col[i]!, bits, words);
    for (let at = h & (size - 1); ; at = (at + 1) & (size - 1)) {
      const j = first[at]!;
      if (j < 0) {
        first[at] = i;
        ids[i] = count++;
        break;
      }
      if (columns.every((col) => col[j] === col[i])) {
        ids[i] = ids[j]!;
        break;
      }
    }
  }
  return { ids, count };
}

/** Distinct values among values[i] for i in idx, counted up to `cap`: a check needs only "at least cap", and a million points reach it at once. */
export function distinctAt(values: readonly number[], idx: readonly number[], cap = Infinity): number {
  const seen = new Set<number>();
  for (const i of idx) {
    seen.add(values[i]!);
    if (seen.size >= cap) break;
  }
  return seen.size;
}

/** At least `need` distinct values of a predictor at the points idx, or the exponent is not identified. */
export function checkSizes(name: string, values: readonly number[], idx: readonly number[], need: number, law: string): void {
  const d = distinctAt(values, idx, need);
  if (d === 1)
    throw new FitError(`${name} takes a single value (${values[idx[0]!]}), so no exponent can be estimated`, `fit across several ${name} values (at least ${need})`);
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

/**
 * Resampling units: the unit of each point (0 .. count - 1, in order of first appearance), not a
 * list of points per unit: a million rows without groups would otherwise be a million one-point
 * arrays for the garbage collector to trace through the whole fit.
 */
export interface Units {
  readonly count: number;
  readonly of: Int32Array;
}

/** Points with the same group id form one resampling unit; by default each point is its own. */
export function unitsOf(n: number, groups: readonly (string | number)[] | undefined): Units {
  const of = new Int32Array(n);
  if (!groups) {
    for (let i = 0; i < n; i++) of[i] = i;
    return { count: n, of };
  }
  if (groups.length !== n) throw new FitError(`groups has ${groups.length} ids but there are ${n} points`, "give one group id per point");
  const byId = new Map<string | number, number>();
  groups.forEach((g, i) => {
    let u = byId.get(g);
    if (u === undefined) byId.set(g, (u = byId.size));
    of[i] = u;
  });
  return { count: byId.size, of };
}

/** The points of each unit, in increasing order: what a resample of whole units draws. */
export function unitPoints(units: Units): number[][] {
  const points = Array.from({ length: units.count }, (): number[] => []);
  units.of.forEach((u, i) => points[u]!.push(i));
  return points;
}

/** values[i] for each i of idx, by a plain loop (Float64Array.from with a callback is several times slower). */
export function gather(values: ArrayLike<number>, idx: readonly number[]): Float64Array {
  const out = new Float64Array(idx.length);
  for (let j = 0; j < idx.length; j++) out[j] = values[idx[j]!]!;
  return out;
}

/** The natural logarithm of every value. */
export function logOf(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.log(values[i]!);
  return out;
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
