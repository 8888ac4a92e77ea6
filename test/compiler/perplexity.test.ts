import { describe, expect, it } from "vitest";
import { planTable } from "../../src/cli/commands/compile.js";
import { compile } from "../../src/compiler/index.js";
import type { PlanPerplexity } from "../../src/plan/types.js";
import { validatePlan } from "../../src/plan/validate.js";
import { diagnosticLines } from "../helpers.js";

const experiment = (difficulty: string, context = 128, extra = "") => `experiment t {
  data {
    context ${context}
    source kids = builtin("gutenberg.children")
    source fiction = builtin("brown.fiction")
    source adult = builtin("gutenberg.adult")
    ${difficulty}
  }
  models { params [100k] }
  budget tokens 1M
  curriculum easy {
    stage first for 30% { mix kids 50%, fiction 50% where difficulty <= 2.5 }
    stage rest { mix kids 20%, adult 80% }
  }
  curriculum paced {
    pace difficulty from 10% to max over 50% using linear
    mix kids 30%, adult 70% where words > 3
  }
  control shuffled like paced
  ${extra}
}
`;

function reference(difficulty: string, context?: number): PlanPerplexity {
  const r = compile(experiment(difficulty, context));
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.plan!.data.difficulty as PlanPerplexity;
}

describe("difficulty perplexity(...)", () => {
  it("resolves the reference model's shape and training in the plan, with the documented defaults", () => {
    const p = reference("difficulty perplexity(ref: 30k)");
    // 30k non-embedding parameters by the shape rule with 2 heads, MLP 4x, aspect 32; context capped at 64.
    expect(p.model).toEqual({ layers: 1, width: 48, heads: 2, mlp: 4, vocab: 256, context: 64, params: 28368, params_total: 43728, flops_per_token: 276480 });
    // tokens default to 20 x ref, on whole steps of 16 x 64 tokens.
    expect(p.steps).toBe(Math.round((20 * 30_000) / 1024));
    expect(p.ref_tokens).toBe(p.steps * 1024);
    expect(p.ref_params).toBe(30_000);
    expect(p.on).toEqual(["kids", "fiction", "adult"]);
    expect(p.seed).toBe(0);
    expect(p.train).toEqual({
      optimizer: { kind: "adamw", lr: 0.003, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, momentum: 0 },
      schedule: { kind: "cosine", warmup: Math.round(0.05 * p.steps) * 1024, min_lr: 0.1 },
      batch: 16,
      clip: 1,
    });
  });

  it("takes the budget, the sources (in declaration order) and the seed from the file; a short context is kept", () => {
    const p = reference("difficulty perplexity(ref: 20k, tokens: 100k tok, on: [adult, kids], seed: 7)", 32);
    expect(p.on).toEqual(["kids", "adult"]);
    expect(p.seed).toBe(7);
    expect(p.model.context).toBe(32);
    expect(p.steps).toBe(Math.round(100_000 / (16 * 32)));
    expect(reference("difficulty perplexity(ref: 20k, on: fiction)").on).toEqual(["fiction"]);
  });

  it("gives every curriculum that uses `difficulty` the whole reference spec, and the plan validates", () => {
    const r = compile(experiment("difficulty perplexity(ref: 20k, tokens: 100k tok)"));
    expect(validatePlan(r.plan).ok).toBe(true);
    const paced = r.plan!.cells.find((c) => c.curriculum.name === "paced")!;
    expect("metric" in paced.curriculum && paced.curriculum.metric).toEqual(r.plan!.data.difficulty);
  });

  it("is shown by cgx plan with its training cost, before the cells", () => {
    const plan = compile(experiment("difficulty perplexity(ref: 30k, tokens: 300k tok, on: kids)")).plan!;
    expect(planTable(plan, 1e10)).toContain("before the cells: a perplexity reference model of 28.37k params (1x48) on 300k tokens of kids, 8.30e10 FLOPs, ETA 8s; then every example is scored; both are cached\n");
    expect(planTable(compile(experiment("difficulty length")).plan!, 1e10)).not.toContain("perplexity");
  });

  it("rejects unknown and repeated sources in `on`, a budget in steps and an empty list, with positions", () => {
    expect(diagnosticLines(experiment("difficulty perplexity(ref: 20k, on: [kids, kidz, kids])"))).toEqual([
      "CGX0301 unknown source `kidz`",
      "CGX0302 source `kids` is named twice in `on`",
    ]);
    const r = compile(experiment("difficulty perplexity(ref: 20k, on: [kidz])"));
    expect(r.diagnostics[0]!.span).toMatchObject({ line: 7, col: 42 });
    expect(r.diagnostics[0]!.help).toContain("kids");
    expect(diagnosticLines(experiment("difficulty perplexity(ref: 20k, tokens: 500 steps)"))).toEqual(["CGX0401 the reference model's budget is a number of tokens"]);
    expect(diagnosticLines(experiment("difficulty perplexity(ref: 20k, on: [])"))).toEqual(["CGX0204 the list of sources is empty"]);
    expect(diagnosticLines(experiment("difficulty perplexity(ref: 20k, lr: 0.1)"))[0]).toMatch(/^CGX0207 `perplexity` has no argument `lr`/);
  });
});

describe("the plan's positions", () => {
  it("say where every source of every mix and its filter are written", () => {
    const r = compile(experiment("difficulty flesch_kincaid"));
    expect(r.plan!.positions.mixes).toEqual([
      { curriculum: "easy", stage: "first", sources: [{ source: "kids", line: 12, col: 31 }, { source: "fiction", line: 12, col: 41 }], where: { line: 12, col: 59 } },
      { curriculum: "easy", stage: "rest", sources: [{ source: "kids", line: 13, col: 22 }, { source: "adult", line: 13, col: 32 }], where: null },
      { curriculum: "paced", stage: null, sources: [{ source: "kids", line: 17, col: 9 }, { source: "adult", line: 17, col: 19 }], where: { line: 17, col: 35 } },
      // `like paced`: the control draws paced's mix, written there.
      { curriculum: "shuffled", stage: null, sources: [{ source: "kids", line: 17, col: 9 }, { source: "adult", line: 17, col: 19 }], where: { line: 17, col: 35 } },
    ]);
  });

  it("move with the text but leave cell ids and the data section alone", () => {
    const a = compile(experiment("difficulty flesch_kincaid")).plan!;
    const b = compile(`// a comment line\n${experiment("difficulty flesch_kincaid")}`).plan!;
    expect(b.positions.mixes[0]!.sources[0]!.line).toBe(a.positions.mixes[0]!.sources[0]!.line + 1);
    expect(b.cells.map((c) => c.id)).toEqual(a.cells.map((c) => c.id));
    expect(b.data).toEqual(a.data);
  });
});
