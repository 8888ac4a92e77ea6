import { describe, expect, it } from "vitest";
import { analyze, buildReport } from "../../../src/analysis/report/index.js";
import { clipAccuracy, parseTaskKey } from "../../../src/analysis/report/tasks.js";
import { loadRun } from "../../../src/analysis/rundir.js";
import { type AccuracyArgs, type LossArgs, type SynthOptions, testFitter, writeSyntheticRun } from "./synthetic.js";

const loss = (a: LossArgs) => 2 + 30 * a.params ** -0.3 + 20 * (a.tokens / 1000) ** -0.5 + (a.bucket ?? 0) * 0.1 + 0.002 * a.seed;

/** Emergence: near chance below `at` params, then a jump; level 2 is harder; held-out entities lag. */
function emergent(at: number) {
  return (a: AccuracyArgs) => {
    const shift = a.task.endsWith("heldout_entities") ? 2 : 1;
    const jump = 0.85 / (1 + ((at * shift) / a.params) ** 4);
    return Math.max(0, 0.03 + jump - (a.level - 1) * 0.1 + 0.01 * (a.seed - 0.5) * Math.sin(a.params));
  };
}

const SIZES = [1e4, 2e4, 4e4, 8e4, 1.6e5, 3.2e5, 6.4e5, 1.28e6].map((p) => [`p${p / 1000}k`, p] as const);

const TASKS: SynthOptions = {
  curricula: [{ name: "shuffled", kind: "shuffled" }],
  sizes: SIZES.slice(0, 4),
  seeds: [0, 1],
  evals: 2,
  tasks: ["facts.qa", "facts.qa on heldout_entities"],
  accuracy: emergent(3e4),
  analyses: [
    { kind: "fit", law: "power_law", y: "accuracy", xs: ["params"], by: ["task"] },
    { kind: "breaks", y: "accuracy", x: "params", max: 2, by: ["task"] },
  ],
  loss,
};

