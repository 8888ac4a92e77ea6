/**
 * The fitting module's own Levenberg-Marquardt: the laws' analytic Jacobians against finite
 * differences, the k x k algebra, blocked evaluation, and convergence to a stationary point.
 */
import { describe, expect, it } from "vitest";
import { bnslData, bnslModel } from "../../../src/analysis/fit/bnsl.js";
import { lseData, lseModel, lseStarts } from "../../../src/analysis/fit/lse.js";
import { gather, unitPoints, unitsOf } from "../../../src/analysis/fit/data.js";
import { fitFresh, leaveOneOut, MAX_LOO_UNITS, predictLog, refit } from "../../../src/analysis/fit/engine.js";
import { lseSpec } from "../../../src/analysis/fit/laws.js";
import { BLOCK, choleskySolve, groupedPass, multiStart, normal, pass, rankStarts, scratch, solveFrom, type LogModel, type Problem } from "../../../src/analysis/fit/optimize.js";
import { Rng } from "../../../src/analysis/fit/rng.js";
import { brokenLaw, chinchillaLaw, logspace, plant, powerLaw } from "./planted.js";

/** The model's Jacobian at theta against central differences, as the largest relative error. */
function jacobianError(model: LogModel, theta: readonly number[]): number {
  const k = theta.length;
  const n = model.n;
  const f = new Float64Array(n);
  const jac = new Float64Array(n * k);
  model.evaluate(theta, 0, n, f, jac);
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  let worst = 0;
  for (let j = 0; j < k; j++) {
    const h = 1e-6 * Math.max(1, Math.abs(theta[j]!));
    const tp = [...theta];
    const tm = [...theta];
    tp[j]! += h;
    tm[j]! -= h;
    model.evaluate(tp, 0, n, plus, null);
    model.evaluate(tm, 0, n, minus, null);
    for (let i = 0; i < n; i++) {
      const fd = (plus[i]! - minus[i]!) / (2 * h);
      const err = Math.abs(fd - jac[i * k + j]!) / Math.max(1e-3, Math.abs(fd));
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

const idx = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("analytic Jacobians", () => {
  const rng = new Rng(11);
  const jitter = (v: number, s: number) => v + s * (2 * rng.next() - 1);

  it("of the power law and the Chinchilla law match finite differences", () => {
    const x = logspace(1e5, 1e10, 30);
    const p1 = lseData([x], x.map(powerLaw));
    const n2 = logspace(1e6, 1e10, 6).flatMap((n) => logspace(1e7, 1e11, 5).map((d) => [n, d] as const));
    const p2 = lseData([n2.map((c) => c[0]), n2.map((c) => c[1])], n2.map(([n, d]) => chinchillaLaw(n, d)));
    for (let t = 0; t < 10; t++) {
      // Random points across the grid of starts, where the terms trade places in the log-sum-exp.
      const s1 = lseStarts(p1, idx(30));
      const s2 = lseStarts(p2, idx(30));
      const th1 = s1[rng.int(s1.length)]!.map((v) => jitter(v, 0.3));
      const th2 = s2[rng.int(s2.length)]!.map((v) => jitter(v, 0.3));
      expect(jacobianError(lseModel(p1, idx(30)), th1)).toBeLessThan(1e-5);
      expect(jacobianError(lseModel(p2, idx(30)), th2)).toBeLessThan(1e-5);
    }
  });

  it.each([0, 1, 2])("of the broken power law with %i breaks match finite differences", (breaks) => {
    const x = logspace(1e5, 1e10, 40);
    const d = bnslData(x, x.map(brokenLaw));
    const model = bnslModel(d, idx(40), breaks);
    for (let t = 0; t < 10; t++) {
      const theta = [Math.log(0.8), jitter(Math.log(3), 0.5), jitter(0.12, 0.1)];
      for (let b = 0; b < breaks; b++) theta.push(jitter(0.3, 0.2), jitter(b - 0.5, 1), Math.log(0.3 + rng.next()));
      expect(jacobianError(model, theta)).toBeLessThan(1e-5);
    }
  });
});

describe("the solver's pieces", () => {
  it("solves a damped symmetric system by Cholesky", () => {
    // A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]] (lower triangle given), damping 0.5.
    const a = Float64Array.from([4, 0, 0, 2, 5, 0, 0.4, 1, 3]);
    const x = new Float64Array(3);
    expect(choleskySolve(a, 0.5, [1, 2, 3], x, new Float64Array(9))).toBe(true);
    const full = [
      [4.5, 2, 0.4],
      [2, 5.5, 1],
      [0.4, 1, 3.5],
    ];
    full.forEach((row, i) => expect(row.reduce((s, v, j) => s + v * x[j]!, 0)).toBeCloseTo([1, 2, 3][i]!, 12));
    // Indefinite: refused, not a wrong answer.
    expect(choleskySolve(Float64Array.from([1, 0, 2, 1]), 0, [1, 1], new Float64Array(2), new Float64Array(4))).toBe(false);
  });

  it("gives the same loss and normal equations however the points fall into blocks", () => {
    const n = 3 * BLOCK + 17;
    const p = plant(
      logspace(1e6, 1e10, n).map((x) => [x, 0] as const),
      (x) => powerLaw(x),
      0.015,
      1,
      3,
    );
    const d = lseData([p.x], p.y);
    const model = lseModel(d, idx(n));
    const theta = [0.5, 0.1, 0.3];
    const problem: Problem = { model, target: d.logY, delta: 1e-3 };
    const normal = { jtj: new Float64Array(9), g: new Float64Array(3) };
    const loss = pass(problem, theta, scratch(3), normal);
    // The same sums, point by point from one whole-table evaluation.
    const f = new Float64Array(n);
    const jac = new Float64Array(n * 3);
    model.evaluate(theta, 0, n, f, jac);
    let l2 = 0;
    const g2 = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const r = f[i]! - d.logY[i]!;
      const a = Math.abs(r);
      l2 += a <= 1e-3 ? 0.5 * r * r : 1e-3 * (a - 0.5e-3);
      const psi = a <= 1e-3 ? r : Math.sign(r) * 1e-3;
      for (let j = 0; j < 3; j++) g2[j]! += psi * jac[i * 3 + j]!;
    }
    expect(loss).toBeCloseTo(l2, 9);
    g2.forEach((v, j) => expect(normal.g[j]!).toBeCloseTo(v, 9));
  });
});

describe("convergence", () => {
  it("stops at a point where the Huber loss cannot be lowered along any parameter (Chinchilla law)", () => {
    const cells = logspace(1e6, 1e10, 8).flatMap((n) => logspace(1e7, 1e11, 6).map((d) => [n, d] as const));
    const p = plant(cells, chinchillaLaw, 0.015, 2, 0);
    const d = lseData([p.x, p.x2], p.y);
    const all = idx(p.y.length);
    const problem: Problem = { model: lseModel(d, all), target: d.logY, delta: 1e-3 };
    const best = multiStart(problem, rankStarts(problem, lseStarts(d, all)), 8);
    const s = scratch(5);
    for (let j = 0; j < 5; j++)
      for (const h of [1e-4, -1e-4]) {
        const t = [...best.theta];
        t[j]! += h;
        expect(pass(problem, t, s, null)).toBeGreaterThanOrEqual(best.loss * (1 - 1e-12));
      }
    // And the Gauss-Newton step from there is nil: the gradient vanishes.
    const normal = { jtj: new Float64Array(25), g: new Float64Array(5) };
    pass(problem, best.theta, s, normal);
    const step = new Float64Array(5);
    expect(choleskySolve(normal.jtj, 0, normal.g, step, new Float64Array(25))).toBe(true);
    for (const v of step) expect(Math.abs(v)).toBeLessThan(1e-5);
  });
});

describe("sums over groups, and solves that start from them", () => {
  const cells = logspace(1e6, 1e10, 40).flatMap((n) => logspace(1e7, 1e11, 30).map((d) => [n, d] as const));
  const p = plant(cells, chinchillaLaw, 0.015, 5, 4);
  const d = lseData([p.x, p.x2], p.y);
  const n = p.y.length;
  const all = idx(n);
  const theta = [0.5, -0.2, 0.3, 0.2, 0.3];

  it("groupedPass gives each group the sums a pass over its points alone gives", () => {
    const groups = 7;
    const groupOf = Int32Array.from(all, (i) => (i * 5) % groups);
    const problem: Problem = { model: lseModel(d, all), target: d.logY, delta: 1e-3 };
    const losses = new Float64Array(groups);
    const normals = Array.from({ length: groups }, () => normal(5));
    groupedPass(problem, theta, scratch(5), groupOf, losses, normals);
    for (let q = 0; q < groups; q++) {
      const own = all.filter((i) => groupOf[i] === q);
      const sub: Problem = { model: lseModel(d, own), target: gather(d.logY, own), delta: 1e-3 };
      const alone = normal(5);
      expect(losses[q]).toBeCloseTo(pass(sub, theta, scratch(5), alone), 12);
      alone.g.forEach((v, j) => expect(normals[q]!.g[j]).toBeCloseTo(v, 10));
      alone.jtj.forEach((v, j) => expect(normals[q]!.jtj[j]).toBeCloseTo(v, 8));
    }
  });

  it.each([
    ["least squares", Infinity, false],
    ["Huber", 1e-3, false],
    ["Huber, own curvature", 1e-3, true],
  ])("solveFrom with the sums at its start known reaches the solve without them (%s)", (_, delta, huberCurvature) => {
    const problem: Problem = { model: lseModel(d, all), target: d.logY, delta, huberCurvature };
    const at = normal(5);
    const known = { loss: pass(problem, theta, scratch(5), at), normal: at };
    const plain = solveFrom(problem, theta);
    const started = solveFrom(problem, theta, undefined, known);
    expect(started.loss).toBe(plain.loss);
    expect(started.theta).toEqual(plain.theta);
    // A start outside the bounds is clamped first, and what was known there is not used.
    const outside = [...theta];
    outside[2] = -1;
    expect(solveFrom(problem, outside, undefined, known)).toEqual(solveFrom(problem, outside));
  });

  it.each([
    ["leave-one-out", 50, 2],
    ["10-fold", 150, 2],
    ["leave-one-out, large", 50, 5],
    ["10-fold, large", 150, 5],
  ])("%s error equals refits of each remainder from the full fit", (_, count, seeds) => {
    // 2,400 points, or 6,000: beyond LARGE_POINTS, where the refits use the Huber loss's own curvature.
    const p = plant(cells, chinchillaLaw, 0.015, seeds, 4);
    const d = lseData([p.x, p.x2], p.y);
    const n = p.y.length;
    const all = idx(n);
    const units = unitsOf(n, all.map((i) => `unit ${i % count}`));
    const members = unitPoints(units);
    const spec = lseSpec(d, [{ label: "N", values: p.x }, { label: "D", values: p.x2 }], "Chinchilla", 8, 1e-3);
    const warm = fitFresh(spec, all).solution.theta;
    const folds = count > MAX_LOO_UNITS ? 10 : count;
    let sum = 0;
    for (let fold = 0; fold < folds; fold++) {
      const held = members.filter((_, u) => u % folds === fold).flat().sort((a, b) => a - b);
      const train = all.filter((i) => !held.includes(i));
      const t = refit(spec, train, [warm]).theta;
      const f = predictLog(spec, held, t);
      held.forEach((i, j) => (sum += Math.abs(f[j]! - spec.target[i]!)));
    }
    expect(leaveOneOut(spec, units, warm)! / (sum / n) - 1).toBeCloseTo(0, 9);
  });
});
