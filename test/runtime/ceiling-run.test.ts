/**
 * experiments/ceiling.cgx trained for real: its data block (the builtin corpora, Flesch-Kincaid,
 * `draw without replacement`), its curriculum and its control exactly as written; only the sizes,
 * seeds, budget, training and evaluation are cut down to a one-layer model and 200 steps. The
 * grade ceiling must reach the 99th percentile when 10% of the easy text has been used, as the
 * records of the run say, and the usage recorded must be what the draws give.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRun } from "../../src/analysis/rundir.js";
import { buildReport } from "../../src/analysis/report/index.js";
import { compile } from "../../src/compiler/index.js";
import type { Cell, Plan } from "../../src/plan/types.js";
import { loadBackend } from "../../src/runtime/backend.js";
import { experimentDataProvider } from "../../src/runtime/curriculum/provider.js";
import { CurriculumSampler } from "../../src/runtime/curriculum/sampler.js";
import { runPlan } from "../../src/runtime/running/executor.js";
import { cellPaths } from "../../src/runtime/running/rundir.js";
import type { CellData } from "../../src/runtime/training/trainer.js";
import { ROOT } from "../helpers.js";

const STEPS = 200;
const BATCH = 32;

/** The experiment as written, with what sets its cost replaced; each replacement must apply. */
function shrunk(): string {
  let text = readFileSync(join(ROOT, "experiments/ceiling.cgx"), "utf8");
  const swap = (re: RegExp, to: string) => {
    const next = text.replace(re, to);
    if (next === text) throw new Error(`experiments/ceiling.cgx no longer has ${re}`);
    text = next;
  };
  swap(/seeds 3/, "seeds 1");
  swap(/models \{[^}]*\}/, "models { shape tiny(layers: 1, width: 32, heads: 2) }");
  swap(/budget tokens 20 x params/, `budget steps ${STEPS}`);
  swap(/train \{[^}]*\}/, `train {\n    optimizer adamw(lr: 2e-3)\n    batch ${BATCH}\n  }`);
  swap(/evaluate every 10% \{[^}]*\}/, "evaluate every 50%");
  swap(/analyze \{[^}]*\}/, "");
  return text;
}

interface Line {
  readonly kind: string;
  readonly step: number;
  readonly event?: string;
  readonly used?: Record<string, number>;
}

