/**
 * The sampler's usage, its timeline on data used, and drawing without replacement: in-memory pools,
 * no training. The trained end-to-end check is in ceiling-run.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Plan, PlanCurriculum, PlanStage } from "../../src/plan/types.js";
import { checkMixes } from "../../src/runtime/curriculum/mixcheck.js";
import { EpochDraws } from "../../src/runtime/curriculum/draws.js";
import { CurriculumSampler, type PoolExample } from "../../src/runtime/curriculum/sampler.js";
import { Rng } from "../../src/runtime/rng.js";

/** n examples with difficulties evenly over [lo, hi], each `len` tokens long. */
function pool(n: number, lo: number, hi: number, len = 5): PoolExample[] {
  return Array.from({ length: n }, (_, i) => ({ tokens: Array.from({ length: len }, () => 1 + (i % 200)), difficulty: lo + ((hi - lo) * i) / (n - 1), fields: { grade: 0, length: len, words: len } }));
}

const pools = new Map([
  ["easy", pool(1000, 0, 4)],
  ["hard", pool(1000, 6, 12)],
]);
// Rows of 17 tokens hold at most 3 examples of 5 tokens (with separators): at most 24 draws a step.
const opts = { context: 16, batch: 8, seed: 3, separator: 0, budget: 16 * 8 * 400 };
const MAX_DRAWS_PER_STEP = 8 * 3;

const paced = (over: Extract<PlanCurriculum, { kind: "paced" }>["end"], draw?: "without_replacement"): PlanCurriculum => ({
  name: "ceiling",
  kind: "paced",
  metric: { kind: "flesch_kincaid" },
  from: { kind: "value", value: 1 },
  to: { kind: "quantile", value: 0.99 },
  start: 0,
  end: over,
  fn: { kind: "root", power: 2 },
  mixture: null,
  filters: [],
  ...(draw ? { draw } : {}),
});

function run(c: PlanCurriculum, steps: number) {
  const s = new CurriculumSampler(c, pools, opts);
  return { sampler: s, batches: Array.from({ length: steps }, (_, k) => s.batch(k)) };
}

describe("usage", () => {
  it("counts examples drawn at least once, per source, and reports the shares after each batch", () => {
    const { sampler, batches } = run({ name: "s", kind: "shuffled", metric: { kind: "length" }, mixture: null, filters: [] }, 50);
    const easy = sampler.usageOf("easy");
    expect(easy.examples).toBe(1000);
    expect(easy.used).toBeGreaterThan(0);
    // With replacement, over 50 steps of ~1,000 draws from 2,000 examples, some are drawn twice.
    expect(easy.used).toBeLessThan(easy.draws);
    expect(batches.at(-1)!.used).toEqual({ easy: easy.used / 1000, hard: sampler.usageOf("hard").used / 1000 });
    // Usage never falls.
    for (let k = 1; k < batches.length; k++) expect(batches[k]!.used["easy"]!).toBeGreaterThanOrEqual(batches[k - 1]!.used["easy"]!);
  });
});

