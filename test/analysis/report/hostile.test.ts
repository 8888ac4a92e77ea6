/** Run directories with absurd numbers in them: the report notes the cells and leaves them out, never crashes. */
import { describe, expect, it } from "vitest";
import { buildReport } from "../../../src/analysis/report/index.js";
import { loadRun } from "../../../src/analysis/rundir.js";
import { type LossArgs, testFitter, writeSyntheticRun } from "./synthetic.js";

const sizes = [
  ["p10k", 10_000],
  ["p30k", 30_000],
  ["p100k", 100_000],
  ["p300k", 300_000],
] as const;

describe("a run directory with absurd losses", () => {
  it.each([
    ["1e300", 1e300],
    ["zero", 0],
    ["negative", -2],
  ])("a final loss of %s is noted and left out", (_name, bad) => {
    const loss = (a: LossArgs) => (a.params === 30_000 && a.seed === 0 && a.curriculum === "syllabus" ? bad : 2 + 30 * a.params ** -0.3 + 20 * (a.tokens / 1000) ** -0.5);
    const dir = writeSyntheticRun({ curricula: [{ name: "syllabus", kind: "staged", stages: [["all", 1]] }, { name: "shuffled", kind: "shuffled" }], sizes, seeds: [0, 1], loss });
    const r = buildReport(loadRun(dir), { fitter: testFitter, bootstrap: 10 });
    expect(r.markdown.length).toBeLessThan(5_000_000);
    expect(r.analysis.notes.join("\n")).toMatch(/syllabus\/p30k\/s0.*loss/);
    const fit = r.analysis.fits.find((f) => f.xs[0] === "params" && f.by[0] === "curriculum")!;
    const syl = fit.groups.find((g) => g.label === "curriculum=syllabus")!;
    expect(syl.points.some((p) => p.cell === "syllabus/p30k/s0")).toBe(false);
  });
});
