/**
 * Time measured in data used (`10% of easy`), percentile levels (`p99`) and `draw without
 * replacement`: what the compiler writes into the plan, and every error it reports instead.
 */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import type { Cell, PlanCurriculum } from "../../src/plan/types.js";
import { compiledCells, diagnosticLines, smallExperiment } from "../helpers.js";

/** Two sources, `easy` and `kids`; one step is 16 x 64 = 1024 tokens; 100 steps. */
function experiment(body: string, data = ""): string {
  return smallExperiment(`budget steps 100\n  ${body}`, "shape s(layers: 1, width: 32, heads: 2)")
    .replace('source a = builtin("gutenberg.children")', 'source easy = builtin("simple.sentences")')
    .replace('source b = builtin("gutenberg.adult")', `source kids = builtin("gutenberg.children")\n    ${data}`);
}

const curriculumOf = (cells: Cell[], name: string): PlanCurriculum => cells.find((c) => c.curriculum.name === name)!.curriculum;
const codes = (text: string) => compile(text).diagnostics.map((d) => d.code);

describe("lengths in data used", () => {
  it("ends a pace at a share of a source, kept for the runtime as a data-used point", () => {
    const c = curriculumOf(compiledCells(experiment("curriculum up { pace difficulty from 2 to p99 over 10% of easy using root(2) }")), "up");
    expect(c).toMatchObject({ kind: "paced", start: 0, end: { kind: "data_used", source: "easy", share: 0.1 }, to: { kind: "quantile", value: 0.99 } });
  });

  it("ends a stage on data used; the stage after it starts `after` it and takes the rest", () => {
    const c = curriculumOf(
      compiledCells(
        experiment(`curriculum s {
    stage warm for 20% { mix kids 100% }
    stage first for 10% of easy { mix easy 80%, kids 20% }
    stage second for 5% of kids { mix easy 50%, kids 50% }
    stage rest { mix kids 100% }
  }`),
      ),
      "s",
    );
    if (c.kind !== "staged") throw new Error("not staged");
    expect(c.stages.map((s) => [s.name, s.start, s.end])).toEqual([
      ["warm", 0, 20 * 1024],
      ["first", 20 * 1024, { kind: "data_used", source: "easy", share: 0.1 }],
      ["second", { kind: "after", stage: "first" }, { kind: "data_used", source: "kids", share: 0.05 }],
      ["rest", { kind: "after", stage: "second" }, 100 * 1024],
    ]);
  });

  it("does not make a stage's data-used end an evaluation point (it is known only in training)", () => {
    const [cell] = compiledCells(experiment("curriculum s {\n stage a for 10% of easy { mix easy 100% }\n stage b { mix kids 100% }\n}\nevaluate every 50%"));
    expect(cell!.eval.points).toEqual([50 * 1024, 100 * 1024]);
  });

  it("rejects shares of 0% or above 100% (CGX0512) and unknown sources (CGX0301)", () => {
    expect(diagnosticLines(experiment("curriculum up { pace difficulty from 2 to max over 0% of easy using linear }"))).toEqual([
      "CGX0512 a share of data used must be above 0% and at most 100%, found `0%`",
    ]);
    expect(codes(experiment("curriculum up { pace difficulty from 2 to max over 120% of easy using linear }"))).toEqual(["CGX0512"]);
    expect(diagnosticLines(experiment("curriculum up { pace difficulty from 2 to max over 10% of esay using linear }"))).toEqual(["CGX0301 unknown source `esay`"]);
  });

  it("is refused where training time is needed (CGX0513)", () => {
    for (const body of [
      "control shuffled\nevaluate every 10% of easy",
      "control shuffled\nevaluate at [10% of easy]",
      "curriculum c = pacing(linear, start: 20%, full_at: 10% of easy) by difficulty",
      "control shuffled\ngrow {\n start layers 1\n at 10% of easy: stack\n}",
    ]) {
      expect(codes(experiment(body)), body).toEqual(["CGX0513"]);
    }
    expect(codes(experiment("control shuffled", "").replace("train { batch 16 }", "train { schedule cosine(warmup: 10% of easy) }"))).toEqual(["CGX0513"]);
  });

  it("needs the source to be drawn where it is measured (CGX0514)", () => {
    expect(diagnosticLines(experiment("curriculum s {\n stage a for 10% of easy { mix kids 100% }\n stage b { mix kids 100% }\n}"))).toEqual([
      "CGX0514 stage `a` lasts until 10% of `easy` has been used, but it draws nothing from `easy`",
    ]);
    expect(codes(experiment("curriculum s {\n stage a for 10% of easy { mix kids 100%, easy 0% }\n stage b { mix kids 100% }\n}"))).toEqual(["CGX0514"]);
    expect(codes(experiment("curriculum up {\n pace difficulty from 2 to max over 10% of easy using linear\n mix kids 100%\n}"))).toEqual(["CGX0514"]);
    // `sources all` draws every source.
    expect(codes(experiment("curriculum up {\n pace difficulty from 2 to max over 10% of easy using linear\n sources all\n}"))).toEqual([]);
  });

  it("refuses what would need the time of a data-used end before training (CGX0515, CGX0504)", () => {
    const timed = "curriculum s {\n stage a for 10% of easy { mix easy 100% }\n stage b for 30% { mix kids 100% }\n stage c { mix kids 100% }\n}";
    expect(diagnosticLines(experiment(timed))).toEqual([
      "CGX0515 stage `b` has a fixed length, but it starts where `a` ends, which is known only during training",
    ]);
    const open = "curriculum s {\n stage a for 10% of easy { mix easy 100% }\n stage b { mix kids 100% }\n}";
    expect(codes(experiment(`${open}\ncontrol shuffled like s`))).toEqual(["CGX0515"]);
    expect(codes(experiment(`${open}\nevaluate at [stage b]`))).toEqual(["CGX0515"]);
    // The stage's own start is known: it is where the stage before ends in tokens.
    expect(codes(experiment(`${open}\nevaluate at [stage a]`))).toEqual([]);
    expect(codes(experiment("curriculum s {\n stage a for 50% { mix kids 100% }\n stage b for 10% of easy { mix easy 100% }\n}"))).toEqual(["CGX0504"]);
  });
});