describe("task accuracy in the report", () => {
  it("reads the tasks field of eval records, leaving out malformed entries with a note", () => {
    const run = loadRun(writeSyntheticRun({ ...TASKS, analyses: [] }));
    const ev = run.cells[1]!.evals.at(-1)!;
    expect(Object.keys(ev.tasks!)).toEqual(["facts.qa", "facts.qa on heldout_entities"]);
    expect(ev.tasks!["facts.qa"]).toMatchObject({ n: 200, by_level: { "1": { n: 100 }, "2": { n: 100 } } });
    expect(ev.tasks!["facts.qa"]!.accuracy).toBeCloseTo((ev.tasks!["facts.qa"]!.by_level["1"]!.accuracy + ev.tasks!["facts.qa"]!.by_level["2"]!.accuracy) / 2, 12);

    const bad = writeSyntheticRun({
      ...TASKS,
      analyses: [],
      extra: { "shuffled/p10k/s0": [{ kind: "eval", step: 1, tokens: 1000, flops: 1, loss: 3, by_source: {}, by_bucket: [], tasks: { "a.b": { accuracy: 1.5, n: 10, by_level: {} }, "c.d": { accuracy: 0.5, n: 10, by_level: { "1": { accuracy: "x" } } } } }] },
    });
    const r = loadRun(bad);
    expect(r.notes.join("\n")).toContain("shuffled/p10k/s0: skipped 2 malformed task results");
    expect(Object.keys(r.cells[0]!.evals.find((e) => e.step === 1)!.tasks!)).toEqual(["c.d"]);
  });

  it("splits task keys and clips saturated accuracies", () => {
    expect(parseTaskKey("facts.qa")).toEqual({ key: "facts.qa", task: "facts.qa", source: "facts", mode: "qa", split: "heldout" });
    expect(parseTaskKey("facts.qa on heldout_entities")).toMatchObject({ task: "facts.qa", split: "heldout_entities" });
    expect(clipAccuracy(0, 50)).toEqual({ value: 0.01, clipped: true });
    expect(clipAccuracy(1, 50)).toEqual({ value: 0.99, clipped: true });
    expect(clipAccuracy(0.5, 50)).toEqual({ value: 0.5, clipped: false });
  });

  it("fits accuracy by task as an error rate, tabulates it per size and level, and plots it", () => {
    const r = buildReport(loadRun(writeSyntheticRun(TASKS)), { fitter: testFitter, bootstrap: 10 });
    const a = r.analysis;
    const fit = a.fits.find((f) => f.id === "power_law(accuracy ~ params) by task")!;
    expect(fit.response).toBe("error_rate");
    expect(fit.groups.map((g) => g.label)).toEqual(["task=facts.qa, split=heldout", "task=facts.qa, split=heldout_entities"]);
    const g = fit.groups[0]!;
    expect(g.points).toHaveLength(8);
    for (const p of g.points) {
      expect(p.n).toBe(200);
      expect(p.fitted).toBeCloseTo(1 - p.y, 12);
    }
    expect(g.fit?.law).toBe("power");
    // The curve is shown as accuracy: it rises with size.
    expect(g.curve!.at(-1)!.y).toBeGreaterThan(g.curve![0]!.y);
    expect(g.band!.points.every((b) => b.lo <= b.hi)).toBe(true);
    expect(fit.notes.join()).toContain("error rate 1 − accuracy");
    const br = a.breaks[0]!;
    expect(br.id).toBe("breaks(max 2)(accuracy ~ params) by task");
    expect(br.groups.every((x) => x.fit?.law === "broken")).toBe(true);

    expect(a.tasks.keys).toEqual(["facts.qa", "facts.qa on heldout_entities"]);
    expect(a.tasks.levels).toEqual(["1", "2"]);
    expect(a.tasks.rows).toHaveLength(8);
    const row = a.tasks.rows.find((x) => x.key === "facts.qa" && x.size === "p80k")!;
    expect(row.seeds).toEqual([0, 1]);
    expect(row.accuracy.method).toBe("t");
    expect(row.levels.map((l) => l.level)).toEqual(["1", "2"]);
    expect(row.levels[0]!.accuracy.mean).toBeGreaterThan(row.levels[1]!.accuracy.mean);
    expect(a.cells.list[0]!.final_accuracy).toHaveProperty("facts.qa");

    expect(r.markdown).toContain("## Task accuracy");
    expect(r.markdown).toContain("| task | split | size | params | seeds | accuracy | items | level 1 | level 2 |");
    expect(r.markdown).toMatch(/\| facts\.qa \| heldout_entities \| p80k \| 80k \| 2 \| 0\.\d{3} \[/);
    expect(r.markdown).toContain("Breaks in accuracy");
    expect(r.markdown).toContain("power_law(accuracy ~ params) by task (plan): fitted to the error rate 1 − accuracy");
    expect(r.markdown).not.toContain("is not recorded");
    expect(r.html).toMatch(/<svg[^>]*id="plot-accuracy-params"[^>]*data-points="16"/);
    expect(r.html).toMatch(/<svg[^>]*id="plot-accuracy-levels"[^>]*data-points="16"/);
    const accPlot = r.html.slice(r.html.indexOf('id="plot-accuracy-params"'), r.html.indexOf('id="plot-accuracy-levels"'));
    expect(accPlot.match(/data-kind="break"/g)?.length).toBe(2);
    expect(accPlot).toContain("shuffled/p10k/s0: params 10k, facts.qa accuracy");
    // Accuracy breaks are not marked on the loss plot.
    const lossPlot = r.html.slice(r.html.indexOf('id="plot-loss-params"'), r.html.indexOf('id="plot-loss-flops"'));
    expect(lossPlot).not.toContain('data-kind="break"');
  });

  it("groups by difficulty level (and by setting) where `by` asks for it", () => {
    const run = loadRun(
      writeSyntheticRun({
        ...TASKS,
        curricula: [
          { name: "syllabus", kind: "staged", stages: [["early", 0.5], ["late", 1]] },
          { name: "shuffled", kind: "shuffled" },
        ],
        analyses: [
          { kind: "fit", law: "power_law", y: "accuracy", xs: ["params"], by: ["task", "level"] },
          { kind: "fit", law: "power_law", y: "accuracy", xs: ["params"], by: ["task", "difficulty_bucket", "curriculum"] },
          { kind: "fit", law: "power_law", y: "accuracy", xs: ["params"], by: [] },
          { kind: "fit", law: "chinchilla", y: "accuracy", xs: ["params", "tokens"], by: ["task"] },
        ],
      }),
    );
    const r = buildReport(run, { fitter: testFitter, bootstrap: 0 });
    const [level, bucket, none, chin] = r.analysis.fits;
    expect(level!.groups.map((g) => g.label)).toEqual([
      "task=facts.qa, split=heldout, level=1",
      "task=facts.qa, split=heldout, level=2",
      "task=facts.qa, split=heldout_entities, level=1",
      "task=facts.qa, split=heldout_entities, level=2",
    ]);
    expect(level!.groups[0]!.points).toHaveLength(16);
    expect(level!.groups[0]!.points.every((p) => p.n === 100)).toBe(true);
    expect(bucket!.groups).toHaveLength(8);
    expect(bucket!.groups[0]!.label).toBe("task=facts.qa, split=heldout, level=1, curriculum=shuffled");
    expect(bucket!.notes.join()).toContain("difficulty level");
    expect(none!.groups).toHaveLength(2);
    expect(none!.notes.join()).toContain("grouped by task");
    expect(chin!.groups).toEqual([]);
    expect(chin!.notes.join()).toContain("Chinchilla law of accuracy is not supported");
    // Two curricula: one line per task and setting.
    expect(r.markdown).toContain("| task | split | setting | size |");
    expect(r.html).toContain("facts.qa (syllabus)");
  });

  it("finds the size of a planted emergent jump with the fitting module", async () => {
    const { defaultFitter } = await import("../../../src/analysis/report/fitter-default.js");
    const planted = 1e5;
    const run = loadRun(
      writeSyntheticRun({
        ...TASKS,
        sizes: SIZES,
        tasks: ["facts.qa"],
        accuracy: (a) => (a.params < 3e4 ? 0 : emergent(planted)(a)),
        analyses: [{ kind: "breaks", y: "accuracy", x: "params", max: 2, by: ["task"] }],
      }),
    );
    const a = analyze(run, { fitter: defaultFitter, bootstrap: 30 });
    const g = a.breaks[0]!.groups[0]!;
    expect(g.error).toBeNull();
    if (g.fit?.law !== "broken") throw new Error("no broken fit");
    expect(g.fit.breaks.length).toBeGreaterThanOrEqual(1);
    const near = g.fit.breaks.map((b) => b.x).sort((p, q) => Math.abs(Math.log(p / planted)) - Math.abs(Math.log(q / planted)))[0]!;
    expect(near).toBeGreaterThan(planted / 1.5);
    expect(near).toBeLessThan(planted * 1.5);
    // The smallest sizes score 0 of 200: clipped to half an item, and said so.
    expect(g.notes.join()).toMatch(/4 of 16 accuracies were 0 .*clipped to \[1\/\(2n\), 1 − 1\/\(2n\)\]/);
    const md = buildReport(run, { fitter: defaultFitter, bootstrap: 10 }).markdown;
    expect(md).toMatch(/\| breaks\(max 2\)\(accuracy ~ params\) by task \| task=facts\.qa, split=heldout \| \d+(\.\d+)?k \| (\[[\d.]+k, [\d.]+k\]|n\/a \([^)]*\)) \|/);
  }, 60_000);

  it("gives notes, not crashes, when no task is recorded or there is one size", () => {
    // The plan evaluates no task.
    const plain = buildReport(loadRun(writeSyntheticRun({ ...TASKS, tasks: [], accuracy: undefined })), { fitter: testFitter, bootstrap: 0 });
    expect(plain.analysis.tasks.present).toBe(false);
    expect(plain.analysis.fits[0]!.notes.join()).toContain("`accuracy` is not recorded in metrics.jsonl: the plan evaluates no task");
    expect(plain.analysis.breaks[0]!.groups).toEqual([]);
    expect(plain.markdown).not.toContain("## Task accuracy");
    expect(plain.html).not.toContain("plot-accuracy-params");

    // Tasks planned, none recorded (cells run before task evaluation).
    const unrecorded = buildReport(loadRun(writeSyntheticRun({ ...TASKS, accuracy: undefined })), { fitter: testFitter, bootstrap: 0 });
    expect(unrecorded.analysis.tasks.present).toBe(true);
    expect(unrecorded.analysis.tasks.notes.join()).toContain("no finished cell's final eval holds task results");
    expect(unrecorded.analysis.fits[0]!.notes.join()).toContain("`accuracy` is not recorded");
    expect(unrecorded.markdown).toContain("## Task accuracy");
    expect(unrecorded.html).toMatch(/id="plot-accuracy-params"[^>]*data-points="0"/);
    expect(unrecorded.html).toContain("no task accuracy recorded");

    // One size.
    const one = buildReport(loadRun(writeSyntheticRun({ ...TASKS, sizes: [["p10k", 10_000]] })), { fitter: testFitter, bootstrap: 5 });
    expect(one.analysis.fits[0]!.groups[0]!.error!.message).toContain("one value of params");
    expect(one.analysis.breaks[0]!.groups[0]!.error!.message).toContain("one value of params");
    expect(one.analysis.tasks.notes.join()).toContain("one model size");
    expect(one.analysis.tasks.rows).toHaveLength(2);
    expect(one.markdown).toContain("one value of params");

    // Every accuracy 0: the clipped error rate is flat, which is said, not fitted.
    const flat = buildReport(loadRun(writeSyntheticRun({ ...TASKS, accuracy: () => 0 })), { fitter: testFitter, bootstrap: 0 });
    const fg = flat.analysis.fits[0]!.groups[0]!;
    expect(fg.error!.message).toContain("the same at every size");
    expect(fg.notes.join()).toContain("clipped");
    expect(flat.analysis.tasks.notes.join()).toContain("exactly 0 or 1");

    // Nothing finished.
    const states = Object.fromEntries(SIZES.slice(0, 4).flatMap(([s]) => [0, 1].map((seed) => [`shuffled/${s}/s${seed}`, "running" as const])));
    const running = buildReport(loadRun(writeSyntheticRun({ ...TASKS, states })), { fitter: testFitter, bootstrap: 0 });
    expect(running.analysis.tasks.rows).toEqual([]);
    expect(running.analysis.tasks.notes.join()).toContain("no cell has finished yet");
    expect(running.analysis.fits[0]!.notes.join()).toContain("no cell has finished yet");
  });
});
