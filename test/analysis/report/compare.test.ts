import { describe, expect, it } from "vitest";
import { analyze } from "../../../src/analysis/report/analyze.js";
import { runCompare } from "../../../src/analysis/report/compare.js";
import { runProgression } from "../../../src/analysis/report/progression.js";
import { stageTable } from "../../../src/analysis/report/stages.js";
import { loadRun } from "../../../src/analysis/rundir.js";
import { firstCrossing, interpLogX, linearFit, tInterval } from "../../../src/analysis/stats.js";
import { type LossArgs, writeSyntheticRun } from "./synthetic.js";

const SIZES = [
  ["p10k", 10_000],
  ["p40k", 40_000],
  ["p300k", 300_000],
] as const;

/** Linear in log tokens, so interpolation in log tokens is exact and the token ratio is known. */
function linearLoss(delta: (a: LossArgs) => number) {
  return (a: LossArgs) => 4 - 0.2 * Math.log(a.tokens / 1000) - 0.1 * Math.log10(a.params / 1e4) + (a.bucket === null ? 0 : 0.1 * a.bucket) + delta(a);
}

describe("stats", () => {
  it("t-interval over seeds, and none for one seed", () => {
    const e = tInterval([-0.06, -0.05, -0.04]);
    expect(e.mean).toBeCloseTo(-0.05, 12);
    expect(e.lo).toBeCloseTo(-0.05 - (4.303 * 0.01) / Math.sqrt(3), 6);
    expect(e.method).toBe("t");
    expect(tInterval([1.5])).toMatchObject({ mean: 1.5, lo: null, hi: null, method: "n/a (1 seed)" });
  });

  it("interpolates in log x and finds the first crossing", () => {
    const curve = [
      { x: 100, y: 3 },
      { x: 10_000, y: 2 },
    ];
    expect(interpLogX(curve, 1000)).toBeCloseTo(2.5, 12);
    expect(interpLogX(curve, 50)).toBeNull();
    expect(firstCrossing(curve, 2.5).x).toBeCloseTo(1000, 6);
    expect(firstCrossing(curve, 3.5)).toEqual({ x: 100, censored: "below" });
    expect(firstCrossing(curve, 1)).toEqual({ x: 10_000, censored: "never" });
  });

  it("fits a line with a slope interval", () => {
    const f = linearFit([1, 2, 3, 4], [1, 3, 5, 7.1])!;
    expect(f.slope).toBeCloseTo(2.03, 2);
    expect(f.slope_interval![0]).toBeLessThan(f.slope);
    expect(linearFit([1, 1], [2, 3])).toBeNull();
  });
});

