/**
 * Robust nonlinear fitting in log space: minimise sum_i huber_delta(f_i(theta) - log y_i) by
 * Levenberg-Marquardt, from many starts.
 *
 * The solver works on the k x k normal equations (k, the number of parameters, is 3 to 9 here):
 * J^T J and J^T r are accumulated point by point over blocks of BLOCK points, so a step costs two
 * passes over the data and allocates nothing per point. (The library solver used before,
 * ml-levenberg-marquardt, built n x k matrices every iteration: on a million points it spent most
 * of its time collecting garbage.)
 *
 * The Huber loss enters as its gradient, sum_i psi(r_i) J_i (psi(r) = r inside [-delta, delta],
 * delta sign(r) outside), and a curvature J^T C J. By default C is that of ml-levenberg-marquardt
 * run on transformed residuals rt(r) = r inside and sign(r) sqrt(delta (2|r| - delta)) outside
 * (rt^2 / 2 = huber_delta(r)), as this module did before: c_i = 1 inside, delta / (2|r_i| - delta)
 * outside. On many points (Problem.huberCurvature) it is the Huber loss's own, 1 inside and 0
 * outside: the transformed curvature overstates it about threefold at delta 1e-3 and 1.5% noise,
 * so steps fall short and convergence is linear (some 20 passes over the data from a close start),
 * while the loss's own curvature, well estimated from thousands of points, converges in a few.
 * Either way the fixed points are the Huber fit's stationary points. delta = Infinity gives plain
 * least squares, where the two coincide.
 */

/** A model of log y at n points. */
export interface LogModel {
  readonly n: number;
  /** Box bounds the solver keeps the parameters in (it clamps every step). */
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /**
   * Writes the predicted log y of points from..to-1 into f[0..to-from) and, when jac is given,
   * d f / d theta_j of point from + i into jac[i * k + j] (k = theta.length). f must not depend
   * on whether jac is given: the solver asks for the Jacobian only where it will use it.
   */
  evaluate(theta: ArrayLike<number>, from: number, to: number, f: Float64Array, jac: Float64Array | null): void;
}

export interface Problem {
  readonly model: LogModel;
  /** log y at the n points. */
  readonly target: Float64Array;
  readonly delta: number;
  /** The Huber loss's own curvature (see above) instead of the transformed residuals'; for many points. */
  readonly huberCurvature?: boolean;
}

export interface Solution {
  readonly theta: number[];
  /** sum of huber_delta(residual); half the sum of squares when delta is Infinity. */
  readonly loss: number;
}

/** Points per block: the Jacobian of a block (BLOCK x k doubles) stays in the first-level cache. */
export const BLOCK = 256;

export function huber(r: number, delta: number): number {
  const a = Math.abs(r);
  return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
}

/** Buffers for one block; reused by every pass of a solve. */
export interface Scratch {
  readonly f: Float64Array;
  readonly jac: Float64Array;
}

export function scratch(k: number): Scratch {
  return { f: new Float64Array(BLOCK), jac: new Float64Array(BLOCK * k) };
}

/** The normal equations of a least-squares step: the gradient g and J^T C J (k x k, lower triangle filled). */
export interface Normal {
  readonly jtj: Float64Array;
  readonly g: Float64Array;
}

export function normal(k: number): Normal {
  return { jtj: new Float64Array(k * k), g: new Float64Array(k) };
}

/**
 * The loss at theta and, when `normal` is given, the normal equations: normal.g, the gradient of
 * the loss, and normal.jtj = J^T C J (C the curvature weights).
 */
export function pass(p: Problem, theta: ArrayLike<number>, s: Scratch, normal: Normal | null): number {
  const loss = new Float64Array(1);
  groupedPass(p, theta, s, null, loss, normal ? [normal] : null);
  return Number.isFinite(loss[0]!) ? loss[0]! : Infinity;
}

