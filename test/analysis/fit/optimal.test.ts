/**
 * Compute-optimal frontiers (Hoffmann et al. 2022's three approaches) on runs planted from a known
 * Chinchilla law: an IsoFLOP design (every size at each FLOP budget, D = C / 6N), whose true
 * frontier is N_opt = G (C/6)^a with a = beta / (alpha + beta).
 */
import { describe, expect, it } from "vitest";
import { excludes, fitChinchilla, fitEnvelope, fitIsoFlop, FitError, frontierAt, frontierDifference, parametricFrontiers, type Curve } from "../../../src/analysis/fit/index.js";
import { Rng } from "../../../src/analysis/fit/rng.js";
import { CHIN, logspace, normal } from "./planted.js";

type Law = { E: number; A: number; alpha: number; B: number; beta: number };
const lawOf = (p: Law) => (n: number, d: number) => p.E + p.A / n ** p.alpha + p.B / d ** p.beta;
const truth = (p: Law) => {
  const a = p.beta / (p.alpha + p.beta);
  const G = ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / (p.alpha + p.beta));
  return { a, b: 1 - a, nOpt: (c: number) => G * (c / 6) ** a };
};

const BUDGETS = [1e18, 1e19, 1e20];

/** Every budget trained at 7 sizes spread a factor 8 either side of its true optimum (as an IsoFLOP study would place them). */
function isoflopRuns(p: Law, noise: number, seed: number, sizesPer = 7) {
  const rng = new Rng(seed);
  const law = lawOf(p);
  const t = truth(p);
  const rows = { params: [] as number[], flops: [] as number[], tokens: [] as number[], loss: [] as number[] };
  for (const c of BUDGETS) {
    const mid = t.nOpt(c);
    for (const n of logspace(mid / 8, mid * 8, sizesPer)) {
      const d = c / (6 * n);
      rows.params.push(n);
      rows.flops.push(c);
      rows.tokens.push(d);
      rows.loss.push(law(n, d) * Math.exp(noise * normal(rng)));
    }
  }
  return rows;
}

describe("IsoFLOP profiles (approach 2)", () => {
  it("recover the planted exponent a and the optimum at each budget", () => {
    const t = truth(CHIN);
    const r = isoflopRuns(CHIN, 0.002, 1);
    const fit = fitIsoFlop(r.params, r.flops, r.loss, { bootstrap: 100, tokens: r.tokens });
    expect(fit.budgets).toHaveLength(3);
    for (const b of fit.budgets) {
      expect(b.inside).toBe(true);
      // The parabola in ln N is a close, not exact, description of the profile.
      expect(Math.abs(Math.log(b.n_opt! / t.nOpt(b.flops)))).toBeLessThan(0.15);
      expect(b.intervals.n_opt![0]).toBeLessThan(b.n_opt!);
      expect(b.intervals.n_opt![1]).toBeGreaterThan(b.n_opt!);
    }
    expect(Math.abs(fit.n_opt!.exponent - t.a)).toBeLessThan(0.03);
    // D = C / 6N exactly, so b = 1 - a.
    expect(fit.d_opt!.exponent).toBeCloseTo(1 - fit.n_opt!.exponent, 6);
    const iv = fit.n_opt!.intervals.exponent!;
    expect(iv[0]).toBeLessThan(fit.n_opt!.exponent);
    expect(iv[1]).toBeGreaterThan(fit.n_opt!.exponent);
    expect(fit.warnings).toEqual([]);
  });

  it("its 95% intervals for a cover the planted value in most of 40 draws (0.5% noise)", () => {
    const t = truth(CHIN);
    let covered = 0;
    for (let s = 0; s < 40; s++) {
      const r = isoflopRuns(CHIN, 0.005, 100 + s);
      const iv = fitIsoFlop(r.params, r.flops, r.loss, { bootstrap: 200, seed: s }).n_opt!.intervals.exponent!;
      if (iv[0] <= t.a && t.a <= iv[1]) covered++;
    }
    // Measured 39 of 40 (a parametric bootstrap with pooled noise); resampling each profile's residuals gave 34.
    expect(covered).toBeGreaterThanOrEqual(35);
  });

  it("without a tokens column, D_opt is C / (6 N_opt)", () => {
    const r = isoflopRuns(CHIN, 0.002, 2);
    const fit = fitIsoFlop(r.params, r.flops, r.loss, { bootstrap: 0 });
    expect(fit.tokens_from).toBe("6ND");
    for (const b of fit.budgets) expect(b.d_opt! * 6 * b.n_opt!).toBeCloseTo(b.flops, -10);
  });

  it("warns when the sizes do not bracket the optimum, when profiles have 3 points, and with one budget", () => {
    const law = lawOf(CHIN);
    const t = truth(CHIN);
    // Sizes all far below the optimum: the loss falls monotonically and the minimum is extrapolated or absent.
    const small = BUDGETS.flatMap((c) => logspace(t.nOpt(c) / 300, t.nOpt(c) / 30, 5).map((n) => ({ n, c })));
    const fit = fitIsoFlop(
      small.map((s) => s.n),
      small.map((s) => s.c),
      small.map((s) => law(s.n, s.c / (6 * s.n))),
      { bootstrap: 0 },
    );
    expect(fit.warnings.some((w) => /outside the sizes fitted|no minimum|probably beyond it/.test(w))).toBe(true);
    const three = isoflopRuns(CHIN, 0.002, 3, 3);
    const f3 = fitIsoFlop(three.params, three.flops, three.loss, { bootstrap: 20 });
    expect(f3.warnings.some((w) => /exactly 3 runs/.test(w))).toBe(true);
    expect(f3.n_opt!.intervals.exponent).toBeNull();
    const one = isoflopRuns(CHIN, 0.002, 4);
    const keep = one.flops.map((c) => c === 1e19);
    const pick = (xs: number[]) => xs.filter((_, i) => keep[i]);
    const f1 = fitIsoFlop(pick(one.params), pick(one.flops), pick(one.loss), { bootstrap: 0 });
    expect(f1.n_opt).toBeNull();
    expect(f1.warnings.some((w) => /no frontier/.test(w))).toBe(true);
  });

  it("refuses data with no budget of three sizes, saying how to fix it", () => {
    expect(() => fitIsoFlop([1e6, 2e6, 4e6], [1e15, 3e15, 9e15], [3, 2.9, 2.8])).toThrow(FitError);
    expect(() => fitIsoFlop([1e6, 2e6, 4e6], [1e15, 3e15, 9e15], [3, 2.9, 2.8])).toThrow(/3 or more model sizes/);
  });

  it("tell a curriculum that shifts the exponent from one that does not", () => {
    const other = { ...CHIN, beta: 0.4 };
    // 0.5% noise: at much less, the parabola's own misfit (which the bootstrap cannot see) dominates the intervals.
    const fa = fitIsoFlop(...cols(isoflopRuns(CHIN, 0.005, 5)), { bootstrap: 200, seed: 1 });
    const fb = fitIsoFlop(...cols(isoflopRuns(other, 0.005, 6)), { bootstrap: 200, seed: 2 });
    const same = fitIsoFlop(...cols(isoflopRuns(CHIN, 0.005, 7)), { bootstrap: 200, seed: 3 });
    const shifted = frontierDifference(fb.n_opt!, fa.n_opt!, 1e19);
    const planted = truth(other).a - truth(CHIN).a;
    // Three budgets with 0.5% noise place a within about ±0.05: the interval, not the estimate, must hold the truth.
    expect(shifted.exponent_interval![0]).toBeLessThan(planted);
    expect(shifted.exponent_interval![1]).toBeGreaterThan(planted);
    expect(excludes(shifted.exponent_interval, 0)).toBe(true);
    const none = frontierDifference(same.n_opt!, fa.n_opt!, 1e19);
    expect(excludes(none.exponent_interval, 0)).toBe(false);
    expect(excludes(none.ratio_interval, 1)).toBe(false);
  });
});

