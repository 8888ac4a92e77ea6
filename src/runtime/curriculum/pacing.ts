/**
 * Pacing functions: how much of the data (sorted by difficulty) is available at progress p in [0, 1].
 * Pure; the plan gives the function and its parameters, the sampler asks for values.
 */
import type { PlanPacingFn } from "../../plan/types.js";

/** Smallest competence for exponential pacing, which cannot start from zero. */
const EXP_FLOOR = 0.01;

/**
 * Competence c(p) rising from c0 at p = 0 to 1 at p >= 1:
 * linear c0 + (1 - c0) p; root(k) (c0^k + (1 - c0^k) p)^(1/k) (Platanios et al. 2019);
 * competence = root(2); exponential c0 (1/c0)^p; step(n) c0 + (1 - c0) floor(n p) / n.
 */
export function competence(fn: PlanPacingFn, c0: number, p: number): number {
  const t = Math.min(1, Math.max(0, p));
  switch (fn.kind) {
    case "linear":
      return c0 + (1 - c0) * t;
    case "root":
      return rootPace(fn.power, c0, t);
    case "competence":
      return rootPace(2, c0, t);
    case "exponential": {
      const s = Math.max(EXP_FLOOR, c0);
      return Math.min(1, s * Math.pow(1 / s, t));
    }
    case "step":
      return t >= 1 ? 1 : c0 + ((1 - c0) * Math.floor(fn.steps * t)) / fn.steps;
  }
}

function rootPace(k: number, c0: number, t: number): number {
  const a = Math.pow(c0, k);
  return Math.pow(a + (1 - a) * t, 1 / k);
}

/** The fraction of the way from the lower to the upper level at progress p (for `pace ... from A to B`). */
export function ceilingFraction(fn: PlanPacingFn, p: number): number {
  // From zero: exponential then rises from its floor, and is rescaled so it still starts at 0.
  if (fn.kind === "exponential") {
    const v = competence(fn, 0, p);
    return (v - EXP_FLOOR) / (1 - EXP_FLOOR);
  }
  return competence(fn, 0, p);
}