describe("compare", () => {
  const noise = (a: LossArgs) => (a.curriculum === "syllabus" ? 0.01 * (a.seed - 1) : 0);
  const delta = (a: LossArgs) => (a.curriculum === "syllabus" ? -0.05 - (a.bucket === null ? 0 : 0.02 * a.bucket) + noise(a) : 0);
  const dir = writeSyntheticRun({
    curricula: [
      { name: "syllabus", kind: "staged", stages: [["early", 0.25], ["late", 1]] },
      { name: "shuffled", kind: "shuffled" },
    ],
    sizes: SIZES,
    seeds: [0, 1, 2],
    buckets: 3,
    analyses: [{ kind: "compare", subjects: ["syllabus"], baseline: "shuffled", at: "flops", target: null }],
    loss: linearLoss(delta),
  });
  const run = loadRun(dir);

  it("gives the final loss difference at equal FLOPs with a paired t-interval over seeds", () => {
    const [c] = runCompare(run, { subjects: ["syllabus"], baseline: "shuffled", at: "flops", target: null, origin: "plan" });
    expect(c!.rows).toHaveLength(3);
    for (const r of c!.rows) {
      expect(r.seeds).toEqual([0, 1, 2]);
      expect(r.diff.paired).toBe(true);
      expect(r.diff.mean).toBeCloseTo(-0.05, 9);
      expect(r.diff.lo).toBeCloseTo(-0.05 - (4.303 * 0.01) / Math.sqrt(3), 6);
      expect(r.diff.hi).toBeCloseTo(-0.05 + (4.303 * 0.01) / Math.sqrt(3), 6);
      expect(r.at_value).toBe(6 * r.params * 400_000);
    }
  });

  it("compares along another axis of the grid (grown against from-scratch)", () => {
    // The same cells, relabelled: one curriculum, and an axis `grow` that was the curriculum before.
    const relabel = (c: (typeof run.cells)[number]) => {
      const grow = c.cell.axes["curriculum"] === "syllabus" ? "on" : "off";
      return { ...c, cell: { ...c.cell, axes: { curriculum: "shuffled", grow } } };
    };
    const byAxis = { ...run, plan: { ...run.plan, cells: run.plan.cells.map((cell) => relabel({ cell } as never).cell) }, cells: run.cells.map(relabel) };
    const [c] = runCompare(byAxis, { axis: "grow", subjects: ["on"], baseline: "off", at: "flops", target: null, origin: "plan" });
    expect(c!.axis).toBe("grow");
    expect(c!.rows).toHaveLength(3);
    for (const r of c!.rows) expect(r.diff.mean).toBeCloseTo(-0.05, 9);
  });

  it("gives the ratio of tokens to reach the baseline's final loss, interpolated in log tokens", () => {
    const [c] = runCompare(run, { subjects: ["syllabus"], baseline: "shuffled", at: "flops", target: null, origin: "plan" });
    for (const r of c!.rows) {
      // L = c - 0.2 ln t + d: the subject reaches the baseline's final loss at t = T exp(d / 0.2).
      const perSeed = r.per_seed.map((p) => p.ratio!);
      expect(perSeed[0]).toBeCloseTo(Math.exp(-0.06 / 0.2), 6);
      expect(perSeed[2]).toBeCloseTo(Math.exp(-0.04 / 0.2), 6);
      expect(r.ratio.mean).toBeCloseTo(Math.exp(-0.25), 6);
      expect(r.ratio.bound).toBeNull();
      expect(r.ratio.lo).toBeCloseTo(Math.exp(-0.25 - (4.303 * 0.05) / Math.sqrt(3)), 3);
      expect(r.per_seed[0]!.baseline_tokens).toBe(400_000);
    }
  });

  it("uses the plan's target when there is one, and bounds a ratio the subject never reached", () => {
    const [c] = runCompare(run, { subjects: ["shuffled"], baseline: "syllabus", at: "tokens", target: null, origin: "plan" });
    // shuffled never reaches syllabus's final loss: a lower bound on the ratio.
    for (const r of c!.rows) {
      expect(r.ratio.bound).toBe(">");
      expect(r.diff.mean).toBeCloseTo(0.05, 9);
    }
    const [t] = runCompare(run, { subjects: ["syllabus"], baseline: "shuffled", at: "flops", target: 3.0, origin: "plan" });
    const r = t!.rows[0]!;
    expect(r.target).toBe(3.0);
    // Baseline p10k: 4 - 0.2 ln(t/1000) = 3 at t = 1000 e^5; subject earlier by e^(d/0.2).
    expect(r.per_seed[1]!.baseline_tokens).toBeCloseTo(1000 * Math.exp(5), 3);
    expect(r.per_seed[1]!.ratio).toBeCloseTo(Math.exp(-0.25), 6);
  });

  it("compares per difficulty bucket", () => {
    const [c] = runCompare(run, { subjects: ["syllabus"], baseline: "shuffled", at: "flops", target: null, origin: "plan" });
    const b = c!.buckets.filter((r) => r.size === "p40k");
    expect(b.map((r) => r.metric)).toEqual(["b1", "b2", "b3"]);
    expect(b.map((r) => Number(r.diff.mean.toFixed(9)))).toEqual([-0.05, -0.07, -0.09]);
    expect(b[2]!.ratio.mean).toBeCloseTo(Math.exp(-0.09 / 0.2), 6);
  });

  it("reports the loss at each stage boundary and the gap to the baseline there", () => {
    const t = stageTable(run);
    expect(t.reference?.name).toBe("shuffled");
    const early = t.rows.filter((r) => r.stage === "early");
    expect(early).toHaveLength(3);
    expect(early[0]!.eval_tokens).toBe(100_000);
    expect(early[0]!.gap!.mean).toBeCloseTo(-0.05, 9);
    expect(early[0]!.buckets.map((b) => b.label)).toEqual(["b1", "b2", "b3"]);
    expect(early[0]!.loss.mean).toBeCloseTo(4 - 0.2 * Math.log(100) - 0.05, 9);
  });

  it("with one seed says n/a (1 seed) instead of an interval", () => {
    const one = loadRun(
      writeSyntheticRun({
        curricula: [
          { name: "syllabus", kind: "staged", stages: [["early", 0.25], ["late", 1]] },
          { name: "shuffled", kind: "shuffled" },
        ],
        sizes: SIZES,
        seeds: [0],
        loss: linearLoss(delta),
      }),
    );
    const a = analyze(one, { fitter: null });
    const c = a.comparisons[0]!;
    expect(c.origin).toBe("report");
    expect(c.rows[0]!.diff).toMatchObject({ method: "n/a (1 seed)", lo: null, hi: null });
    expect(c.rows[0]!.ratio.method).toBe("n/a (1 seed)");
    expect(a.notes.join("\n")).toContain("one seed");
  });
});

