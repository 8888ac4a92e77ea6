import { describe, expect, it } from "vitest";
import type { PlanCurriculum } from "../../src/plan/types.js";
import { competence } from "../../src/runtime/curriculum/pacing.js";
import { CurriculumSampler, type PoolExample } from "../../src/runtime/curriculum/sampler.js";

/** A source whose examples have difficulties spread evenly over [lo, hi]; tokens encode the difficulty. */
function pool(n: number, lo: number, hi: number, len = 12): PoolExample[] {
  return Array.from({ length: n }, (_, i) => {
    const difficulty = lo + ((hi - lo) * i) / (n - 1);
    return { tokens: Array.from({ length: len }, () => 1 + (i % 200)), difficulty, fields: { grade: difficulty, length: len, words: len } };
  });
}

const pools = new Map([
  ["easy", pool(400, 0, 4)],
  ["hard", pool(400, 6, 12)],
]);
const opts = { context: 16, batch: 8, seed: 7, separator: 0, budget: 16 * 8 * 200 };

function run(c: PlanCurriculum, steps: number) {
  const s = new CurriculumSampler(c, pools, opts);
  return Array.from({ length: steps }, (_, k) => s.batch(k));
}

describe("the curriculum sampler", () => {
  const staged: PlanCurriculum = {
    name: "syllabus",
    kind: "staged",
    stages: [
      { name: "early", start: 0, end: 16 * 8 * 50, mixture: [{ source: "easy", weight: 0.8 }, { source: "hard", weight: 0.2 }], filters: [], order: "shuffled" },
      { name: "late", start: 16 * 8 * 50, end: 16 * 8 * 200, mixture: [{ source: "easy", weight: 0.25 }, { source: "hard", weight: 0.75 }], filters: [], order: "shuffled" },
    ],
  };

  it("gives exactly batch x context tokens per step, and stages by the plan's token boundaries", () => {
    const batches = run(staged, 200);
    for (const b of batches) {
      expect(b.inputs.length).toBe(8 * 16);
      expect(b.targets.length).toBe(8 * 16);
    }
    expect(batches.findIndex((b) => b.stage === "late")).toBe(50);
    expect(batches.filter((b) => b.stage === "early").length).toBe(50);
  });

  it("draws each stage's sources in the mixture's shares", () => {
    const batches = run(staged, 200);
    const share = (stage: string, src: string) => {
      const bs = batches.filter((b) => b.stage === stage);
      const n = bs.reduce((a, b) => a + (b.sourceCounts[src] ?? 0), 0);
      return n / (bs.length * 8);
    };
    expect(share("early", "easy")).toBeCloseTo(0.8, 2);
    expect(share("late", "hard")).toBeCloseTo(0.75, 2);
  });

  it("moves the sampled difficulty as the stages say", () => {
    const batches = run(staged, 200);
    const mean = (bs: typeof batches) => bs.reduce((a, b) => a + b.meanDifficulty, 0) / bs.length;
    const early = mean(batches.filter((b) => b.stage === "early"));
    const late = mean(batches.filter((b) => b.stage === "late"));
    expect(early).toBeLessThan(4);
    expect(late).toBeGreaterThan(6);
  });

  it("applies `where` filters", () => {
    const c: PlanCurriculum = { ...staged, stages: [{ ...staged.stages[0]!, end: opts.budget, filters: [{ field: "grade", op: "<=", value: 2 }], mixture: [{ source: "easy", weight: 1 }] }] };
    for (const b of run(c, 20)) expect(b.meanDifficulty).toBeLessThanOrEqual(2);
  });

  it("raises a difficulty ceiling over the pacing span", () => {
    const c: PlanCurriculum = { name: "ceiling", kind: "paced", metric: { kind: "flesch_kincaid" }, from: { kind: "value", value: 2 }, to: { kind: "max" }, start: 0, end: 16 * 8 * 100, fn: { kind: "root", power: 2 }, mixture: null, filters: [] };
    const batches = run(c, 200);
    // At step k the ceiling is 2 + 10 * sqrt(k / 100); every drawn example is under it.
    const first = batches.slice(0, 5).reduce((a, b) => a + b.meanDifficulty, 0) / 5;
    const last = batches.slice(150).reduce((a, b) => a + b.meanDifficulty, 0) / 50;
    expect(first).toBeLessThan(2.5);
    expect(last).toBeGreaterThan(5);
  });

  it("competence pacing widens the eligible share as c(t) says", () => {
    const c: PlanCurriculum = { name: "comp", kind: "competence", metric: { kind: "flesch_kincaid" }, fn: { kind: "linear" }, start_competence: 0.1, full_at: 16 * 8 * 100, descending: false, mixture: null, filters: [] };
    const batches = run(c, 120);
    const mean = (a: number, b: number) => batches.slice(a, b).reduce((x, y) => x + y.meanDifficulty, 0) / (b - a);
    expect(mean(0, 10)).toBeLessThan(mean(45, 55));
    expect(mean(45, 55)).toBeLessThan(mean(100, 120));
  });

  it("orders easy to hard for `ordered`, and hard to easy for the anti control", () => {
    const ordered = run({ name: "o", kind: "ordered", metric: { kind: "length" }, descending: false, mixture: null, filters: [] }, 200);
    const anti = run({ name: "anti", kind: "anti", metric: { kind: "length" }, mixture: null, filters: [] }, 200);
    expect(ordered[10]!.meanDifficulty).toBeLessThan(ordered[190]!.meanDifficulty);
    expect(anti[10]!.meanDifficulty).toBeGreaterThan(anti[190]!.meanDifficulty);
  });

  it("is a pure function of (seed, step): a resumed sampler draws the same batches", () => {
    const a = new CurriculumSampler(staged, pools, opts);
    const b = new CurriculumSampler(staged, pools, opts);
    expect([...b.batch(123).inputs]).toEqual([...a.batch(123).inputs]);
    const other = new CurriculumSampler(staged, pools, { ...opts, seed: 8 });
    expect([...other.batch(123).inputs]).not.toEqual([...a.batch(123).inputs]);
  });

  it("pacing functions start at c0 and reach 1", () => {
    for (const fn of [{ kind: "linear" }, { kind: "root", power: 2 }, { kind: "competence" }, { kind: "exponential" }, { kind: "step", steps: 4 }] as const) {
      expect(competence(fn, 0.2, 0)).toBeCloseTo(0.2, 10);
      expect(competence(fn, 0.2, 1)).toBeCloseTo(1, 10);
      expect(competence(fn, 0.2, 0.5)).toBeGreaterThan(0.2);
    }
    expect(competence({ kind: "root", power: 2 }, 0.1, 0.5)).toBeCloseTo(Math.sqrt(0.01 + 0.99 * 0.5), 12);
  });
});
