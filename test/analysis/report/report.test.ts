import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, buildReport, writeReport } from "../../../src/analysis/report/index.js";
import { defaultFitter } from "../../../src/analysis/report/fitter-default.js";
import { loadRun } from "../../../src/analysis/rundir.js";
import { reportCommand } from "../../../src/cli/commands/report.js";
import { main } from "../../../src/cli/main.js";
import { memoryIo, ROOT } from "../../helpers.js";
import { type LossArgs, type SynthOptions, testFitter, writeSyntheticRun } from "./synthetic.js";

const loss = (a: LossArgs) => 2 + 30 * a.params ** -0.3 + 20 * (a.tokens / 1000) ** -0.5 + (a.curriculum === "syllabus" ? -0.02 : 0) + (a.bucket ?? 0) * 0.1 + 0.002 * a.seed;

const BASE: SynthOptions = {
  curricula: [
    { name: "syllabus", kind: "staged", stages: [["early", 0.3], ["late", 1]] },
    { name: "shuffled", kind: "shuffled" },
  ],
  sizes: [
    ["p10k", 10_000],
    ["p30k", 30_000],
    ["p100k", 100_000],
    ["p300k", 300_000],
  ],
  seeds: [0, 1],
  buckets: 3,
  analyses: [
    { kind: "fit", law: "power_law", y: "loss", xs: ["params"], by: ["curriculum"] },
    { kind: "breaks", y: "loss", x: "params", max: 1, by: ["curriculum"] },
    { kind: "compare", subjects: ["syllabus"], baseline: "shuffled", at: "flops", target: null },
  ],
  loss,
};

