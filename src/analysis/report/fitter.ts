/**
 * The report's view of the fitting module (src/analysis/fit): three fitting functions and the
 * laws' formulas. The report takes a Fitter so its tests can run without the fitting module's
 * cost; `defaultFitter` (fitter-default.ts) wraps src/analysis/fit/index.ts.
 */
import type { Curve } from "../fit/envelope.js";
import type { IsoFlopOptions } from "../fit/isoflop.js";
import type { AnyFit, BrokenFit, ChinchillaFit, EnvelopeFit, FitOptions, IsoFlopFit, PowerLawFit } from "../fit/types.js";
import { FitError } from "../fit/types.js";
import { quantile, SeededRandom } from "../stats.js";

export interface Fitter {
  powerLaw(x: readonly number[], y: readonly number[], opts: FitOptions): PowerLawFit;
  chinchilla(n: readonly number[], d: readonly number[], y: readonly number[], opts: FitOptions): ChinchillaFit;
  broken(x: readonly number[], y: readonly number[], opts: FitOptions & { readonly maxBreaks: number }): BrokenFit;
  isoflop(params: readonly number[], flops: readonly number[], loss: readonly number[], opts: IsoFlopOptions): IsoFlopFit;
  envelope(curves: readonly Curve[], opts: { readonly bootstrap?: number; readonly seed?: number }): EnvelopeFit;
}

/** The fitted law at x (and x2, the second predictor of a Chinchilla law). */
export function predict(fit: AnyFit, x: number, x2?: number): number {
  switch (fit.law) {
    case "power":
      return fit.E + fit.A * x ** -fit.alpha;
    case "chinchilla":
      return fit.E + fit.A / x ** fit.alpha + fit.B / (x2 ?? NaN) ** fit.beta;
    case "broken": {
      const p = fit.params;
      let y = (p["b"] ?? NaN) * x ** -(p["c0"] ?? NaN);
      for (let i = 1; p[`d${i}`] !== undefined; i++) {
        const c = p[`c${i}`] ?? NaN;
        const d = p[`d${i}`] ?? NaN;
        const f = p[`f${i}`] ?? NaN;
        y *= (1 + (x / d) ** (1 / f)) ** (-c * f);
      }
      return (p["a"] ?? NaN) + y;
    }
  }
}

/** A message and help from a fitting failure, whatever was thrown. */
export function fitFailure(e: unknown): { message: string; help: string } {
  if (e instanceof FitError) return { message: e.message, help: e.help };
  if (e instanceof Error) return { message: e.message, help: "" };
  return { message: String(e), help: "" };
}

export interface Band {
  readonly points: readonly { readonly x: number; readonly lo: number; readonly hi: number }[];
  /** Resamples that could be fitted, of those tried. */
  readonly fitted: number;
  readonly tried: number;
  readonly method: "points within sizes" | "sizes";
}

/**
 * A pointwise 95% band for a one-predictor law: refit on bootstrap resamples and take the 2.5th
 * and 97.5th percentile of the predictions at each grid x. When some group (model size) holds
 * several points (seeds), points are resampled within their group, so every size stays in each
 * resample and the band shows seed-to-seed variation; otherwise whole groups are resampled, which
 * needs several sizes (resamples with too few distinct sizes cannot be fitted and are skipped).
 * null without two groups; no points when too few resamples could be fitted.
 */
export function bootstrapBand(
  fitOnce: (x: readonly number[], y: readonly number[]) => AnyFit,
  x: readonly number[],
  y: readonly number[],
  groups: readonly (string | number)[],
  grid: readonly number[],
  replicates: number,
  seed: number,
): Band | null {
  if (replicates <= 0 || !grid.length) return null;
  const ids = [...new Set(groups)];
  if (ids.length < 2) return null;
  const members = new Map(ids.map((id) => [id, [] as number[]]));
  groups.forEach((g, i) => members.get(g)!.push(i));
  const stratified = [...members.values()].some((m) => m.length >= 2);
  const method = stratified ? "points within sizes" : "sizes";
  const rng = new SeededRandom(seed);
  const preds: number[][] = grid.map(() => []);
  let fitted = 0;
  for (let r = 0; r < replicates; r++) {
    const rx: number[] = [];
    const ry: number[] = [];
    const take = (i: number) => {
      rx.push(x[i]!);
      ry.push(y[i]!);
    };
    if (stratified) {
      for (const m of members.values()) for (let k = 0; k < m.length; k++) take(m[rng.int(m.length)]!);
    } else {
      for (let k = 0; k < ids.length; k++) for (const i of members.get(ids[rng.int(ids.length)]!)!) take(i);
    }
    let fit: AnyFit;
    try {
      fit = fitOnce(rx, ry);
    } catch {
      continue;
    }
    const ps = grid.map((g) => predict(fit, g));
    if (!ps.every(Number.isFinite)) continue;
    fitted++;
    ps.forEach((p, j) => preds[j]!.push(p));
  }
  if (fitted < Math.max(10, replicates / 4)) return { points: [], fitted, tried: replicates, method };
  const points = grid.map((g, j) => {
    const s = preds[j]!.sort((a, b) => a - b);
    return { x: g, lo: quantile(s, 0.025), hi: quantile(s, 0.975) };
  });
  return { points, fitted, tried: replicates, method };
}

/** n points evenly spaced in log x over [lo, hi]. */
export function logGrid(lo: number, hi: number, n = 40): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  if (hi === lo) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: n }, (_, i) => Math.exp(a + ((b - a) * i) / (n - 1)));
}
