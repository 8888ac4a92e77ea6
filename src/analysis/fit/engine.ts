/**
 * What every law shares: fitting a subset of the points, bootstrap replicates over resampling
 * units, leave-one-unit-out error and goodness of fit. A law supplies a LawSpec.
 */
import { multiStart, rankStarts, solveFrom, type LogModel, type Problem, type Solution } from "./optimize.js";
import { quantile, Rng } from "./rng.js";
import { FitError, type Goodness, type Interval } from "./types.js";

export interface LawSpec {
  /** Number of free parameters. */
  readonly k: number;
  /** Huber delta on log y; Infinity for least squares. */
  readonly delta: number;
  /** log y at every point. */
  readonly target: Float64Array;
  /** The law on these points (indices into the full data). */
  model(idx: readonly number[]): LogModel;
  /** Starting points built from these points' ranges. */
  starts(idx: readonly number[]): number[][];
  /** Throws a FitError when these points cannot determine the law (too few, one size only). */
  check(idx: readonly number[]): void;
  /** Solver runs from the best-scoring starts for a fresh fit. */
  readonly runs: number;
}

function problem(spec: LawSpec, idx: readonly number[]): Problem {
  return { model: spec.model(idx), target: Float64Array.from(idx, (i) => spec.target[i]!), delta: spec.delta };
}

function converged(best: Solution): Solution {
  if (!Number.isFinite(best.loss)) throw new FitError("the fit did not converge from any starting point", "check the data for outliers or a wrong column");
  return best;
}

export interface FreshFit {
  readonly solution: Solution;
  /** The best-scoring grid starts, for refits of resamples (no need to score the grid again). */
  readonly seeds: readonly (readonly number[])[];
}

/** Fits the points idx from scratch: the whole grid scored, the solver run from the best starts. */
export function fitFresh(spec: LawSpec, idx: readonly number[]): FreshFit {
  const p = problem(spec, idx);
  const ranked = rankStarts(p, spec.starts(idx));
  let best = multiStart(p, ranked, spec.runs);
  // One more solve from the best point, in case the first stopped at its iteration cap.
  const polished = best.theta.length ? solveFrom(p, best.theta) : best;
  if (polished.loss < best.loss) best = polished;
  return { solution: converged(best), seeds: ranked.slice(0, 2) };
}

/** Refits the points idx from given starts (the full fit, and a few grid starts). */
export function refit(spec: LawSpec, idx: readonly number[], starts: readonly (readonly number[])[]): Solution {
  return converged(multiStart(problem(spec, idx), starts, starts.length));
}

export function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Predicted log y at the points idx. */
export function predictLog(spec: LawSpec, idx: readonly number[], theta: readonly number[]): Float64Array {
  const f = new Float64Array(idx.length);
  spec.model(idx).evaluate(theta, f, null);
  return f;
}

/** Draws units with replacement until as many units as the data has; returns their points. */
function resample(units: readonly (readonly number[])[], rng: Rng): number[] {
  const idx: number[] = [];
  for (let k = 0; k < units.length; k++) idx.push(...units[rng.int(units.length)]!);
  return idx;
}

export interface Replicates {
  readonly thetas: number[][];
  readonly tried: number;
}

/**
 * Bootstrap: refit on `replicates` resamples of whole units, from `starts` (the full fit and the
 * best grid starts). Resamples that cannot determine the law (e.g. one size only) are skipped.
 */
export function bootstrap(spec: LawSpec, units: readonly (readonly number[])[], replicates: number, seed: number, starts: readonly (readonly number[])[]): Replicates {
  const rng = new Rng(seed);
  const thetas: number[][] = [];
  for (let r = 0; r < replicates; r++) {
    const idx = resample(units, rng);
    try {
      spec.check(idx);
      thetas.push(refit(spec, idx, starts).theta);
    } catch (e) {
      if (!(e instanceof FitError)) throw e;
    }
  }
  return { thetas, tried: replicates };
}

/**
 * The 2.5th and 97.5th percentiles of one quantity over the replicates; null when fewer than
 * half of the tried resamples could be fitted (the interval would describe a biased subset).
 */
export function percentileInterval(values: readonly number[], tried: number): Interval | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (tried === 0 || v.length < Math.max(2, Math.ceil(tried / 2))) return null;
  return [quantile(v, 0.025), quantile(v, 0.975)];
}

/** Units above which leave-one-out becomes k-fold. */
export const MAX_LOO_UNITS = 100;
const KFOLDS = 10;

/**
 * Leave-one-unit-out (10-fold by unit beyond MAX_LOO_UNITS units): each unit left out in turn, the law refitted (from the full fit) on the
 * rest, and the mean absolute log error on the held-out points. null with fewer than k + 2 units
 * or when some remainder cannot determine the law.
 */
export function leaveOneOut(spec: LawSpec, units: readonly (readonly number[])[], warm: readonly number[]): number | null {
  if (units.length < spec.k + 2) return null;
  // Beyond MAX_LOO_UNITS units, one refit per unit costs more than it tells: 10 folds of units instead.
  const folds = units.length > MAX_LOO_UNITS ? Array.from({ length: KFOLDS }, (_, f) => units.filter((_, j) => j % KFOLDS === f).flat()) : units;
  let sum = 0;
  let count = 0;
  for (let u = 0; u < folds.length; u++) {
    const train = folds.flatMap((pts, j) => (j === u ? [] : pts));
    const held = folds[u]!;
    let theta: number[];
    try {
      spec.check(train);
      theta = refit(spec, train, [warm]).theta;
    } catch (e) {
      if (e instanceof FitError) return null;
      throw e;
    }
    const f = predictLog(spec, held, theta);
    held.forEach((i, j) => {
      sum += Math.abs(f[j]! - spec.target[i]!);
      count++;
    });
  }
  return sum / count;
}

/** R^2 and RMSE of log y at the full fit, with the leave-one-out error when asked for. */
export function goodness(spec: LawSpec, theta: readonly number[], loo: number | null): Goodness {
  const n = spec.target.length;
  const f = predictLog(spec, allIndices(n), theta);
  let m = 0;
  for (const t of spec.target) m += t / n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (f[i]! - spec.target[i]!) ** 2;
    ssTot += (spec.target[i]! - m) ** 2;
  }
  return { n, r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN, rmse_log: Math.sqrt(ssRes / n), loo_mae_log: loo };
}