describe("report on a synthetic run", () => {
  it("fits, compares and renders every section", () => {
    const run = loadRun(writeSyntheticRun(BASE));
    const r = buildReport(run, { fitter: testFitter, bootstrap: 20 });
    const a = r.analysis;
    expect(a.cells).toMatchObject({ total: 16, finished: 16, missing: [] });
    const params = a.fits.find((f) => f.id === "power_law(loss ~ params) by curriculum")!;
    expect(params.origin).toBe("plan");
    expect(params.groups.map((g) => g.label)).toEqual(["curriculum=shuffled", "curriculum=syllabus"]);
    const g = params.groups[0]!;
    expect(g.fit?.law).toBe("power");
    expect(g.points).toHaveLength(8);
    expect(g.curve!.length).toBeGreaterThan(10);
    expect(g.band!.points.length).toBeGreaterThan(10);
    expect(a.fits.some((f) => f.id === "power_law(loss ~ flops) by curriculum" && f.origin === "report")).toBe(true);
    // Every cell has the same tokens: no standard fit against them (a table of refusals), one note instead.
    expect(a.fits.find((f) => f.xs[0] === "tokens")).toBeUndefined();
    expect(a.notes.join("\n")).toMatch(/no standard fit of loss against tokens: every cell has the same tokens \(/);
    expect(a.breaks[0]!.groups[0]!.fit?.law).toBe("broken");
    expect(a.stage_fits.map((f) => f.id)).toEqual(["power_law(loss ~ params) by curriculum, stage", "power_law(loss ~ params) by curriculum, stage, difficulty_bucket"]);
    expect(a.stage_fits[1]!.groups.map((x) => x.label)).toContain("curriculum=syllabus, stage=late, difficulty_bucket=b3");
    expect(a.progression.map((p) => p.id)).toEqual(["progression(curriculum ~ params)", "progression(stage ~ params)"]);
    expect(a.comparisons[0]!.rows[0]!.diff.method).toBe("t");

    for (const h of ["## Scaling fits", "## Curriculum against baseline", "## Per stage", "## Progression across sizes", "power_law(loss ~ params) by curriculum (plan)", "tokens to target"]) expect(r.markdown).toContain(h);
    for (const id of ["plot-loss-params", "plot-loss-flops", "plot-compare", "plot-compare-buckets", "plot-stages", "plot-progression", "plot-train-p10k", "plot-train-p300k", "plot-pacing"]) {
      expect(r.html).toContain(`id="${id}"`);
    }
    // Self-contained: no scripts, no external references.
    expect(r.html).not.toMatch(/<script|<link|https?:\/\/|@import|url\((?!#)/i);
    const json = JSON.parse(r.json);
    expect(json.format).toBe("cgx-analysis");
    expect(json.comparisons[0].rows).toHaveLength(4);
  });

  it("is deterministic for a seed", () => {
    const run = loadRun(writeSyntheticRun(BASE));
    expect(buildReport(run, { fitter: testFitter, bootstrap: 10, seed: 3 }).json).toBe(buildReport(run, { fitter: testFitter, bootstrap: 10, seed: 3 }).json);
  });

  it("notes degenerate runs clearly instead of failing: missing, running, diverged and failed cells, torn lines", () => {
    const dir = writeSyntheticRun({
      ...BASE,
      states: { "syllabus/p10k/s0": "pending", "syllabus/p30k/s1": "running", "shuffled/p100k/s0": "diverged", "shuffled/p300k/s1": "failed" },
      torn: ["syllabus/p300k/s0"],
      extra: { "syllabus/p100k/s0": [{ kind: "event", step: 150, event: "grow", op: "stack", layers: 4 }, { kind: "mystery" }] },
    });
    const r = buildReport(loadRun(dir), { fitter: testFitter, bootstrap: 5 });
    const notes = r.analysis.notes.join("\n");
    expect(r.analysis.cells.finished).toBe(12);
    expect(notes).toContain("4 of 16 cells are not finished");
    expect(notes).toContain("syllabus/p10k/s0 (pending)");
    expect(notes).toContain("syllabus/p30k/s1 (running)");
    expect(notes).toContain("shuffled/p100k/s0 diverged (loss NaN at step 133: diverged)");
    expect(notes).toContain("shuffled/p300k/s1 failed (out of memory)");
    expect(notes).toContain("syllabus/p300k/s0: skipped 1 unreadable line");
    // The comparison at p100k falls back from pairs to the seeds that finished.
    const c = r.analysis.comparisons[0]!;
    expect(c.notes.join("\n")).toContain("left out unfinished shuffled/p100k/s0 (diverged)");
    const p100 = c.rows.find((x) => x.size === "p100k")!;
    expect(p100.diff.paired).toBe(false);
    // The event and the divergence are marked on the training curves.
    expect(r.html).toMatch(/data-kind="event"[^>]*>.*?grow \(syllabus\/p100k\/s0\)/s);
    expect(r.html).toContain('data-kind="diverged"');
    expect(r.markdown).toContain("syllabus/p10k/s0 (pending)");
  });

  it("draws a distillation as its span, and lists both its events", () => {
    const dir = writeSyntheticRun({
      ...BASE,
      extra: {
        "syllabus/p100k/s0": [
          { kind: "event", step: 100, event: "distil", trigger: "at", layers_before: 1, layers_after: 2, until_step: 140, temperature: 2, weight: 0.5 },
          { kind: "event", step: 140, event: "distil_end", teacher_layers: 1, from_step: 100 },
        ],
      },
    });
    const run = loadRun(dir);
    const tps = run.plan.cells.find((c) => c.label === "syllabus/p100k/s0")!.budget.tokens_per_step;
    const r = buildReport(run, { fitter: testFitter, bootstrap: 5 });
    const plot = /<svg[^>]*id="plot-train-p100k"[\s\S]*?<\/svg>/.exec(r.html)?.[0] ?? "";
    // One marker at the start, shading the span up to where the teacher is dropped; none at its end.
    const marker = new RegExp(`<g class="marker" data-kind="event" data-x="${100 * tps}"><rect class="marker-interval"[^>]*/><line[^>]*/><title>distil \\(syllabus/p100k/s0\\)[^<]*distillation span, tokens`);
    expect(plot).toMatch(marker);
    expect(plot).not.toContain(`data-x="${140 * tps}"`);
    // The events table lists both.
    expect(r.markdown).toMatch(/\| syllabus\/p100k\/s0 \| 100 \|[^\n]*\| distil \|/);
    expect(r.markdown).toMatch(/\| syllabus\/p100k\/s0 \| 140 \|[^\n]*\| distil_end \|/);
  });

  it("handles one size, one seed, a single curriculum and a run with nothing finished", () => {
    const one = buildReport(loadRun(writeSyntheticRun({ ...BASE, sizes: [["p10k", 10_000]], seeds: [0] })), { fitter: testFitter, bootstrap: 5 });
    expect(one.analysis.notes.join("\n")).toContain("one model size");
    expect(one.analysis.fits[0]!.groups[0]!.error!.message).toContain("one value of params");
    expect(one.markdown).toContain("n/a (1 seed)");
    expect(one.analysis.progression[0]!.notes.join("\n")).toContain("one model size only");

    const solo = buildReport(loadRun(writeSyntheticRun({ ...BASE, curricula: [{ name: "syllabus", kind: "staged", stages: [["a", 0.5], ["b", 1]] }], analyses: [] })), { fitter: testFitter, bootstrap: 5 });
    expect(solo.analysis.comparisons).toEqual([]);
    expect(solo.analysis.progression).toEqual([]);

    const states = Object.fromEntries(["syllabus", "shuffled"].flatMap((c) => ["p10k", "p30k", "p100k", "p300k"].flatMap((s) => [0, 1].map((seed) => [`${c}/${s}/s${seed}`, seed ? "pending" : "running"]))));
    const none = buildReport(loadRun(writeSyntheticRun({ ...BASE, states: states as SynthOptions["states"] })), { fitter: testFitter, bootstrap: 5 });
    expect(none.analysis.notes.join("\n")).toContain("no cell has finished yet");
    expect(none.html).toContain('id="plot-train-p10k"');
    expect(none.html).toMatch(/id="plot-train-p10k"[^>]*data-lines="[1-9]/);
  });

  it("asks for what is not recorded with a note: accuracy, tasks, unknown groupings", () => {
    const run = loadRun(
      writeSyntheticRun({
        ...BASE,
        analyses: [
          { kind: "fit", law: "power_law", y: "accuracy", xs: ["params"], by: ["task"] },
          { kind: "fit", law: "power_law", y: "loss", xs: ["params"], by: ["lr"] },
          { kind: "fit", law: "chinchilla", y: "loss", xs: ["params", "tokens"], by: [] },
          { kind: "progression", y: "curriculum", x: "flops" },
        ],
      }),
    );
    const a = analyze(run, { fitter: testFitter, bootstrap: 0 });
    expect(a.fits[0]!.notes.join()).toContain("`accuracy` is not recorded");
    expect(a.fits[1]!.notes.join()).toContain("no cell has `lr` on its axes");
    const ch = a.fits[2]!;
    expect(ch.groups[0]!.notes.join()).toContain("every eval of each cell");
    expect(ch.groups[0]!.error!.message).toContain("not in the test fitter");
    expect(a.progression[0]).toMatchObject({ id: "progression(curriculum ~ flops)", origin: "plan" });
  });

  it("works without the fitting module, saying so", () => {
    const a = analyze(loadRun(writeSyntheticRun(BASE)), { fitter: null });
    expect(a.notes.join()).toContain("fitting module");
    expect(a.fits[0]!.groups[0]!.error!.message).toContain("not available");
    expect(a.comparisons[0]!.rows).toHaveLength(4);
  });
});

describe("cgx report", () => {
  it("writes report.html, report.md and analysis.json into the run directory, or --out", () => {
    const dir = writeSyntheticRun(BASE);
    const io = memoryIo(dir);
    expect(reportCommand(io, ".", { bootstrap: "5" }, testFitter)).toBe(0);
    for (const f of ["report.html", "report.md", "analysis.json"]) expect(existsSync(join(dir, f))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(io.stdout).toContain("report for synthetic: 16 of 16 cells finished");
    expect(io.stdout).toMatch(/syllabus − shuffled at p10k: -0\.020 \[/);
    const out = mkdtempSync(join(tmpdir(), "cgx-out-"));
    expect(reportCommand(memoryIo(dir), ".", { out, bootstrap: "0" }, testFitter)).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "analysis.json"), "utf8")).settings.bootstrap).toBe(0);
  });

  it("is registered in the CLI and refuses what is not a run directory", async () => {
    const dir = writeSyntheticRun(BASE);
    const root = join(dir, "..", "..");
    const io = memoryIo(ROOT);
    expect(await main(["node", "cgx", "report", root, "--bootstrap", "0"], io)).toBe(0);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
    writeSyntheticRun({ ...BASE, experiment: "other" }, root);
    const two = memoryIo(ROOT);
    expect(await main(["node", "cgx", "report", root], two)).toBe(1);
    expect(two.stderr).toContain("holds 2 run directories");
    const empty = memoryIo(ROOT);
    expect(await main(["node", "cgx", "report", mkdtempSync(join(tmpdir(), "cgx-empty-"))], empty)).toBe(1);
    expect(empty.stderr).toContain("holds no plan.lock.json");
    const bad = memoryIo(ROOT);
    expect(await main(["node", "cgx", "report", dir, "--bootstrap", "many"], bad)).toBe(1);
    expect(bad.stderr).toContain("--bootstrap must be a whole number");
  });

  it("registers `cgx fit` with its options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cgx-fit-"));
    writeFileSync(join(dir, "t.csv"), "params,loss,size\n1e4,3.1,a\n3e4,2.8,b\n1e5,2.6,c\n3e5,2.45,d\n1e6,2.36,e\n");
    const io = memoryIo(dir);
    expect(await main(["node", "cgx", "fit", "t.csv", "--x", "params", "--y", "loss", "--law", "power", "--bootstrap", "10", "--seed", "1", "--group", "size", "--json"], io)).toBe(0);
    const fit = JSON.parse(io.stdout);
    expect(fit.law).toBe("power");
    expect(fit.alpha).toBeGreaterThan(0);
    const broken = memoryIo(dir);
    expect(await main(["node", "cgx", "fit", "t.csv", "--x", "params", "--y", "loss", "--law", "broken", "--max-breaks", "1", "--bootstrap", "0", "--json"], broken)).toBe(0);
    expect(JSON.parse(broken.stdout).law).toBe("broken");
    const chin = memoryIo(dir);
    expect(await main(["node", "cgx", "fit", "t.csv", "--x", "params", "--y", "loss", "--law", "chinchilla"], chin)).toBe(1);
    expect(chin.stderr).toContain("--x2");
  });

  it("keeps the analysis independent of the compiler and the runtime", () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith(".ts")) files.push(join(d, e.name));
      }
    };
    walk(join(ROOT, "src/analysis"));
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/from\s+["'][./]*\/(compiler|runtime|cli)\//);
    }
  });

  it("writes every file atomically (no partial file is ever visible)", () => {
    const dir = writeSyntheticRun(BASE);
    writeFileSync(join(dir, "report.md"), "old");
    const w = writeReport(dir, { fitter: null, bootstrap: 0 });
    expect(readFileSync(join(dir, "report.md"), "utf8")).toBe(w.markdown);
  });
});

