/**
 * The solver `cgx fit` used before its own Levenberg-Marquardt (src/analysis/fit/optimize.ts):
 * ml-levenberg-marquardt run in chunks of 10 iterations, with the Huber loss handed over as
 * transformed residuals. Kept only so that bench/fit.ts can time the old against the new on the
 * same problem; it loads the library at run time, and reports null when it is not installed.
 */
import { BLOCK, objective, type Problem, type Solution } from "../src/analysis/fit/optimize.js";

type LevenbergMarquardt = (
  data: { x: number[]; y: number[] },
  fn: (p: number[]) => (i: number) => number,
  opts: Record<string, unknown>,
) => { parameterValues: number[]; parameterError: number };

/** The library's solver, or null when the package is absent (the benchmark then skips the comparison). */
export async function loadLegacy(): Promise<LevenbergMarquardt | null> {
  const name = "ml-levenberg-marquardt";
  try {
    const mod = (await import(name)) as { levenbergMarquardt: LevenbergMarquardt };
    return mod.levenbergMarquardt;
  } catch {
    return null;
  }
}

const CHUNK = 10;
const REL_TOL = 1e-10;

/** The old solveFrom, verbatim but for the model's blocked evaluation, which it now reads whole. */
export function legacySolveFrom(levenbergMarquardt: LevenbergMarquardt, p: Problem, start: readonly number[], maxIterations = 400): Solution {
  const { model, target, delta } = p;
  const n = model.n;
  const k = start.length;
  const f = new Float64Array(n);
  const block = new Float64Array(BLOCK * k);
  // The old models wrote d f_i / d theta_k into jac[i][k]: one array per point, as before.
  const jac = Array.from({ length: n }, () => new Array<number>(k).fill(0));
  const rt = new Float64Array(n);
  const slope = new Float64Array(n);
  const scratch = new Array<number>(k).fill(0);
  const evaluate = (theta: readonly number[], withJac: boolean) => {
    for (let from = 0; from < n; from += BLOCK) {
      const to = Math.min(n, from + BLOCK);
      model.evaluate(theta, from, to, f.subarray(from, to), withJac ? block : null);
      if (withJac) for (let i = from; i < to; i++) for (let j = 0; j < k; j++) jac[i]![j] = block[(i - from) * k + j]!;
    }
  };
  const transform = (theta: readonly number[], withJac: boolean) => {
    evaluate(theta, withJac);
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
        jacobianFunction: (params: number[]) => {
          transform(params, true);
          return (i: number) => {
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
