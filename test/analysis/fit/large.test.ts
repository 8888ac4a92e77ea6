/**
 * Large tables: no stack overflow from spreading arrays, cross-validation that stays affordable,
 * `cgx fit` on hundreds of thousands of rows, and the large-sample bootstrap draws against refits.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extent, unitsOf } from "../../../src/analysis/fit/data.js";
import { allIndices, bootstrap, fitFresh, sandwichDraws } from "../../../src/analysis/fit/engine.js";
import { HUBER_DELTA, lseSpec } from "../../../src/analysis/fit/laws.js";
import { lseData } from "../../../src/analysis/fit/lse.js";
import { fitPowerLaw } from "../../../src/analysis/fit/index.js";
import { gaussian, Rng } from "../../../src/analysis/fit/rng.js";
import { fitCommand } from "../../../src/cli/commands/fit.js";
import { domainOf } from "../../../src/analysis/report/svg.js";
import { memoryIo } from "../../helpers.js";
import { CHIN, chinchillaLaw, logspace, plant, POWER, powerLaw, relErr } from "./planted.js";

/** `rows` points of a planted law at log-uniform sizes (every row its own size), 1.5% log-normal noise. */
function planted(rows: number, seed: number) {
  const rng = new Rng(seed);
  const x: number[] = [];
  const x2: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const n = 1e6 * 1e4 ** rng.next();
    const d = 1e7 * 1e4 ** rng.next();
    x.push(n);
    x2.push(d);
    y.push(chinchillaLaw(n, d) * Math.exp(0.015 * gaussian(rng)));
  }
  return { x, x2, y, yPower: x.map((n, i) => (powerLaw(n) * y[i]!) / chinchillaLaw(n, x2[i]!)) };
}

type Fitted = Record<string, number> & { intervals: Record<string, [number, number]>; goodness: { loo_mae_log: number; n: number } };

describe("large inputs", () => {
  it("extents and plot domains of a million values", () => {
    const v = Array.from({ length: 1_000_000 }, (_, i) => 1 + (i % 997));
    expect(extent(v)).toEqual([1, 997]);
    expect(domainOf(v, "linear")![0]).toBeLessThan(1);
  });

  it("a fit of 2,000 rows without groups gets a 10-fold error instead of 2,000 leave-one-out refits", () => {
    const p = plant(
      logspace(1e6, 1e10, 20).map((x) => [x, 0] as const),
      (x) => powerLaw(x),
      0.01,
      100,
      2,
    );
    const t0 = performance.now();
    const f = fitPowerLaw(p.x, p.y, { bootstrap: 0 });
    const seconds = (performance.now() - t0) / 1000;
    expect(f.goodness.loo_mae_log).toBeGreaterThan(0);
    expect(f.goodness.loo_mae_log).toBeLessThan(0.05);
    expect(Math.abs(f.alpha - 0.34) / 0.34).toBeLessThan(0.05);
    console.log(`power-law fit of 2,000 rows with 10-fold error: ${seconds.toFixed(2)} s`);
  }, 120_000);

  it("`cgx fit` on 200,000 planted rows recovers the power law and the Chinchilla law, with intervals and a 10-fold error", () => {
    const rows = 200_000;
    const p = planted(rows, 5);
    const dir = mkdtempSync(join(tmpdir(), "cgx-fit-large-"));
    try {
      const lines = ["params,tokens,loss,power_loss"];
      for (let i = 0; i < rows; i++) lines.push(`${p.x[i]},${p.x2[i]},${p.y[i]},${p.yPower[i]}`);
      writeFileSync(join(dir, "big.csv"), lines.join("\n") + "\n");
      const fit = (opts: Parameters<typeof fitCommand>[2]): Fitted => {
        const io = memoryIo(dir);
        expect(fitCommand(io, "big.csv", { ...opts, json: true })).toBe(0);
        return JSON.parse(io.stdout) as Fitted;
      };
      const checks: [Fitted, Record<string, number>][] = [
        [fit({ x: "params", y: "power_loss", law: "power" }), POWER],
        [fit({ x: "params", x2: "tokens", y: "loss", law: "chinchilla" }), CHIN],
      ];
      for (const [f, truth] of checks) {
        expect(f.goodness.n).toBe(rows);
        for (const [k, v] of Object.entries(truth)) {
          // 200,000 rows pin every parameter far below 1% (A and B, which trade off with the exponents, 3%).
          expect(relErr(f[k]!, v), k).toBeLessThan(k === "A" || k === "B" ? 0.03 : 0.01);
          const [lo, hi] = f.intervals[k]!;
          expect(lo, k).toBeLessThanOrEqual(f[k]!);
          expect(hi, k).toBeGreaterThanOrEqual(f[k]!);
          // The interval is as wide as the estimate's error: the planted value within twice its half-width.
          expect(Math.abs(f[k]! - v), k).toBeLessThan(hi - lo);
        }
        // Held-out error of 1.5% log-normal noise: E|z| = 0.015 sqrt(2 / pi) = 0.01197.
        expect(f.goodness.loo_mae_log).toBeGreaterThan(0.0115);
        expect(f.goodness.loo_mae_log).toBeLessThan(0.0125);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("the bootstrap's large-sample draws spread as the refits do (power law and Chinchilla law, 1,000 points)", () => {
    const p = planted(1000, 9);
    const all = allIndices(1000);
    const units = unitsOf(1000, undefined);
    const sd = (v: readonly number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    };
    const laws = [
      { name: "power", d: lseData([p.x], p.yPower), preds: [{ label: "N", values: p.x }], delta: Infinity },
      { name: "chinchilla", d: lseData([p.x, p.x2], p.y), preds: [{ label: "N", values: p.x }, { label: "D", values: p.x2 }], delta: HUBER_DELTA },
    ];
    for (const law of laws) {
      const spec = lseSpec(law.d, law.preds, law.name, 8, law.delta);
      const fit = fitFresh(spec, all);
      // 1,000 points are below LARGE_POINTS: bootstrap() refits; sandwichDraws() is what it uses above.
      const refits = bootstrap(spec, units, 200, 1, [fit.solution.theta, ...fit.seeds]).thetas;
      const draws = sandwichDraws(spec, units, 2000, 1, fit.solution.theta)!.thetas;
      for (let j = 0; j < spec.k; j++) {
        // The standard deviation of 200 refits is itself uncertain by about 5%. Least squares agrees
        // to that (measured 1.01-1.07). The Huber fit's draws come out narrower at this size
        // (measured 0.67-0.99 of the refits' spread: only some 50 residuals lie inside delta to
        // estimate its curvature, and refits of a loss this close to absolute deviations wander);
        // draws are used only above LARGE_POINTS, where interval widths agreed within 25%.
        const r = sd(draws.map((t) => t[j]!)) / sd(refits.map((t) => t[j]!));
        expect(r, `${law.name} parameter ${j}`).toBeGreaterThan(law.delta === Infinity ? 0.8 : 0.6);
        expect(r, `${law.name} parameter ${j}`).toBeLessThan(1.25);
      }
    }
  }, 120_000);
});