describe("a ceiling over a share of data used", () => {
  it("reaches its top at the first step that begins with the share used, and says so", () => {
    const { batches } = run(paced({ kind: "data_used", source: "easy", share: 0.1 }), 200);
    const at = batches.findIndex((b) => b.marks.some((m) => m.event === "pace_full"));
    expect(at).toBeGreaterThan(0);
    const mark = batches[at]!.marks.find((m) => m.event === "pace_full")!;
    // Usage before step `at` is what batch `at - 1` left: at least 10%, and below it one step earlier.
    expect(mark.used["easy"]).toBe(batches[at - 1]!.used["easy"]);
    expect(mark.used["easy"]!).toBeGreaterThanOrEqual(0.1);
    expect(mark.used["easy"]! - 0.1).toBeLessThanOrEqual(MAX_DRAWS_PER_STEP / 1000);
    expect(at === 1 || batches[at - 2]!.used["easy"]! < 0.1).toBe(true);
    // Only the one mark, and the ceiling rose: hard examples are drawn after it, none at the start.
    expect(batches.flatMap((b) => b.marks)).toHaveLength(1);
    expect(batches[0]!.meanDifficulty).toBeLessThan(1.01);
    expect(batches.slice(at, at + 20).some((b) => b.meanDifficulty > 6)).toBe(true);
  });

  it("rises on data, not on time: a larger share of easy takes longer", () => {
    const fullAt = (share: number) => run(paced({ kind: "data_used", source: "easy", share }), 400).batches.findIndex((b) => b.marks.length > 0);
    expect(fullAt(0.05)).toBeLessThan(fullAt(0.1));
    expect(fullAt(0.1)).toBeLessThan(fullAt(0.2));
  });

  it("a ceiling over a share of the budget reports its top too, at the pace's end", () => {
    const { batches } = run(paced(16 * 8 * 30), 40);
    expect(batches.findIndex((b) => b.marks.some((m) => m.event === "pace_full"))).toBe(30);
  });

  it("a share never reached is reported at the end", () => {
    const s = new CurriculumSampler(paced({ kind: "data_used", source: "easy", share: 0.9 }), pools, opts);
    for (let k = 0; k < 20; k++) s.batch(k);
    const [mark] = s.unreached(20);
    expect(mark).toMatchObject({ event: "not_reached", what: "pace", source: "easy", share: 0.9 });
    expect(mark!.used["easy"]!).toBeLessThan(0.9);
  });
});

describe("stages that end on data used", () => {
  const stages: PlanStage[] = [
    { name: "first", start: 0, end: { kind: "data_used", source: "easy", share: 0.2 }, mixture: [{ source: "easy", weight: 1 }], filters: [], order: "shuffled" },
    { name: "second", start: { kind: "after", stage: "first" }, end: { kind: "data_used", source: "easy", share: 0.2 }, mixture: [{ source: "easy", weight: 0.5 }, { source: "hard", weight: 0.5 }], filters: [], order: "shuffled" },
    { name: "rest", start: { kind: "after", stage: "second" }, end: opts.budget, mixture: [{ source: "hard", weight: 1 }], filters: [], order: "shuffled" },
  ];
  const staged: PlanCurriculum = { name: "s", kind: "staged", stages, draw: "without_replacement" };

  it("move on when the share used since the stage began is reached, with a mark naming the stage", () => {
    const { sampler, batches } = run(staged, 120);
    const ends = batches.flatMap((b, k) => b.marks.map((m) => ({ k, m })));
    expect(ends.map((e) => e.m.event === "stage_end" && [e.m.stage, e.m.next])).toEqual([
      ["first", "second"],
      ["second", "rest"],
    ]);
    const [first, second] = ends;
    // Without replacement every draw of easy is a new example until 20% + 20% of it are used.
    expect(first!.m.used["easy"]!).toBeGreaterThanOrEqual(0.2);
    expect(second!.m.used["easy"]! - first!.m.used["easy"]!).toBeGreaterThanOrEqual(0.2);
    expect(batches[first!.k - 1]!.stage).toBe("first");
    expect(batches[first!.k]!.stage).toBe("second");
    expect(batches[second!.k]!.stage).toBe("rest");
    expect(sampler.stageAt(first!.k - 1)).toBe("first");
    expect(sampler.stageAt(second!.k)).toBe("rest");
    expect(sampler.unreached(120)).toEqual([]);
  });

  it("a stage that never reaches its share runs to the end and is reported", () => {
    const s = new CurriculumSampler(staged, pools, opts);
    for (let k = 0; k < 3; k++) expect(s.batch(k).stage).toBe("first");
    expect(s.unreached(3)).toMatchObject([{ event: "not_reached", what: "stage first", source: "easy", share: 0.2 }]);
  });
});

