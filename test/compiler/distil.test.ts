/**
 * Growth by distillation in the compiler: `distil(...)` parses into the plan with its span in
 * tokens, its student's depth is the cell's final depth (in the order events fire), and the rules
 * of its span, temperature and weight are checked with positioned errors.
 */
import { describe, expect, it } from "vitest";
import { shapeOf } from "../../src/compiler/shapes.js";
import { validatePlan } from "../../src/plan/validate.js";
import { compile } from "../../src/compiler/index.js";
import { compiledCells, diagnosticLines, smallExperiment } from "../helpers.js";

/** One step is 16 x 64 = 1024 tokens; 100 steps. */
const STEP = 1024;

function grow(block: string, budget = "budget steps 100"): string {
  return smallExperiment(`${budget}\n  control shuffled\n  grow {\n    start layers 2\n    ${block}\n  }`, "shape s(layers: 2, width: 64, heads: 4)");
}

describe("distil(...) in the plan", () => {
  it("resolves the span to whole steps and keeps temperature and weight; the student's depth is the model's", () => {
    const [cell] = compiledCells(grow("at 30%: distil(layers: 5, span: 12.5%, temperature: 3, weight: 0.25)"));
    const g = cell!.growth!;
    expect(g.events).toEqual([{ trigger: { kind: "at", token: 30 * STEP }, op: { kind: "distil", layers: 5, factor: null, span: 13 * STEP, temperature: 3, weight: 0.25 } }]);
    expect(g.final_layers).toBe(5);
    expect(cell!.model).toEqual(shapeOf(5, 64, 4, 4, 256, 64));
  });

  it("defaults to twice the depth, temperature 2 and weight 0.5, and composes with other operators in firing order", () => {
    const [cell] = compiledCells(grow("at 60%: distil(span: 100 tok)\n    at 10%: insert(top, layers: 1)"));
    const g = cell!.growth!;
    // insert at 10% (2 + 1 = 3), then distil at 60% into 2 x 3 = 6 layers; the span is at least one step.
    expect(g.events.map((e) => e.op)).toEqual([
      { kind: "insert", position: "top", layers: 1, init: "zero" },
      { kind: "distil", layers: null, factor: 2, span: STEP, temperature: 2, weight: 0.5 },
    ]);
    expect(g.final_layers).toBe(6);
    expect(cell!.model.layers).toBe(6);
  });

  it("sizes a tokens-per-parameter budget by the student (the final model)", () => {
    const [cell] = compiledCells(grow("at 50%: distil(layers: 4, span: 10%)", "budget tokens 20 x params"));
    expect(cell!.budget.tokens).toBe(Math.floor((20 * shapeOf(4, 64, 4, 4, 256, 64).params) / STEP) * STEP);
  });

  it("accepts a plateau trigger, whose span counts from not_before", () => {
    const [cell] = compiledCells(grow("when plateau(window: 5 steps, min_drop: 1%, not_before: 40%): distil(layers: 3, span: 20%)"));
    expect(cell!.growth!.events[0]!.op).toMatchObject({ kind: "distil", layers: 3, span: 20 * STEP });
    expect(cell!.growth!.final_layers).toBe(3);
  });

  it("validates against the plan schema, which rejects both depths set or neither", () => {
    const r = compile(grow("at 30%: distil(layers: 5, span: 10%)"));
    expect(validatePlan(r.plan).ok).toBe(true);
    const plan = JSON.parse(JSON.stringify(r.plan));
    plan.cells[0].growth.events[0].op.factor = 2;
    expect(validatePlan(plan).ok).toBe(false);
    plan.cells[0].growth.events[0].op.layers = null;
    expect(validatePlan(plan).ok).toBe(true);
    plan.cells[0].growth.events[0].op.factor = null;
    expect(validatePlan(plan).ok).toBe(false);
  });
});

describe("distil(...) errors", () => {
  it("a span that reaches the end of training (CGX0706), also for a plateau's not_before", () => {
    expect(diagnosticLines(grow("at 80%: distil(layers: 4, span: 20%)"))).toEqual([
      "CGX0706 the distillation from token 81920 runs for 20480 tokens, to token 102400, which is not before training ends in cell shuffled/s (budget 102400 tokens)",
    ]);
    expect(diagnosticLines(grow("at 80%: distil(layers: 4, span: 19%)"))).toEqual([]);
    expect(diagnosticLines(grow("when plateau(window: 5 steps, min_drop: 1%, not_before: 90%): distil(layers: 4, span: 10%)")).map((l) => l.slice(0, 7))).toEqual(["CGX0706"]);
  });

  it("a temperature not above zero (CGX0707) and a weight outside [0, 1] (CGX0708)", () => {
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 10%, temperature: 0)"))).toEqual(["CGX0707 a distillation temperature must be above zero, found `0`"]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 10%, temperature: -1)"))).toEqual(["CGX0707 a distillation temperature must be above zero, found `-1`"]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 10%, weight: 1.5)"))).toEqual(["CGX0708 a distillation weight must lie between 0 and 1, found `1.5`"]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 10%, weight: 0)"))).toEqual([]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 10%, weight: 1)"))).toEqual([]);
  });

  it("another fixed growth point inside the span (CGX0709), but not at its end or before it", () => {
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 20%)\n    at 40%: insert(top, layers: 1)"))).toEqual([
      "CGX0709 this growth event fires at token 40960, while the distillation that starts at token 30720 still runs (until token 51200) in cell shuffled/s",
    ]);
    // At the same point, written after it: inside. Written before it: the teacher is the grown model.
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 20%)\n    at 30%: insert(top, layers: 1)")).map((l) => l.slice(0, 7))).toEqual(["CGX0709"]);
    expect(diagnosticLines(grow("at 30%: insert(top, layers: 1)\n    at 30%: distil(layers: 4, span: 20%)"))).toEqual([]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 20%)\n    at 50%: insert(top, layers: 1)"))).toEqual([]);
  });

  it("the student's depth twice, a zero span, an init, and a misspelt name", () => {
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, factor: 2, span: 10%)"))).toEqual(["CGX0210 the student's depth is given twice, by `layers:` and by `factor:`"]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 0%)"))).toEqual(["CGX0402 a distillation span must be longer than zero"]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4)"))).toEqual(["CGX0208 `distil` needs the argument `span`"]);
    expect(diagnosticLines(grow("at 30%: distil(layers: 4, span: 10%, init: copy)"))[0]).toMatch(/^CGX0207 `distil` has no argument `init`/);
    expect(diagnosticLines(grow("at 30%: distill(layers: 4, span: 10%)"))[0]).toMatch(/^CGX0209 unknown growth operator `distill`/);
    expect(diagnosticLines(grow("at 30%: distil(factor: 1, span: 10%)"))[0]).toMatch(/^CGX0402 a depth factor must be at least 2/);
  });
});
