/**
 * What every law shares: fitting a subset of the points, bootstrap replicates over resampling
 * units, leave-one-unit-out error and goodness of fit. A law supplies a LawSpec.
 */
import { gather, unitPoints, type Units } from "./data.js";
import { BLOCK, cholesky, groupedPass, multiStart, normal, rankStarts, scratch, solveFrom, substitute, type LogModel, type Problem, type Solution } from "./optimize.js";
import { gaussian, quantile, Rng } from "./rng.js";
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

/** The fit of the points idx; with the Huber loss's own curvature on many points (see optimize.ts), or as `large` says. */
function problem(spec: LawSpec, idx: readonly number[], large = idx.length > LARGE_POINTS): Problem {
  return { model: spec.model(idx), target: gather(spec.target, idx), delta: spec.delta, huberCurvature: large };
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

/**
 * Points beyond which a fit is "large": a fresh fit first finds its optimum on a sample of this
 * many points and polishes it on all of them, and the bootstrap draws replicates from the
 * estimator's large-sample distribution instead of refitting (see `bootstrap`). Below it, every
 * step is as it was designed for tables of runs (tens to a few thousand points).
 */
export const LARGE_POINTS = 4000;

/** A seeded sample of m of the points idx, without replacement, in their original order. */
export function samplePoints(idx: readonly number[], m: number, seed = 0): number[] {
  const pos = new Int32Array(idx.length);
  for (let q = 0; q < pos.length; q++) pos[q] = q;
  const rng = new Rng(seed);
  for (let j = 0; j < m; j++) {
    const t = j + rng.int(pos.length - j);
    [pos[j], pos[t]] = [pos[t]!, pos[j]!];
  }
  return Array.from(pos.subarray(0, m).sort(), (q) => idx[q]!);
}

/** Points of a large fit's sample on which the grid is scored (the multi-start then runs on all of the sample). */
const RANK_POINTS = 1000;

/** Fits the points idx from scratch: the whole grid scored, the solver run from the best starts. */
export function fitFresh(spec: LawSpec, idx: readonly number[]): FreshFit {
  // On many points, scoring the grid (4500 starts for the Chinchilla law) and running the solver
  // from 8 starts would take minutes; the optimum of a random sample is a start in the basin of
  // the full optimum, which the solver then reaches in a few passes.
  if (idx.length > LARGE_POINTS) {
    const sample = samplePoints(idx, LARGE_POINTS);
    let first: FreshFit | null = null;
    try {
      spec.check(sample);
      first = fitFromGrid(spec, sample, samplePoints(sample, RANK_POINTS, 1));
    } catch (e) {
      if (!(e instanceof FitError)) throw e;
    }
    if (first) return { solution: converged(solveFrom(problem(spec, idx), first.solution.theta)), seeds: first.seeds };
  }
  return fitFromGrid(spec, idx, idx);
}

/** The grid scored on the points rankOn, the solver run on the points idx from the best starts. */
function fitFromGrid(spec: LawSpec, idx: readonly number[], rankOn: readonly number[]): FreshFit {
  const p = problem(spec, idx);
  const ranked = rankStarts(rankOn === idx ? p : problem(spec, rankOn), spec.starts(idx));
  let best = multiStart(p, ranked, spec.runs);
  // One more solve from the best point, in case the first stopped at its iteration cap.
  const polished = best.theta.length ? solveFrom(p, best.theta) : best;
  if (polished.loss < best.loss) best = polished;
  return { solution: converged(best), seeds: ranked.slice(0, 2) };
}

/**
 * Refits the points idx from given starts (the full fit, and a few grid starts). On many points
 * the starts race on a sample and only the winner is polished on all of them, as in `fitFresh`.
 */
export function refit(spec: LawSpec, idx: readonly number[], starts: readonly (readonly number[])[]): Solution {
  if (idx.length > LARGE_POINTS && starts.length > 1) {
    const sample = samplePoints(idx, LARGE_POINTS);
    const best = multiStart(problem(spec, sample), starts, starts.length);
    if (best.theta.length) return converged(solveFrom(problem(spec, idx), best.theta));
  }
  return converged(multiStart(problem(spec, idx), starts, starts.length));
}

export function allIndices(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Predicted log y at the points idx. */
export function predictLog(spec: LawSpec, idx: readonly number[], theta: readonly number[]): Float64Array {
  const f = new Float64Array(idx.length);
  spec.model(idx).evaluate(theta, 0, idx.length, f, null);
  return f;
}

/** Draws units (given by their points) with replacement until as many units as the data has; returns their points. */
function resample(units: readonly (readonly number[])[], rng: Rng): number[] {
  const idx: number[] = [];
  for (let k = 0; k < units.length; k++) idx.push(...units[rng.int(units.length)]!);
  return idx;
}

export interface Replicates {
  readonly thetas: number[][];
  readonly tried: number;
}

/** Units below which large-sample draws would misrepresent a resampling of units: refits then, however many points. */
const MIN_UNITS_FOR_DRAWS = 200;

/**
 * Bootstrap: refit on `replicates` resamples of whole units, from `starts` (the full fit and the
 * best grid starts). Resamples that cannot determine the law (e.g. one size only) are skipped.
 * On more than LARGE_POINTS points (and at least MIN_UNITS_FOR_DRAWS units) a refit per replicate
 * costs too much, and the replicates are drawn from the estimator's large-sample distribution
 * instead (`sandwichDraws`), to which the bootstrap distribution converges.
 */
export function bootstrap(spec: LawSpec, units: Units, replicates: number, seed: number, starts: readonly (readonly number[])[]): Replicates {
  if (spec.target.length > LARGE_POINTS && units.count >= MIN_UNITS_FOR_DRAWS && starts.length) {
    const draws = sandwichDraws(spec, units, replicates, seed, starts[0]!);
    if (draws) return draws;
  }
  const rng = new Rng(seed);
  const thetas: number[][] = [];
  const points = replicates > 0 ? unitPoints(units) : [];
  for (let r = 0; r < replicates; r++) {
    const idx = resample(points, rng);
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
 * Replicates of a fit on many units without refitting. A refit on a resample of units, in which
 * unit u appears c_u times, is to first order one Newton step from the full fit theta:
 *   theta* = theta - H^-1 sum_u (c_u - 1) s_u,
 * with s_u the unit's share of the loss's gradient (sum over its points of psi(r_i) J_i, psi the
 * Huber influence, r itself for least squares) and H = sum_i psi'(r_i) J_i J_i^T the Gauss-Newton
 * Hessian. sum_u (c_u - 1) s_u has mean 0 and covariance M = sum_u s_u s_u^T - G G^T / U (G the
 * full gradient), and with many units it is normal: so replicates are drawn as
 * theta* = theta + H^-1 L z, L L^T = M, z standard normal, which costs one pass over the data in
 * all (the refits cost a solve each). Their percentiles give the intervals as before: of the
 * parameters, and of any function of them. Parameters at a bound stay there. null when H or M is
 * singular on the free parameters; the caller then refits.
 */
export function sandwichDraws(spec: LawSpec, units: Units, replicates: number, seed: number, theta: readonly number[]): Replicates | null {
  const n = spec.target.length;
  const k = spec.k;
  const model = spec.model(allIndices(n));
  const unitOf = units.of;
  const s = new Float64Array(units.count * k);
  const h = new Float64Array(k * k);
  const f = new Float64Array(BLOCK);
  const jac = new Float64Array(BLOCK * k);
  const delta = spec.delta;
  for (let from = 0; from < n; from += BLOCK) {
    const to = Math.min(n, from + BLOCK);
    model.evaluate(theta, from, to, f, jac);
    for (let i = from; i < to; i++) {
      const r = f[i - from]! - spec.target[i]!;
      const inside = Math.abs(r) <= delta;
      const psi = inside ? r : r < 0 ? -delta : delta;
      const o = (i - from) * k;
      const su = unitOf[i]! * k;
      for (let a = 0; a < k; a++) {
        s[su + a]! += psi * jac[o + a]!;
        if (inside) for (let b = 0; b <= a; b++) h[a * k + b]! += jac[o + a]! * jac[o + b]!;
      }
    }
  }
  // The free parameters: those not at a bound, where the refits would keep them.
  const free: number[] = [];
  for (let j = 0; j < k; j++) {
    const span = model.upper[j]! - model.lower[j]!;
    if (theta[j]! > model.lower[j]! + 1e-9 * span && theta[j]! < model.upper[j]! - 1e-9 * span) free.push(j);
  }
  const m = free.length;
  if (m === 0) return null;
  const g = new Float64Array(k);
  for (let u = 0; u < units.count; u++) for (let a = 0; a < k; a++) g[a]! += s[u * k + a]!;
  const hf = new Float64Array(m * m);
  const mf = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b <= a; b++) {
      const [ja, jb] = [free[a]!, free[b]!];
      hf[a * m + b] = h[Math.max(ja, jb) * k + Math.min(ja, jb)]!;
      let v = -(g[ja]! * g[jb]!) / units.count;
      for (let u = 0; u < units.count; u++) v += s[u * k + ja]! * s[u * k + jb]!;
      mf[a * m + b] = v;
    }
  const lm = new Float64Array(m * m);
  const lh = new Float64Array(m * m);
  if (!cholesky(mf, 0, lm, m) || !cholesky(hf, 0, lh, m)) return null;
  const rng = new Rng(seed);
  const z = new Float64Array(m);
  const lz = new Float64Array(m);
  const step = new Float64Array(m);
  const thetas: number[][] = [];
  for (let r = 0; r < replicates; r++) {
    for (let a = 0; a < m; a++) z[a] = gaussian(rng);
    for (let a = 0; a < m; a++) {
      let v = 0;
      for (let b = 0; b <= a; b++) v += lm[a * m + b]! * z[b]!;
      lz[a] = v;
    }
    substitute(lh, lz, step);
    const t = [...theta];
    free.forEach((j, a) => (t[j] = Math.min(Math.max(theta[j]! + step[a]!, model.lower[j]!), model.upper[j]!)));
    thetas.push(t);
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
 * Leave-one-unit-out (10-fold by unit beyond MAX_LOO_UNITS units): each unit left out in turn, the
 * law refitted (from the full fit) on the rest, and the mean absolute log error on the held-out
 * points. null with fewer than k + 2 units or when some remainder cannot determine the law.
 */
export function leaveOneOut(spec: LawSpec, units: Units, warm: readonly number[]): number | null {
  if (units.count < spec.k + 2) return null;
  // Beyond MAX_LOO_UNITS units, one refit per unit costs more than it tells: 10 folds of units instead.
  const folds = units.count > MAX_LOO_UNITS ? KFOLDS : units.count;
  const n = spec.target.length;
  const foldOf = units.of.map((u) => u % folds);
  const size = new Int32Array(folds);
  for (let i = 0; i < n; i++) size[foldOf[i]!]!++;
  // Every fold is refitted from `warm`, and one pass there gives each fold's share of the loss and
  // of the normal equations: each refit then starts with the sums over the other folds, without a
  // pass of its own. The refits use the curvature of a fit on all the points (they differ only
  // around LARGE_POINTS; either converges to the same optimum), so that the sums are theirs.
  const large = n > LARGE_POINTS;
  const losses = new Float64Array(folds);
  const shares = Array.from({ length: folds }, () => normal(spec.k));
  groupedPass(problem(spec, allIndices(n), large), warm, scratch(spec.k), foldOf, losses, shares);
  let sum = 0;
  let count = 0;
  for (let fold = 0; fold < folds; fold++) {
    const train = new Array<number>(n - size[fold]!);
    const held = new Array<number>(size[fold]!);
    for (let i = 0, t = 0, h = 0; i < n; i++) {
      if (foldOf[i] === fold) held[h++] = i;
      else train[t++] = i;
    }
    const start = { loss: 0, normal: normal(spec.k) };
    for (let other = 0; other < folds; other++) {
      if (other === fold) continue;
      start.loss += losses[other]!;
      shares[other]!.jtj.forEach((v, j) => (start.normal.jtj[j]! += v));
      shares[other]!.g.forEach((v, j) => (start.normal.g[j]! += v));
    }
    let theta: number[];
    try {
      spec.check(train);
      theta = converged(solveFrom(problem(spec, train, large), warm, undefined, start)).theta;
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

/** R^2 and RMSE of log y at the full fit (its predictions f at every point, when the caller has them), with the leave-one-out error when asked for. */
export function goodness(spec: LawSpec, theta: readonly number[], loo: number | null, f = predictLog(spec, allIndices(spec.target.length), theta)): Goodness {
  const n = spec.target.length;
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