describe("progression", () => {
  // The curriculum helps small models and hurts large ones: gap = 0.02 (log10 N - 5), zero at N = 1e5.
  const delta = (a: LossArgs) => {
    if (a.curriculum !== "syllabus") return 0;
    const full = 0.02 * (Math.log10(a.params) - 5);
    // The early stage (first quarter) gains -0.04 on the baseline, the late stage gives back the rest.
    const early = -0.04 * Math.min(1, a.tokens / 100_000);
    const late = (full + 0.04) * Math.max(0, (a.tokens - 100_000) / 300_000);
    return early + late;
  };
  const run = loadRun(
    writeSyntheticRun({
      curricula: [
        { name: "syllabus", kind: "staged", stages: [["early", 0.25], ["late", 1]] },
        { name: "shuffled", kind: "shuffled" },
      ],
      sizes: SIZES,
      seeds: [0, 1],
      loss: linearLoss(delta),
    }),
  );

  it("ranks curricula per size and finds where the gap changes sign", () => {
    const p = runProgression(run, { y: "curriculum", x: "params", origin: "report" });
    expect(p.reference?.name).toBe("shuffled");
    expect(p.sizes.map((s) => s.best)).toEqual(["syllabus", "syllabus", "shuffled"]);
    const t = p.trends.find((x) => x.name === "syllabus")!;
    expect(t.linear!.slope).toBeCloseTo(0.02, 9);
    expect(t.linear!.intercept).toBeCloseTo(-0.1, 9);
    const observed = t.crossovers.find((c) => c.kind === "observed")!;
    const trend = t.crossovers.find((c) => c.kind === "trend")!;
    expect(observed.x).toBeCloseTo(1e5, -1);
    expect(trend.x).toBeCloseTo(1e5, -1);
    expect(trend.within).toBe(true);
    expect(trend.below).toBe("-");
  });

  it("calls a sign change only when the gaps' intervals exclude zero", () => {
    // One seed: no interval on any gap, so no observed sign change (the trend line's is still given).
    const oneSeed = loadRun(writeSyntheticRun({ curricula: [{ name: "syllabus", kind: "staged", stages: [["early", 0.25], ["late", 1]] }, { name: "shuffled", kind: "shuffled" }], sizes: SIZES, seeds: [0], loss: linearLoss(delta) }));
    const t1 = runProgression(oneSeed, { y: "curriculum", x: "params", origin: "report" }).trends.find((x) => x.name === "syllabus")!;
    expect(t1.crossovers.filter((c) => c.kind === "observed")).toEqual([]);
    // Seeds whose noise swamps a tiny gap: the gap flips sign between sizes, but inside the noise.
    const noisy = loadRun(
      writeSyntheticRun({
        curricula: [{ name: "syllabus", kind: "staged", stages: [["early", 0.25], ["late", 1]] }, { name: "shuffled", kind: "shuffled" }],
        sizes: SIZES,
        seeds: [0, 1, 2],
        loss: (a) => linearLoss(() => 0)(a) + (a.curriculum === "syllabus" ? 0.001 * Math.sign(Math.log10(a.params) - 5.2) : 0) + 0.05 * Math.sin(a.seed * 2.1 + a.params),
      }),
    );
    const t2 = runProgression(noisy, { y: "curriculum", x: "params", origin: "report" }).trends.find((x) => x.name === "syllabus")!;
    expect(t2.points.some((p) => p.gap > 0) && t2.points.some((p) => p.gap < 0)).toBe(true);
    expect(t2.crossovers).toEqual([]);
  });

  it("ranks stages by what they gained on the reference", () => {
    const p = runProgression(run, { y: "stage", x: "params", origin: "report" });
    expect(p.sizes).toHaveLength(3);
    for (const s of p.sizes) {
      expect(s.best).toBe("early");
      expect(s.entries.find((e) => e.name === "early")!.value).toBeCloseTo(-0.04, 9);
    }
    const late = p.trends.find((t) => t.name === "late")!;
    expect(late.linear!.slope).toBeCloseTo(0.02, 9);
    // The late stage gives back 0.04 + 0.02 (log10 N - 5): zero at log10 N = 3, below the sizes measured.
    const tr = late.crossovers.find((c) => c.kind === "trend")!;
    expect(tr.x).toBeCloseTo(1000, 3);
    expect(tr.within).toBe(false);
  });
});