describe("drawing without replacement", () => {
  it("uses a new example with every draw until the pool's epoch is spent, then starts another", () => {
    const c: PlanCurriculum = { name: "s", kind: "shuffled", metric: { kind: "length" }, mixture: [{ source: "easy", weight: 1 }], filters: [], draw: "without_replacement" };
    const s = new CurriculumSampler(c, pools, opts);
    let k = 0;
    while (s.usageOf("easy").draws < 1000) {
      s.batch(k++);
      const u = s.usageOf("easy");
      if (u.draws <= 1000) expect(u.used).toBe(u.draws);
    }
    expect(s.usageOf("easy").used).toBe(1000);
    // With replacement the same draws use fewer examples.
    const { draw: _without, ...withReplacement } = c;
    const w = new CurriculumSampler(withReplacement, pools, opts);
    for (let j = 0; j < k; j++) w.batch(j);
    expect(w.usageOf("easy").used).toBeLessThan(w.usageOf("easy").draws);
  });

  it("lets examples that become eligible join the epoch, and repeats none before the eligible ones are spent", () => {
    const d = new EpochDraws(100);
    const rng = new Rng(1);
    const seen = new Set<number>();
    // The eligible prefix grows 10, 20, ..., 100 while 8 draws are made at each size: never exhausted.
    for (let k = 10; k <= 100; k += 10) {
      for (let j = 0; j < 8; j++) {
        const i = d.pick(rng, k);
        expect(i).toBeLessThan(k);
        expect(seen.has(i)).toBe(false);
        seen.add(i);
      }
    }
    expect(d.epochs).toBe(1);
    // Drawing out the rest of the 100 ends the epoch; the next draw starts a second one.
    while (seen.size < 100) seen.add(d.pick(rng, 100));
    expect(d.epochs).toBe(1);
    d.pick(rng, 100);
    expect(d.epochs).toBe(2);
  });

  it("draws the same batches whatever was asked before: replayed from step 0 (as on resume)", () => {
    const c = paced({ kind: "data_used", source: "easy", share: 0.1 }, "without_replacement");
    const { batches } = run(c, 80);
    const fresh = new CurriculumSampler(c, pools, opts);
    expect(Array.from(fresh.batch(70).inputs)).toEqual(Array.from(batches[70]!.inputs));
    expect(fresh.batch(70).used).toEqual(batches[70]!.used);
    // Back to an earlier step: the state starts over and draws it again.
    expect(Array.from(fresh.batch(12).inputs)).toEqual(Array.from(batches[12]!.inputs));
    expect(fresh.batch(12).marks).toEqual(batches[12]!.marks);
    const other = new CurriculumSampler(c, pools, { ...opts, seed: 4 });
    expect(Array.from(other.batch(70).inputs)).not.toEqual(Array.from(batches[70]!.inputs));
  });

  it("leaves the draws with replacement as they were: the same batches as before usage was counted", () => {
    // Draws with replacement depend on (seed, step) alone, so step 30 asked first equals step 30 drawn in order.
    const c = paced(16 * 8 * 100);
    const { batches } = run(c, 31);
    expect(Array.from(new CurriculumSampler(c, pools, opts).batch(30).inputs)).toEqual(Array.from(batches[30]!.inputs));
  });
});

describe("the check before training", () => {
  it("stops a stage whose filter keeps less of its source than the share it lasts for", () => {
    const stage: PlanStage = { name: "first", start: 0, end: { kind: "data_used", source: "easy", share: 0.3 }, mixture: [{ source: "easy", weight: 1 }], filters: [{ field: "difficulty", op: "<=", value: 1 }], order: "shuffled" };
    const last: PlanStage = { name: "rest", start: { kind: "after", stage: "first" }, end: opts.budget, mixture: [{ source: "hard", weight: 1 }], filters: [], order: "shuffled" };
    const plan = { data: { difficulty: { kind: "flesch_kincaid" } }, cells: [{ curriculum: { name: "s", kind: "staged", stages: [stage, last] } }], positions: { mixes: [] } } as unknown as Plan;
    expect(() => checkMixes(plan, () => pools)).toThrow(/stage `first` of curriculum `s` lasts until 30% of `easy` has been used, but its filter keeps only 250 of its 1,000 training examples \(25%\), so it could never end/);
    const loose = { ...stage, filters: [{ field: "difficulty", op: "<=", value: 2 } as const] };
    const ok = { ...plan, cells: [{ curriculum: { name: "s", kind: "staged", stages: [loose, last] } }] } as unknown as Plan;
    expect(() => checkMixes(ok, () => pools)).not.toThrow();
  });
});
