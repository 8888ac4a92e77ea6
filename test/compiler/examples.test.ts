import { describe, expect, it } from "vitest";
import { compile, planJson } from "../../src/compiler/index.js";
import { SYNTHETIC_TASKS } from "../../src/compiler/catalog.js";
import { validatePlan } from "../../src/plan/validate.js";
import { exampleFiles } from "../helpers.js";

const examples = exampleFiles();

describe("experiments/", () => {
  it("has the examples the project promises", () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  for (const ex of examples) {
    describe(ex.name, () => {
      const result = compile(ex.text);

      it("compiles without diagnostics", () => {
        expect(result.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col} ${d.message}`)).toEqual([]);
        expect(result.plan).toBeDefined();
      });

      it("gives a plan that validates against the schema", () => {
        const v = validatePlan(result.plan);
        expect(v.errors).toEqual([]);
        expect(v.ok).toBe(true);
      });

      it("gives byte-identical plans on every compile", () => {
        expect(planJson(compile(ex.text).plan!)).toBe(planJson(result.plan!));
      });

      it("has unique cell ids and resolves every time to whole steps", () => {
        const plan = result.plan!;
        expect(new Set(plan.cells.map((c) => c.id)).size).toBe(plan.cells.length);
        for (const c of plan.cells) {
          const tps = c.budget.tokens_per_step;
          const times: number[] = [c.budget.tokens, c.train.schedule.warmup, ...c.eval.points];
          if (c.curriculum.kind === "staged") for (const s of c.curriculum.stages) times.push(s.start, s.end);
          for (const e of c.growth?.events ?? []) {
            if (e.trigger.kind === "at") times.push(e.trigger.token);
            if (e.op.kind === "distil") times.push(e.op.span);
          }
          for (const r of c.pruning) times.push(...(r.kind === "magnitude" ? [r.start, r.end, r.every] : [r.at]));
          for (const t of times) expect(t % tps, `${c.label}: ${t} is not a whole number of ${tps}-token steps`).toBe(0);
          expect(c.eval.points[c.eval.points.length - 1]).toBe(c.budget.tokens);
        }
      });
    });
  }

  it("task_spectrum.cgx trains on and scores every synthetic task family, sentences to multi-step problems", () => {
    const ex = examples.find((e) => e.name === "task_spectrum.cgx")!;
    const plan = compile(ex.text).plan!;
    const families = new Map(plan.data.sources.flatMap((s) => (s.kind === "synthetic" ? [[s.name, s.task] as const] : [])));
    expect([...families.values()].sort()).toEqual(Object.keys(SYNTHETIC_TASKS).sort());
    for (const c of plan.cells) {
      const scored = new Set(c.eval.tasks.map((t) => families.get(t.source)));
      expect([...scored].sort(), c.label).toEqual(Object.keys(SYNTHETIC_TASKS).sort());
      if (c.curriculum.kind === "staged") {
        const mixed = new Set(c.curriculum.stages.flatMap((st) => st.mixture.map((m) => m.source)));
        expect([...mixed].sort(), c.label).toEqual([...families.keys()].sort());
      }
    }
  });
});