describe("report with the fitting module", () => {
  it("recovers a known power law per curriculum, with intervals and a band", async () => {
    const { defaultFitter } = await import("../../../src/analysis/report/fitter-default.js");
    const sizes = [1e4, 3e4, 1e5, 3e5, 1e6].map((p) => [`p${p}`, p] as const);
    // L = E + A N^-alpha with E = 2, A = 30, alpha = 0.3; the curriculum shifts E; seeds add a little noise.
    const law = (a: LossArgs) => (a.curriculum === "syllabus" ? 1.95 : 2) + 30 * a.params ** -0.3 + 4 * (a.tokens / 1000) ** -0.8 + 0.004 * (a.seed - 0.5) * Math.sin(a.params);
    const run = loadRun(writeSyntheticRun({ ...BASE, sizes, analyses: [], loss: law }));
    const t0 = performance.now();
    const a = analyze(run, { fitter: defaultFitter, bootstrap: 30 });
    const ms = performance.now() - t0;
    const f = a.fits.find((x) => x.id === "power_law(loss ~ params) by curriculum")!;
    const shuffled = f.groups.find((g) => g.label === "curriculum=shuffled")!;
    expect(shuffled.error).toBeNull();
    const fit = shuffled.fit!;
    if (fit.law !== "power") throw new Error("not a power law");
    // The final loss also holds the tokens term at 400k tokens: 4 * 400^-0.8 = 0.033.
    expect(fit.E).toBeCloseTo(2 + 4 * 400 ** -0.8, 1);
    expect(fit.alpha).toBeGreaterThan(0.25);
    expect(fit.alpha).toBeLessThan(0.35);
    expect(fit.intervals.alpha).not.toBeNull();
    expect(shuffled.band!.points.length).toBeGreaterThan(10);
    expect(ms).toBeLessThan(30_000);
  }, 60_000);
});

