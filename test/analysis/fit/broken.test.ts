/** Broken power laws: a planted break found where it is, none invented on unbroken data. */
import { describe, expect, it } from "vitest";
import { fitBroken } from "../../../src/analysis/fit/index.js";
import { BROKEN, brokenLaw, logspace, plant, powerLaw } from "./planted.js";

const NOISE = 0.015;
const X = logspace(1e5, 1e10, 40);

function predict(p: Readonly<Record<string, number>>, x: number): number {
  let y = p["b"]! * x ** -p["c0"]!;
  for (let i = 1; p[`d${i}`] !== undefined; i++) y *= (1 + (x / p[`d${i}`]!) ** (1 / p[`f${i}`]!)) ** (-p[`c${i}`]! * p[`f${i}`]!);
  return p["a"]! + y;
}

describe("broken power law", () => {
  it.each([0, 1, 2])("finds one planted break within 10 percent of the log range, by BIC (draw %i)", (seed) => {
    const p = plant(
      X.map((x) => [x, 0] as const),
      brokenLaw,
      NOISE,
      1,
      seed,
    );
    const f = fitBroken(p.x, p.y, { maxBreaks: 2, bootstrap: 0, loo: false });
    expect(f.breaks).toHaveLength(1);
    const err = Math.abs(Math.log10(f.breaks[0]!.x) - Math.log10(BROKEN.d1));
    // The data span 5 decades: 10% of that is 0.5 decades; measured errors are below 0.06.
    expect(err).toBeLessThan(0.1 * 5);
    expect(err / Math.log10(BROKEN.d1)).toBeLessThan(0.1);
    expect(f.selection.criterion).toBe("bic");
    expect(f.selection.scores.map((s) => s.breaks)).toEqual([0, 1, 2]);
    // The named parameters reproduce the fit (the report's predict uses this formula).
    expect(Math.abs(Math.log(predict(f.params, 1e8) / brokenLaw(1e8)))).toBeLessThan(0.02);
  });

  it("gives the break a bootstrap interval that covers the planted location", () => {
    const p = plant(
      X.map((x) => [x, 0] as const),
      brokenLaw,
      NOISE,
      1,
      0,
    );
    const f = fitBroken(p.x, p.y, { maxBreaks: 1, bootstrap: 40, seed: 5, loo: false });
    const iv = f.breaks[0]!.interval!;
    expect(iv[0]).toBeLessThanOrEqual(BROKEN.d1);
    expect(iv[1]).toBeGreaterThanOrEqual(BROKEN.d1);
    expect(iv[0]).toBeLessThanOrEqual(f.breaks[0]!.x);
    expect(iv[1]).toBeGreaterThanOrEqual(f.breaks[0]!.x);
  });

  it.each([0, 1, 2])("selects 0 breaks on an unbroken power law (draw %i)", (seed) => {
    const p = plant(
      X.map((x) => [x, 0] as const),
      (x) => powerLaw(x),
      NOISE,
      1,
      seed,
    );
    const f = fitBroken(p.x, p.y, { maxBreaks: 2, bootstrap: 20, loo: false });
    expect(f.breaks).toEqual([]);
    expect(Object.keys(f.params).sort()).toEqual(["a", "b", "c0"]);
  });

  it("can choose the number of breaks by held-out error", () => {
    const p = plant(
      logspace(1e5, 1e10, 24).map((x) => [x, 0] as const),
      brokenLaw,
      0.01,
      1,
      4,
    );
    const f = fitBroken(p.x, p.y, { maxBreaks: 1, criterion: "heldout", bootstrap: 0 });
    expect(f.selection.criterion).toBe("heldout");
    expect(f.breaks).toHaveLength(1);
    expect(f.goodness.loo_mae_log).toBe(f.selection.scores[1]!.score);
  });

  it("tries only as many breaks as the data can determine", () => {
    const x = logspace(1e5, 1e9, 8);
    const f = fitBroken(
      x,
      x.map((v) => powerLaw(v)),
      { maxBreaks: 3, bootstrap: 0 },
    );
    expect(f.selection.scores.map((s) => s.breaks)).toEqual([0, 1]);
  });
});
