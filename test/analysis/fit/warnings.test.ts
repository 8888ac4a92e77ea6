/**
 * Fits that say when they are wrong: planted data of shapes that are not power laws each get a
 * warning; clean planted laws get none, over many draws.
 */
import { describe, expect, it } from "vitest";
import { fitBroken, fitChinchilla, fitPowerLaw } from "../../../src/analysis/fit/index.js";
import { fSurvival } from "../../../src/analysis/fit/warnings.js";
import { logspace, plant } from "./planted.js";

const SIZES = logspace(1e5, 1e9, 12);
const cells = SIZES.map((n) => [n, 0] as const);
const opts = (g: string[]) => ({ bootstrap: 50, groups: g, loo: false });

describe("fit warnings", () => {
  it("the F distribution's tail matches known values", () => {
    // Upper 5% and 1% points of F(3, 10) and F(2, 20) from standard tables.
    expect(fSurvival(3.708, 3, 10)).toBeCloseTo(0.05, 3);
    expect(fSurvival(6.552, 3, 10)).toBeCloseTo(0.01, 3);
    expect(fSurvival(3.493, 2, 20)).toBeCloseTo(0.05, 3);
  });

  it("clean planted power laws and Chinchilla laws get no warning (20 draws each)", () => {
    for (let s = 0; s < 20; s++) {
      const p = plant(cells, (n) => 1.7 + 400 * n ** -0.34, 0.015, 3, s);
      expect(fitPowerLaw(p.x, p.y, opts(p.groups)).warnings, `draw ${s}`).toEqual([]);
    }
    const grid = SIZES.slice(0, 6).flatMap((n) => [5, 20, 80].map((r) => [n, n * r] as const));
    for (let s = 0; s < 5; s++) {
      const p = plant(grid, (n, d) => 1.69 + 406 * n ** -0.34 + 411 * d ** -0.28, 0.01, 2, s);
      expect(fitChinchilla(p.x, p.x2, p.y, opts(p.groups)).warnings, `draw ${s}`).toEqual([]);
    }
  }, 120_000);

  it("a logistic in log N, a straight line in log N and a U shape each get a warning", () => {
    const shapes: Record<string, (n: number) => number> = {
      logistic: (n) => 2 + 2 / (1 + Math.exp(1.5 * (Math.log10(n) - 7))),
      line: (n) => 6 - 0.25 * Math.log(n),
      "no floor, a straight line in log-log": (n) => 300 * n ** -0.3,
      "U shape": (n) => 2.5 + 0.08 * (Math.log10(n) - 7.5) ** 2,
    };
    for (const [name, law] of Object.entries(shapes)) {
      const p = plant(cells, law, 0.005, 3, 1);
      let warnings: readonly string[];
      try {
        warnings = fitPowerLaw(p.x, p.y, opts(p.groups)).warnings;
      } catch (e) {
        // Refusing the fit outright (a rising loss) also tells the user; that counts.
        warnings = [(e as Error).message];
      }
      expect(warnings.length, name).toBeGreaterThan(0);
    }
  }, 120_000);

  it("too few sizes for the parameters, and a floor at its bound, are said", () => {
    const few = plant(SIZES.slice(0, 5).map((n) => [n, 0] as const), (n) => 1.7 + 400 * n ** -0.34, 0.01, 2, 3);
    expect(fitPowerLaw(few.x, few.y, opts(few.groups)).warnings.join("\n")).toContain("only 5 distinct values of x for 3 parameters");
    const noFloor = plant(cells, (n) => 300 * n ** -0.3, 0.01, 3, 4);
    const f = fitPowerLaw(noFloor.x, noFloor.y, opts(noFloor.groups));
    expect(f.warnings.join("\n")).toContain("the floor E is not determined");
    // The interval of an undetermined floor reaches 0 and contains its estimate.
    expect(f.intervals.E![0]).toBe(0);
    expect(f.intervals.E![1]).toBeGreaterThanOrEqual(f.E);
  }, 120_000);

  it("a broken power law fitted to a U shape says it bends away", () => {
    const p = plant(cells, (n) => 2.5 + 0.08 * (Math.log10(n) - 7.5) ** 2, 0.005, 3, 2);
    let warnings: readonly string[];
    try {
      warnings = fitBroken(p.x, p.y, { ...opts(p.groups), maxBreaks: 0 }).warnings;
    } catch (e) {
      warnings = [(e as Error).message];
    }
    expect(warnings.length).toBeGreaterThan(0);
  }, 120_000);
});

describe("choosing the number of breaks", () => {
  const sizes = logspace(1e5, 1e10, 14).map((n) => [n, 0] as const);
  const criterionChoice = (f: ReturnType<typeof fitBroken>) => {
    // BIC's own rule: the fewest breaks within 2 of the best.
    const best = Math.min(...f.selection.scores.map((s) => s.score));
    return f.selection.scores.find((s) => s.score <= best + 2)!.breaks;
  };

  it("shows BIC and the held-out check of the largest sizes; fewer breaks that extrapolate clearly better are used, with a warning", () => {
    // A power law with a dip that recovers by the largest sizes: bending the curve into the dip
    // extrapolates worse than the plain power law.
    const law = (n: number) => (1 + 20 * n ** -0.12) * (1 - 0.04 / (1 + Math.exp(-4 * (Math.log10(n) - 7.5))) + 0.04 / (1 + Math.exp(-4 * (Math.log10(n) - 8.5))));
    let overruled = 0;
    for (let seed = 0; seed < 10; seed++) {
      const p = plant(sizes, law, 0.003, 3, seed);
      const f = fitBroken(p.x, p.y, { bootstrap: 0, maxBreaks: 2, loo: false });
      const h = f.selection.heldout_largest!;
      expect(h.sizes).toBe(2);
      expect(h.scores).toHaveLength(f.selection.scores.length);
      expect(f.breaks).toHaveLength(f.selection.chosen);
      const byBic = criterionChoice(f);
      if (f.selection.chosen === byBic) continue;
      overruled++;
      expect(f.selection.chosen).toBeLessThan(byBic);
      expect(h.scores[f.selection.chosen]!.score).toBeLessThanOrEqual((2 / 3) * h.scores[byBic]!.score);
      expect(f.warnings.join("\n")).toMatch(/bic preferred \d breaks?, but \d extrapolates? better to the largest 2 sizes/);
    }
    expect(overruled).toBeGreaterThan(0);
  }, 120_000);

  it("agrees with BIC, silently, on clean one-break laws (10 draws)", () => {
    for (let seed = 0; seed < 10; seed++) {
      const p = plant(sizes, (n) => 1 + 20 * n ** -0.12 * (1 + (n / 3e7) ** (1 / 0.3)) ** (-0.35 * 0.3), 0.005, 3, seed);
      const f = fitBroken(p.x, p.y, { bootstrap: 0, maxBreaks: 2, loo: false });
      expect(f.selection.chosen, `draw ${seed}`).toBe(criterionChoice(f));
      expect(f.breaks, `draw ${seed}`).toHaveLength(1);
    }
  }, 120_000);
});
