/** Planted data for the fitting tests: known laws with seeded multiplicative noise. */
import { Rng } from "../../../src/analysis/fit/rng.js";

/** A standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function logspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));
}

export interface Planted {
  readonly x: number[];
  readonly x2: number[];
  readonly y: number[];
  /** One id per (size) cell: its seeds are resampled together. */
  readonly groups: string[];
}

/**
 * Points of `law` at the given cells, `seeds` draws per cell, each multiplied by
 * exp(noise * z), z standard normal (noise 0.015 is about 1.5% multiplicative noise).
 */
export function plant(cells: readonly (readonly [number, number])[], law: (x: number, x2: number) => number, noise: number, seeds: number, seed: number): Planted {
  const rng = new Rng(seed);
  const out: Planted = { x: [], x2: [], y: [], groups: [] };
  cells.forEach(([x, x2], c) => {
    for (let s = 0; s < seeds; s++) {
      out.x.push(x);
      out.x2.push(x2);
      out.y.push(law(x, x2) * Math.exp(noise * normal(rng)));
      out.groups.push(`cell${c}`);
    }
  });
  return out;
}

export const POWER = { E: 1.69, A: 406.4, alpha: 0.34 };
export const CHIN = { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 };
export const BROKEN = { a: 1.0, b: 20, c0: 0.12, c1: 0.35, d1: 3e7, f1: 0.3 };

export function powerLaw(x: number): number {
  return POWER.E + POWER.A * x ** -POWER.alpha;
}

export function chinchillaLaw(n: number, d: number): number {
  return CHIN.E + CHIN.A / n ** CHIN.alpha + CHIN.B / d ** CHIN.beta;
}

export function brokenLaw(x: number): number {
  const p = BROKEN;
  return p.a + p.b * x ** -p.c0 * (1 + (x / p.d1) ** (1 / p.f1)) ** (-p.c1 * p.f1);
}

export function relErr(est: number, truth: number): number {
  return Math.abs(est - truth) / Math.abs(truth);
}