describe("report hygiene", () => {
  it("a fit no group could make is one line saying why, not a table of dashes; fit warnings appear in the table", () => {
    const run = loadRun(writeSyntheticRun({ ...BASE, analyses: [{ kind: "fit", law: "power_law", y: "loss", xs: ["tokens"], by: ["curriculum"] }, { kind: "fit", law: "power_law", y: "loss", xs: ["params"], by: ["curriculum"] }] }));
    // The real fitter: four sizes for three parameters, so its warnings have something to say.
    const r = buildReport(run, { fitter: defaultFitter, bootstrap: 20 });
    expect(r.markdown).toMatch(/- power_law\(loss ~ tokens\) by curriculum \(plan\): not fitted: one value of tokens only/);
    expect(r.markdown).not.toContain("**power_law(loss ~ tokens) by curriculum (plan)**");
    expect(r.markdown).toContain("**power_law(loss ~ params) by curriculum (plan)**");
    const warned = r.analysis.fits.flatMap((f) => f.groups.flatMap((g) => g.fit?.warnings ?? []));
    expect(warned.join("\n")).toContain("only 4 distinct values of params for 3 parameters");
    // Captions say what is drawn: here no break was fitted and no sign change is clear of the noise.
    const plot = r.html.slice(r.html.indexOf('id="plot-loss-params"'));
    expect(plot.slice(0, plot.indexOf("</figure>"))).toMatch(/data-markers="0"[\s\S]*No critical point is drawn/);
    for (const w of warned) expect(r.markdown).toContain(`warning: ${w}`);
  });
});