describe("experiments/ceiling.cgx, trained", () => {
  let plan: Plan;
  let ceiling: Cell;
  let data: CellData;
  let lines: Line[];
  let control: Line[];
  let runDir: string;

  beforeAll(async () => {
    const r = compile(shrunk());
    expect(r.diagnostics).toEqual([]);
    plan = r.plan!;
    ceiling = plan.cells.find((c) => c.curriculum.name === "ceiling")!;
    const provider = experimentDataProvider(plan, { cacheDir: join(tmpdir(), "cgx-test-cache"), cwd: ROOT, log: () => {} });
    data = await provider(ceiling);
    const backend = await loadBackend("wasm");
    const run = await runPlan(plan, { root: mkdtempSync(join(tmpdir(), "cgx-ceiling-")), backend, data: provider });
    runDir = run.runDir;
    expect([...run.results.values()]).toEqual(["done", "done"]);
    const read = (cell: Cell) =>
      readFileSync(cellPaths(run.runDir, cell.id).metrics, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Line);
    lines = read(ceiling);
    control = read(plan.cells.find((c) => c.curriculum.name === "shuffled")!);
  }, 300_000);

  it("keeps the file's pace: from grade 2 to the 99th percentile over 10% of easy, drawn without replacement", () => {
    expect(ceiling.curriculum).toMatchObject({
      kind: "paced",
      from: { kind: "value", value: 2 },
      to: { kind: "quantile", value: 0.99 },
      end: { kind: "data_used", source: "easy", share: 0.1 },
      draw: "without_replacement",
    });
  });

  it("reaches the 99th percentile with 10% of the easy text used (within one step's draws)", () => {
    const full = lines.filter((l) => l.kind === "event" && l.event === "pace_full");
    expect(full).toHaveLength(1);
    const at = full[0]!;
    // Well inside training: the share is reached, not the budget.
    expect(at.step).toBeGreaterThan(1);
    expect(at.step).toBeLessThan(STEPS);
    const used = at.used!["easy"]!;
    // Logged every step: the event is at the first step that begins with 10% used, so the share
    // is over 10% by less than the one step before it added.
    const train = new Map(lines.filter((l) => l.kind === "train").map((l) => [l.step, l]));
    expect(train.get(at.step)!.used!["easy"]).toBe(used);
    const before = train.get(at.step - 1)!.used!["easy"]!;
    expect(before).toBeLessThan(0.1);
    expect(used).toBeGreaterThanOrEqual(0.1);
    expect(used - 0.1).toBeLessThan(used - before);
    // One step of 32 rows uses about 0.1% of the 19k easy sentences: the tolerance is two steps' worth.
    expect(used - before).toBeLessThan(0.002);
    expect(used).toBeLessThan(0.102);
  });

  it("records usage that is exactly the draws': every draw of easy a new example until 10% and beyond", () => {
    const sampler = new CurriculumSampler(ceiling.curriculum, data.train, { context: plan.data.context, batch: BATCH, seed: ceiling.seed, separator: data.separator, budget: ceiling.budget.tokens });
    const train = lines.filter((l) => l.kind === "train");
    for (const l of train.slice(0, 60)) expect(sampler.batch(l.step - 1).used).toEqual(l.used);
    const u = sampler.usageOf("easy");
    expect(u.draws).toBeGreaterThan(0);
    expect(u.used).toBe(u.draws);
    // The same pace with replacement repeats examples: fewer used than drawn.
    const { draw: _d, ...withReplacement } = ceiling.curriculum;
    const w = new CurriculumSampler(withReplacement, data.train, { context: plan.data.context, batch: BATCH, seed: ceiling.seed, separator: data.separator, budget: ceiling.budget.tokens });
    for (let k = 0; k < 60; k++) w.batch(k);
    expect(w.usageOf("easy").used).toBeLessThan(w.usageOf("easy").draws);
  });

  it("uses easy text first where the control draws every source alike, and both end up near 10% of each", () => {
    const at = lines.find((l) => l.event === "pace_full")!.step;
    const trainAt = (ls: Line[], step: number) => ls.find((l) => l.kind === "train" && l.step === step)!.used!;
    // A quarter of the way to the top, the ceiling has used more of easy (1.47 times the control's
    // share when measured; by then it has already risen past most adult text, whose share is alike).
    const early = Math.floor(at / 4);
    expect(trainAt(lines, early)["easy"]!).toBeGreaterThan(1.2 * trainAt(control, early)["easy"]!);
    // The control draws in proportion to the sources' sizes, so every source's share used is alike.
    const c = trainAt(control, at);
    for (const src of ["kids", "fiction", "adult"]) expect(Math.abs(c[src]! - c["easy"]!)).toBeLessThan(0.02);
    expect(control.some((l) => l.event === "pace_full")).toBe(false);
  });

  it("the report shows the data used per source and where the ceiling reached its top", () => {
    const report = buildReport(loadRun(runDir), { fitter: null });
    const row = report.analysis.data_used.rows.find((r) => r.curriculum === "ceiling")!;
    expect(row.draw).toBe("without replacement");
    const full = row.moments.find((m) => m.what === "pace_full")!;
    expect(full.used["easy"]!).toBeGreaterThanOrEqual(0.1);
    expect(full.used["easy"]!).toBeLessThan(0.11);
    expect(report.markdown).toContain("## Data used");
    expect(report.markdown).toMatch(/pace_full at [\d.]+[kM]? tok \([^)]*easy 10\.\d%/);
    expect(report.html).toContain('id="plot-usage"');
  });
});