function cols(r: ReturnType<typeof isoflopRuns>): [number[], number[], number[]] {
  return [r.params, r.flops, r.loss];
}

describe("the parametric law (approach 3)", () => {
  it("gives a = beta / (alpha + beta) and the planted optimum, with intervals", () => {
    const t = truth(CHIN);
    const r = isoflopRuns(CHIN, 0.003, 8);
    const fit = fitChinchilla(r.params, r.tokens, r.loss, { bootstrap: 60, loo: false });
    expect(fit.optimal.a).toBeCloseTo(fit.beta / (fit.alpha + fit.beta), 12);
    expect(Math.abs(fit.optimal.a - t.a)).toBeLessThan(0.05);
    const iv = fit.optimal.intervals.a!;
    expect(iv[0]).toBeLessThanOrEqual(fit.optimal.a);
    expect(iv[1]).toBeGreaterThanOrEqual(fit.optimal.a);
    const { n_opt } = parametricFrontiers(fit.optimal, 6);
    for (const c of BUDGETS) expect(Math.abs(Math.log(frontierAt(n_opt, c) / t.nOpt(c)))).toBeLessThan(0.35);
  });
});

describe("the minimum-loss envelope (approach 1)", () => {
  it("follows the planted frontier over training curves of many sizes", () => {
    const t = truth(CHIN);
    const law = lawOf(CHIN);
    // 16 sizes, each trained to 60x its tokens-per-parameter-20 point; evals every few percent.
    const curves: Curve[] = logspace(1e7, 3e9, 16).map((n) => ({
      params: n,
      points: logspace(0.5 * n, 120 * n, 40).map((d) => ({ flops: 6 * n * d, tokens: d, loss: law(n, d) })),
    }));
    const fit = fitEnvelope(curves, { bootstrap: 50 });
    expect(Math.abs(fit.n_opt!.exponent - t.a)).toBeLessThan(0.06);
    for (const p of fit.points.filter((q) => q.flops > 1e19 && q.flops < 1e21)) expect(Math.abs(Math.log(p.params / t.nOpt(p.flops)))).toBeLessThan(0.5);
    expect(fit.n_opt!.intervals.exponent).not.toBeNull();
  });

  it("warns when the envelope is made of two sizes", () => {
    const law = lawOf(CHIN);
    const curves: Curve[] = [1e8, 3e8].map((n) => ({ params: n, points: logspace(n, 200 * n, 30).map((d) => ({ flops: 6 * n * d, tokens: d, loss: law(n, d) })) }));
    const fit = fitEnvelope(curves, { bootstrap: 0 });
    expect(fit.warnings.some((w) => /only 2 model sizes/.test(w))).toBe(true);
  });
});
