/**
 * Compute-optimal frontiers: a quantity at the optimum (model size, tokens, loss) as a power of
 * the compute C, y_opt(C) = k C^e, fitted by least squares in log-log, with bootstrap draws so
 * that predictions at any C, and differences between two frontiers, get intervals too. The three
 * approaches of Hoffmann et al. 2022 (envelope.ts, isoflop.ts, and the parametric law in laws.ts)
 * all end in frontiers of this form.
 */
import { percentileInterval } from "./engine.js";
import type { Interval, ParametricOptimum, PowerFrontier } from "./types.js";

/** A number in three significant digits, exponent form, as messages about budgets and sizes write it: 3.16e11, 5e10. */
export function shortNumber(v: number): string {
  return Number(v.toPrecision(3)).toExponential().replace("e+", "e").replace(/\.?0+e/, "e");
}

/** Least squares of v on u: intercept and slope; null with fewer than two distinct u. */
export function lineFit(u: readonly number[], v: readonly number[]): { intercept: number; slope: number } | null {
  const n = u.length;
  if (n < 2 || v.length !== n) return null;
  let mu = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mu += u[i]! / n;
    mv += v[i]! / n;
  }
  let suu = 0;
  let suv = 0;
  for (let i = 0; i < n; i++) {
    suu += (u[i]! - mu) ** 2;
    suv += (u[i]! - mu) * (v[i]! - mv);
  }
  if (!(suu > 1e-18 * Math.max(1, mu * mu))) return null;
  const slope = suv / suu;
  return { intercept: mv - slope * mu, slope };
}

/** The frontier through (C, y) points in log-log; null with fewer than two distinct C. */
export function frontierLine(c: readonly number[], y: readonly number[]): { lnk: number; exponent: number } | null {
  const f = lineFit(c.map(Math.log), y.map(Math.log));
  return f && Number.isFinite(f.intercept) && Number.isFinite(f.slope) ? { lnk: f.intercept, exponent: f.slope } : null;
}

/**
 * A frontier from its point estimate and bootstrap draws of (ln k, exponent). `tried` is the number
 * of resamples attempted: intervals are null when fewer than half of them gave a frontier.
 */
export function powerFrontier(est: { lnk: number; exponent: number }, draws: readonly (readonly [number, number])[], tried: number): PowerFrontier {
  return {
    k: Math.exp(est.lnk),
    exponent: est.exponent,
    intervals: {
      k: percentileInterval(
        draws.map((d) => Math.exp(d[0])),
        tried,
      ),
      exponent: percentileInterval(
        draws.map((d) => d[1]),
        tried,
      ),
    },
    draws,
    tried,
  };
}

/** The frontier's value at compute C: k C^e. */
export function frontierAt(f: PowerFrontier, c: number): number {
  return f.k * c ** f.exponent;
}

/** A 95% interval of the frontier's value at C, from its draws. */
export function frontierIntervalAt(f: PowerFrontier, c: number): Interval | null {
  const lnc = Math.log(c);
  return percentileInterval(
    f.draws.map(([lnk, e]) => Math.exp(lnk + e * lnc)),
    f.tried,
  );
}

/**
 * How one frontier differs from another (subject minus baseline): the exponent's difference and
 * the ratio of their values at a reference compute, each with a 95% interval from the two fits'
 * independent bootstrap draws, paired by index.
 */
export interface FrontierDifference {
  readonly exponent: number;
  readonly exponent_interval: Interval | null;
  /** Compute at which the values are compared. */
  readonly at: number;
  readonly ratio: number;
  readonly ratio_interval: Interval | null;
}

export function frontierDifference(subject: PowerFrontier, baseline: PowerFrontier, at: number): FrontierDifference {
  const m = Math.min(subject.draws.length, baseline.draws.length);
  const tried = Math.max(subject.tried, baseline.tried);
  const lnc = Math.log(at);
  const de: number[] = [];
  const dr: number[] = [];
  for (let i = 0; i < m; i++) {
    const [ks, es] = subject.draws[i]!;
    const [kb, eb] = baseline.draws[i]!;
    de.push(es - eb);
    dr.push(Math.exp(ks + es * lnc - (kb + eb * lnc)));
  }
  return {
    exponent: subject.exponent - baseline.exponent,
    exponent_interval: percentileInterval(de, tried),
    at,
    ratio: frontierAt(subject, at) / frontierAt(baseline, at),
    ratio_interval: percentileInterval(dr, tried),
  };
}

/** Whether an interval lies wholly on one side of a value (a difference clear of the noise). */
export function excludes(iv: Interval | null, value: number): boolean {
  return iv !== null && (iv[0] > value || iv[1] < value);
}

/**
 * The frontiers of a fitted L(N, D) under C = kappa N D (types.ts ParametricOptimum):
 * N_opt = G (C/kappa)^a and D_opt = (C/kappa)^b / G, with b = 1 - a.
 */
export function parametricFrontiers(opt: ParametricOptimum, kappa: number): { n_opt: PowerFrontier; d_opt: PowerFrontier } {
  const lk = Math.log(kappa);
  const lnG = Math.log(opt.G);
  const n = (g: number, a: number) => [g - a * lk, a] as const;
  const d = (g: number, a: number) => [-g - (1 - a) * lk, 1 - a] as const;
  const est = (f: typeof n) => {
    const [lnk, exponent] = f(lnG, opt.a);
    return { lnk, exponent };
  };
  return {
    n_opt: powerFrontier(
      est(n),
      opt.draws.map(([g, a]) => n(g, a)),
      opt.tried,
    ),
    d_opt: powerFrontier(
      est(d),
      opt.draws.map(([g, a]) => d(g, a)),
      opt.tried,
    ),
  };
}