describe("percentile levels", () => {
  it("reads `p99` as the 99th percentile, the same level as `99%`", () => {
    const a = compile(experiment("curriculum up { pace difficulty from 2 to p99 over 10% using root(2) }")).plan!;
    const b = compile(experiment("curriculum up { pace difficulty from 2 to 99% over 10% using root(2) }")).plan!;
    expect(a.cells[0]!.curriculum).toEqual(b.cells[0]!.curriculum);
    expect(a.cells[0]!.id).toBe(b.cells[0]!.id);
    expect(curriculumOf([...a.cells], "up")).toMatchObject({ from: { kind: "value", value: 2 }, to: { kind: "quantile", value: 0.99 } });
  });

  it("rejects a percentile over 100 and a ceiling that does not rise", () => {
    expect(codes(experiment("curriculum up { pace difficulty from 2 to p101 over 10% using linear }"))).toEqual(["CGX0403"]);
    expect(codes(experiment("curriculum up { pace difficulty from p50 to 40% over 10% using linear }"))).toEqual(["CGX0506"]);
  });
});

describe("draw without replacement", () => {
  it("is written into every curriculum and control, and absent by default", () => {
    const body = "curriculum up { pace difficulty from 2 to p99 over 10% of easy using root(2) }\ncontrol shuffled";
    const without = compiledCells(experiment(body, "draw without replacement"));
    expect(without.map((c) => c.curriculum.draw)).toEqual(["without_replacement", "without_replacement"]);
    for (const data of ["", "draw with replacement"]) {
      const plain = compiledCells(experiment(body, data));
      expect(plain.every((c) => !("draw" in c.curriculum))).toBe(true);
    }
    // With replacement said or not, the plan is the same.
    expect(compile(experiment(body, "draw with replacement")).plan!.cells).toEqual(compile(experiment(body)).plan!.cells);
  });

  it("reports a misspelt or repeated `draw`", () => {
    expect(codes(experiment("control shuffled", "draw sideways replacement"))).toEqual(["CGX0209"]);
    expect(codes(experiment("control shuffled", "draw without"))).toEqual(["CGX0204"]);
    expect(codes(experiment("control shuffled", "draw without replacement\n draw with replacement"))).toEqual(["CGX0205"]);
  });
});