/**
 * `pass`, with the sums taken separately over groups of the points: point i adds to group
 * groupOf[i] (to group 0 when groupOf is null), its loss to losses[group] and, when `normals` is
 * given, its share of the normal equations to normals[group]. One pass over the data gives every
 * group's sums, e.g. every fold's of a cross-validation.
 */
export function groupedPass(p: Problem, theta: ArrayLike<number>, s: Scratch, groupOf: Int32Array | null, losses: Float64Array, normals: readonly Normal[] | null): void {
  const { model, target, delta } = p;
  const outsideCurvature = p.huberCurvature ? () => 0 : (a: number) => delta / (2 * a - delta);
  const n = model.n;
  const k = theta.length;
  const { f, jac } = s;
  losses.fill(0);
  for (const q of normals ?? []) {
    q.jtj.fill(0);
    q.g.fill(0);
  }
  for (let from = 0; from < n; from += BLOCK) {
    const to = Math.min(n, from + BLOCK);
    model.evaluate(theta, from, to, f, normals ? jac : null);
    for (let i = 0; i < to - from; i++) {
      const group = groupOf === null ? 0 : groupOf[from + i]!;
      const r = f[i]! - target[from + i]!;
      const a = Math.abs(r);
      let psi = r;
      let c = 1;
      if (a <= delta) losses[group]! += 0.5 * r * r;
      else {
        losses[group]! += delta * (a - 0.5 * delta);
        if (!normals) continue;
        psi = r < 0 ? -delta : delta;
        c = outsideCurvature(a);
      }
      if (!normals) continue;
      const { jtj, g } = normals[group]!;
      const o = i * k;
      for (let u = 0; u < k; u++) {
        const ju = jac[o + u]!;
        g[u]! += ju * psi;
        if (c === 0) continue;
        const cju = c * ju;
        const row = u * k;
        for (let v = 0; v <= u; v++) jtj[row + v]! += cju * jac[o + v]!;
      }
    }
  }
}

export function objective(p: Problem, theta: ArrayLike<number>): number {
  return pass(p, theta, scratch(theta.length), null);
}

/**
 * The Cholesky factor l (lower triangle, row-major) of A + damping I, for symmetric A given by its
 * lower triangle (k x k, row-major); false when that is not positive definite (or not finite).
 */
export function cholesky(a: Float64Array, damping: number, l: Float64Array, k: number): boolean {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j]! + (i === j ? damping : 0);
      for (let m = 0; m < j; m++) s -= l[i * k + m]! * l[j * k + m]!;
      if (i === j) {
        if (!(s > 0 && Number.isFinite(s))) return false;
        l[i * k + i] = Math.sqrt(s);
      } else l[i * k + j] = s / l[j * k + j]!;
    }
  }
  return true;
}

/** Solves L L^T x = b, given the factor l from `cholesky`, into x (k = x.length). */
export function substitute(l: Float64Array, b: ArrayLike<number>, x: Float64Array): void {
  const k = x.length;
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let m = 0; m < i; m++) s -= l[i * k + m]! * x[m]!;
    x[i] = s / l[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let m = i + 1; m < k; m++) s -= l[m * k + i]! * x[m]!;
    x[i] = s / l[i * k + i]!;
  }
}

/** Solves (A + damping I) x = b into x (l is scratch of k x k); false when not positive definite. */
export function choleskySolve(a: Float64Array, damping: number, b: ArrayLike<number>, x: Float64Array, l: Float64Array): boolean {
  if (!cholesky(a, damping, l, x.length)) return false;
  substitute(l, b, x);
  return x.every(Number.isFinite);
}

// The damping schedule of ml-levenberg-marquardt, which this solver replaced: additive damping
// starting at 1e-2, divided by 9 after a step that achieved more than 1e-3 of its predicted gain,
// multiplied by 11 otherwise, kept within [1e-7, 1e7].
const DAMPING = { start: 1e-2, down: 9, up: 11, min: 1e-7, max: 1e7, threshold: 1e-3 };
/** Converged when a step gains, and its quadratic model predicts, at most this share of the loss. */
const REL_TOL = 1e-10;

