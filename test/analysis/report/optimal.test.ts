/**
 * The report's compute-optimal analysis on synthetic IsoFLOP runs planted from known Chinchilla
 * laws: a curriculum whose data exponent beta is larger gets a larger a = beta / (alpha + beta),
 * and the report must say that it shifts the frontier, while an identical twin does not.
 */
import { describe, expect, it } from "vitest";
import { buildReport } from "../../../src/analysis/report/index.js";
import { defaultFitter } from "../../../src/analysis/report/fitter-default.js";
import { advise } from "../../../src/analysis/report/advice.js";
import { loadRun } from "../../../src/analysis/rundir.js";
import { main } from "../../../src/cli/main.js";
import { memoryIo } from "../../helpers.js";
import { type LossArgs, type SynthOptions, writeSyntheticRun } from "./synthetic.js";

const LAWS = { shuffled: { beta: 0.28, B: 410.7 }, syllabus: { beta: 0.4, B: 410.7 }, twin: { beta: 0.28, B: 410.7 } } as const;
const a = (beta: number) => beta / (0.34 + beta);

/** A Chinchilla law per curriculum, with a small deterministic wiggle per run so residuals exist. */
function loss(x: LossArgs): number {
  const law = LAWS[x.curriculum as keyof typeof LAWS];
  const wiggle = 0.003 * Math.sin(x.params * 1e-3 + Math.log(x.tokens) * 7);
  return (1.69 + 406.4 / x.params ** 0.34 + law.B / x.tokens ** law.beta) * (1 + wiggle);
}

export const DESIGN: SynthOptions = {
  experiment: "isoflop",
  curricula: [
    { name: "syllabus", kind: "staged", stages: [["early", 0.3], ["late", 1]] },
    { name: "twin", kind: "staged", stages: [["all", 1]] },
    { name: "shuffled", kind: "shuffled" },
  ],
  sizes: [20e3, 40e3, 80e3, 160e3, 320e3, 640e3, 1280e3, 2560e3].map((n) => [`p${n / 1000}k`, n] as const),
  flopBudgets: [3e11, 1e12, 3e12],
  seeds: [0],
  tokensPerStep: 4000,
  evals: 10,
  loss,
};

describe("the compute-optimal analysis of a run", () => {
  const run = loadRun(writeSyntheticRun(DESIGN));
  const r = buildReport(run, { fitter: defaultFitter, bootstrap: 60 });
  const o = r.analysis.optimal;

  it("gives each curriculum's frontier by the three approaches, close to the planted exponents", () => {
    expect(o.ran).toBe(true);
    expect(o.groups.map((g) => g.label).sort()).toEqual(["shuffled", "syllabus", "twin"]);
    for (const g of o.groups) {
      const truth = a(LAWS[g.curriculum as keyof typeof LAWS].beta);
      expect(g.isoflop!.budgets).toHaveLength(3);
      expect(g.isoflop!.budgets.every((b) => b.inside)).toBe(true);
      const iso = g.approaches.find((x) => x.approach === "isoflop")!;
      expect(Math.abs(iso.n_opt!.exponent - truth), g.label).toBeLessThan(0.03);
      const par = g.approaches.find((x) => x.approach === "parametric")!;
      expect(par.error).toBeNull();
      expect(Math.abs(par.n_opt!.exponent - truth), g.label).toBeLessThan(0.05);
      // C = 6 N D in the synthetic plan.
      expect(g.kappa).toBeCloseTo(6, 6);
      const env = g.approaches.find((x) => x.approach === "envelope")!;
      expect(env.n_opt).not.toBeNull();
    }
  });

  it("says the curriculum with the larger exponent shifts the frontier, and its twin does not", () => {
    expect(o.baseline).toBe("shuffled");
    const syl = o.shifts.find((s) => s.subject === "syllabus" && s.approach === "isoflop")!;
    expect(syl.n_opt.exponent).toBeGreaterThan(0.01);
    expect(syl.shifts_exponent).toBe(true);
    const twin = o.shifts.find((s) => s.subject === "twin" && s.approach === "isoflop")!;
    expect(Math.abs(twin.n_opt.exponent)).toBeLessThan(0.01);
    expect(twin.shifts_exponent).toBe(false);
  });

  it("leaves out the standard power-law fits, which FLOP budgets would turn into U-shaped profiles, with one note", () => {
    expect(r.analysis.fits.filter((f) => f.origin === "report")).toEqual([]);
    expect(r.analysis.stage_fits).toEqual([]);
    expect(r.analysis.notes.join("\n")).toMatch(/several FLOP budgets \(an IsoFLOP design\)/);
  });

  it("draws the IsoFLOP profiles and the frontier, and writes the section", () => {
    expect(r.html).toContain('data-plot-id="plot-frontier"');
    expect(r.html).toContain('data-plot-id="plot-isoflop-syllabus"');
    expect(r.markdown).toContain("## Compute-optimal frontier");
    expect(r.markdown).toMatch(/Does the curriculum shift the frontier\?/);
    expect(r.markdown).toMatch(/recommended: /);
    // Bootstrap draws stay out of analysis.json.
    expect(r.json).not.toContain('"draws"');
    expect(JSON.parse(r.json).optimal.groups[0].approaches.length).toBe(3);
  });

  it("advises a size and tokens with intervals, and warns beyond a decade of the data", () => {
    const near = advise(o, 2e12);
    expect(near.warnings).toEqual([]);
    const syl = near.rows.find((x) => x.curriculum === "syllabus")!;
    expect(syl.params_interval![0]).toBeLessThan(syl.params);
    expect(syl.params_interval![1]).toBeGreaterThan(syl.params);
    // The syllabus reaches a lower loss (its data term falls faster), so it is recommended.
    expect(near.recommended).toBe("syllabus");
    const far = advise(o, 1e15);
    expect(far.warnings.some((w) => /decades above the largest budget/.test(w))).toBe(true);
  });

  it("cgx advise prints the same advice, and refuses a run with one budget per size", async () => {
    const io = memoryIo();
    expect(await main(["node", "cgx", "advise", run.dir, "--flops", "2e12", "--bootstrap", "30"], io)).toBe(0);
    expect(io.stdout).toMatch(/recommended: syllabus/);
    expect(io.stdout).toMatch(/params \(95% CI\)/);
    const json = memoryIo();
    expect(await main(["node", "cgx", "advise", run.dir, "--flops", "2e12", "--bootstrap", "30", "--json"], json)).toBe(0);
    expect(JSON.parse(json.stdout).recommended).toBe("syllabus");
    const plain = writeSyntheticRun({ ...DESIGN, flopBudgets: undefined, budget: 400_000 });
    const bad = memoryIo();
    expect(await main(["node", "cgx", "advise", plain, "--flops", "1e12"], bad)).toBe(1);
    expect(bad.stderr).toMatch(/every model size is trained at one budget/);
    const noFlops = memoryIo();
    expect(await main(["node", "cgx", "advise", run.dir], noFlops)).toBe(1);
    expect(noFlops.stderr).toMatch(/--flops/);
  });
});
