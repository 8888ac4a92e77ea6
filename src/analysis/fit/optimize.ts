/**
 * Robust nonlinear fitting in log space: minimise sum_i huber_delta(f_i(theta) - log y_i) with the
 * Levenberg-Marquardt solver of `ml-levenberg-marquardt`, from many starts.
 *
 * That solver minimises a sum of squares, so the Huber loss is handed to it as squares of
 * transformed residuals: rt(r) = r inside [-delta, delta] and sign(r) sqrt(delta (2|r| - delta))
 * outside. Then rt(r)^2 / 2 = huber_delta(r) exactly, rt is continuously differentiable, and
 * J_rt^T rt equals the gradient of the Huber objective, so the solver's fixed points are the
 * Huber fit's stationary points (the Gauss-Newton curvature differs, which only changes the path).
 * delta = Infinity gives plain least squares.
 */
import { levenbergMarquardt } from "ml-levenberg-marquardt";

/** A model of log y at n points. */
export interface LogModel {
  readonly n: number;
  /** Box bounds the solver keeps the parameters in (it clamps every step). */
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** Writes the predicted log y into f and, when jac is given, d f_i / d theta_k into jac[i][k]. */
  evaluate(theta: readonly number[], f: Float64Array, jac: number[][] | null): void;
}

export interface Problem {
  readonly model: LogModel;
  /** log y at the n points. */
  readonly target: Float64Array;
  readonly delta: number;
}

export interface Solution {
  readonly theta: number[];
  /** sum of huber_delta(residual); half the sum of squares when delta is Infinity. */
  readonly loss: number;
}

export function huber(r: number, delta: number): number {
  const a = Math.abs(r);
  return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
}

export function objective(p: Problem, theta: readonly number[]): number {
  const f = new Float64Array(p.model.n);
  p.model.evaluate(theta, f, null);
  let s = 0;
  for (let i = 0; i < f.length; i++) s += huber(f[i]! - p.target[i]!, p.delta);
  return Number.isFinite(s) ? s : Infinity;
}

// The solver has no stopping rule but a target error, so it is run in short chunks and stopped
// when a chunk no longer improves the loss by a relative 1e-10.
const CHUNK = 10;
const REL_TOL = 1e-10;

/** Levenberg-Marquardt from one start, within the model's bounds. */
export function solveFrom(p: Problem, start: readonly number[], maxIterations = 400): Solution {
  const { model, target, delta } = p;
  const n = model.n;
  const k = start.length;
  const f = new Float64Array(n);
  const jac = Array.from({ length: n }, () => new Array<number>(k).fill(0));
  const rt = new Float64Array(n);
  const slope = new Float64Array(n);
  const scratch = new Array<number>(k).fill(0);
  // Fills rt (transformed residuals) and, with jac, slope = d rt / d r for the chain rule.
  const transform = (theta: readonly number[], withJac: boolean) => {
    model.evaluate(theta, f, withJac ? jac : null);
    for (let i = 0; i < n; i++) {
      const r = f[i]! - target[i]!;
      const a = Math.abs(r);
      if (a <= delta) {
        rt[i] = r;
        slope[i] = 1;
      } else {
        const t = Math.sqrt(delta * (2 * a - delta));
        rt[i] = r < 0 ? -t : t;
        slope[i] = delta / t;
      }
    }
  };
  const index = Array.from({ length: n }, (_, i) => i);
  const zeros = new Array<number>(n).fill(0);
  const clamp = (theta: readonly number[]) => theta.map((v, j) => Math.min(Math.max(v, model.lower[j]!), model.upper[j]!));
  let theta = clamp(start);
  let loss = objective(p, theta);
  if (!Number.isFinite(loss)) return { theta, loss: Infinity };
  for (let used = 0; used < maxIterations; used += CHUNK) {
    const r = levenbergMarquardt(
      { x: index, y: zeros },
      (params) => {
        transform(params, false);
        return (i) => rt[i]!;
      },
      {
        initialValues: theta,
        minValues: model.lower,
        maxValues: model.upper,
        maxIterations: CHUNK,
        errorTolerance: 0,
        jacobianFunction: (params) => {
          transform(params, true);
          // The solver copies each row before asking for the next, so one scratch row will do.
          return (i) => {
            const row = jac[i]!;
            for (let j = 0; j < k; j++) scratch[j] = row[j]! * slope[i]!;
            return scratch;
          };
        },
      },
    );
    const next = r.parameterError / 2;
    if (!(next < loss)) break;
    const gain = loss - next;
    theta = r.parameterValues;
    loss = next;
    if (gain <= REL_TOL * loss) break;
  }
  return { theta, loss };
}

/** The starts with a finite loss, best first. */
export function rankStarts(p: Problem, starts: readonly (readonly number[])[]): number[][] {
  const scored = starts.map((s) => ({ s: [...s], loss: objective(p, s) })).filter((e) => Number.isFinite(e.loss));
  scored.sort((a, b) => a.loss - b.loss);
  return scored.map((e) => e.s);
}

/**
 * The best solution from the first `runs` starts. Callers rank a whole grid first and run the
 * solver from its best few: on these laws the rest of a grid converges to the same optimum, and
 * a solver step costs about 0.2 ms, most of it in the library's matrix algebra.
 */
export function multiStart(p: Problem, starts: readonly (readonly number[])[], runs: number): Solution {
  let best: Solution = { theta: [], loss: Infinity };
  for (const s of starts.slice(0, Math.max(1, runs))) {
    const sol = solveFrom(p, s);
    if (sol.loss < best.loss) best = sol;
  }
  return best;
}