/** The loss and normal equations at a point, when the caller has them already (see `groupedPass`). */
export interface Known {
  readonly loss: number;
  readonly normal: Normal;
}

/**
 * Levenberg-Marquardt from one start, within the model's bounds. `known`, when given, holds the
 * loss and normal equations at the start, and saves the first pass over the data (unless the start
 * lies outside the bounds: the solve then starts where it is clamped to).
 */
export function solveFrom(p: Problem, start: readonly number[], maxIterations = 400, known?: Known): Solution {
  const { model } = p;
  const k = start.length;
  const s = scratch(k);
  let here = normal(k);
  let there = normal(k);
  const step = new Float64Array(k);
  const chol = new Float64Array(k * k);
  const clampInto = (out: number[], j: number, v: number) => (out[j] = Math.min(Math.max(v, model.lower[j]!), model.upper[j]!));
  let theta = start.map((v, j) => Math.min(Math.max(v, model.lower[j]!), model.upper[j]!));
  let loss: number;
  if (known && theta.every((v, j) => v === start[j])) {
    here.jtj.set(known.normal.jtj);
    here.g.set(known.normal.g);
    loss = Number.isFinite(known.loss) ? known.loss : Infinity;
  } else loss = pass(p, theta, s, here);
  if (!Number.isFinite(loss)) return { theta, loss: Infinity };
  let damping = DAMPING.start;
  const trial = new Array<number>(k).fill(0);
  for (let it = 0; it < maxIterations; it++) {
    let next = Infinity;
    let predicted = 0;
    let lean = false;
    if (choleskySolve(here.jtj, damping, here.g, step, chol)) {
      // The step's predicted gain under the damped quadratic model: step^T (damping step + g) / 2.
      for (let j = 0; j < k; j++) {
        clampInto(trial, j, theta[j]! - step[j]!);
        predicted += 0.5 * step[j]! * (damping * step[j]! + here.g[j]!);
      }
      // The trial point's normal equations come with its loss: most steps are taken, and then the
      // next iteration needs no pass of its own. A step predicted to gain next to nothing is
      // usually the last (converged, or refused): its trial point gets the loss alone, and the
      // normal equations only if the solve goes on from there.
      lean = Math.abs(predicted) <= REL_TOL * loss;
      next = pass(p, trial, s, lean ? null : there);
    }
    const gain = loss - next;
    const usedDamping = damping;
    damping = gain / predicted > DAMPING.threshold ? Math.max(damping / DAMPING.down, DAMPING.min) : Math.min(damping * DAMPING.up, DAMPING.max);
    const small = (v: number) => Math.abs(v) <= REL_TOL * loss;
    if (gain > 0) {
      theta = [...trial];
      loss = next;
      if (small(gain) && small(predicted)) break;
      if (lean) pass(p, theta, s, there);
      [here, there] = [there, here];
    } else if ((Number.isFinite(next) && small(predicted)) || usedDamping >= DAMPING.max) break;
  }
  return { theta, loss };
}

/** The starts with a finite loss, best first. */
export function rankStarts(p: Problem, starts: readonly (readonly number[])[]): number[][] {
  const s = scratch(starts[0]?.length ?? 0);
  const scored = starts.map((t) => ({ t: [...t], loss: pass(p, t, s, null) })).filter((e) => Number.isFinite(e.loss));
  scored.sort((a, b) => a.loss - b.loss);
  return scored.map((e) => e.t);
}

/**
 * The best solution from the first `runs` starts. Callers rank a whole grid first and run the
 * solver from its best few: on these laws the rest of a grid converges to the same optimum.
 */
export function multiStart(p: Problem, starts: readonly (readonly number[])[], runs: number): Solution {
  let best: Solution = { theta: [], loss: Infinity };
  for (const s of starts.slice(0, Math.max(1, runs))) {
    const sol = solveFrom(p, s);
    if (sol.loss < best.loss) best = sol;
  }
  return best;
}
