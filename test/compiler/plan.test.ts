import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import { blockParams, logSpaced, shapeForParams, shapeOf } from "../../src/compiler/shapes.js";
import { validatePlan } from "../../src/plan/validate.js";
import type { Cell } from "../../src/plan/types.js";

/** A small experiment with `body` spliced in; defaults keep the arithmetic easy to check by hand. */
function experiment(body: string, extra = ""): string {
  return `experiment t {
  data {
    context 64
    source a = builtin("gutenberg.children")
    source b = builtin("gutenberg.adult")
  }
  models { shape s(layers: 2, width: 64, heads: 4) }
  train { batch 16 }
  ${body}
  ${extra}
}
`;
}

function cells(text: string): Cell[] {
  const r = compile(text);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return [...r.plan!.cells];
}

describe("time units", () => {
  // One step is 16 x 64 = 1024 tokens; the budget is 100 steps.
  const base = `budget tokens 102400
  curriculum c {
    stage one for 30% { mix a 100% }
    stage two for 20 steps { mix a 50%, b 50% }
    stage three for 10k tok { mix b 100% }
    stage four { mix a 100% }
  }`;

  it("converts %, steps and tokens to tokens on whole steps", () => {
    const [cell] = cells(experiment(base));
    const c = cell!.curriculum;
    expect(c.kind).toBe("staged");
    if (c.kind !== "staged") return;
    expect(c.stages.map((s) => [s.start, s.end])).toEqual([
      [0, 30720],
      [30720, 51200],
      [51200, 61440], // 10k tokens round to 10 steps
      [61440, 102400],
    ]);
  });

  it("resolves `stage NAME` points to the stage start, also for cells without that stage", () => {
    const text = experiment(base, `control shuffled
  grow { start layers 1
    at stage three: stack(factor: 2) }
  evaluate at [stage two, 50%]`);
    const all = cells(text);
    for (const cell of all) {
      expect(cell.growth!.events[0]!.trigger).toEqual({ kind: "at", token: 51200 });
      // A staged cell is also evaluated at each of its stage boundaries, so a stage's loss is read where it ends.
      const ends = cell.curriculum.kind === "staged" ? cell.curriculum.stages.map((st) => st.end).filter((e) => e < cell.budget.tokens) : [];
      expect(cell.eval.points).toEqual([...new Set([30720, 51200, 102400, ...ends])].sort((a, b) => a - b));
      if (cell.curriculum.kind === "staged") expect(ends.length).toBeGreaterThan(0);
    }
    expect(all.map((c) => c.curriculum.kind).sort()).toEqual(["shuffled", "staged"]);
  });

  it("budgets in tokens per parameter, steps and FLOPs", () => {
    const shape = shapeOf(2, 64, 4, 4, 256, 64);
    const perParam = cells(experiment("budget tokens 20 x params\ncontrol shuffled"))[0]!;
    expect(perParam.budget.tokens).toBe(Math.floor((20 * shape.params) / 1024) * 1024);
    const steps = cells(experiment("budget steps 7\ncontrol shuffled"))[0]!;
    expect(steps.budget.tokens).toBe(7 * 1024);
    const flops = cells(experiment("budget flops 1e12\ncontrol shuffled"))[0]!;
    expect(flops.budget.tokens).toBe(Math.floor(1e12 / shape.flops_per_token / 1024) * 1024);
    expect(flops.budget.stop_on).toBe("flops");
    expect(flops.budget.flops).toBe(1e12);
  });
});

describe("shapes", () => {
  it("counts parameters in closed form", () => {
    // d=64, mlp 4: attention 4*64^2+4*64, MLP 8*64^2+5*64, two LayerNorms 4*64.
    expect(blockParams(64, 4)).toBe(4 * 64 * 64 + 4 * 64 + 8 * 64 * 64 + 4 * 64 + 64 + 4 * 64);
    const s = shapeOf(2, 64, 4, 4, 256, 64);
    expect(s.params).toBe(2 * blockParams(64, 4) + 128);
    expect(s.params_total).toBe(s.params + 256 * 64 + 64 * 64);
    expect(s.flops_per_token).toBe(3 * (2 * 2 * 12 * 64 * 64 + 4 * 2 * 64 * 64 + 2 * 64 * 256));
  });

  it("resolves parameter targets to shapes near the target with heads dividing the width", () => {
    for (const target of logSpaced(200_000, 20_000_000, 8)) {
      const s = shapeForParams(target, 4, 4, 32, 256, 128)!;
      expect(s.width % 4).toBe(0);
      expect(s.width % 8).toBe(0);
      expect(Math.abs(Math.log(s.params / target))).toBeLessThan(Math.log(1.5));
    }
  });

  it("spaces a grid evenly in log space with both ends included", () => {
    expect(logSpaced(1000, 1_000_000, 4)).toEqual([1000, 10000, 100000, 1000000]);
  });
});

describe("grid", () => {
  it("crosses axes, zips zipped ones, and falls back to the base value where a condition fails", () => {
    const text = experiment(`budget steps 10
  curriculum c { stage one { mix a 100% } }
  control shuffled
  vary {
    curriculum [c, shuffled]
    schedule [cosine, constant] where curriculum != shuffled
    zip {
      lr [1e-3, 3e-3]
      batch [8, 16]
    }
  }`);
    const all = cells(text);
    const labels = all.map((c) => c.label);
    // c: 2 schedules x 2 zipped pairs; shuffled: schedule falls back to the base, so 2 cells.
    expect(labels).toEqual([
      "c/s/schedule=cosine/lr=0.001/batch=8/s0",
      "c/s/schedule=cosine/lr=0.003/batch=16/s0",
      "c/s/schedule=constant/lr=0.001/batch=8/s0",
      "c/s/schedule=constant/lr=0.003/batch=16/s0",
      "shuffled/s/lr=0.001/batch=8/s0",
      "shuffled/s/lr=0.003/batch=16/s0",
    ]);
    expect(all[1]!.train.optimizer.lr).toBe(0.003);
    expect(all[1]!.train.batch).toBe(16);
    expect(all[1]!.budget.tokens_per_step).toBe(16 * 64);
    expect(all[4]!.train.schedule.kind).toBe("cosine");
  });

  it("keeps cell ids stable when the grid grows", () => {
    const small = cells(experiment(`budget steps 10\ncontrol shuffled\nvary { lr [1e-3] }`));
    const big = cells(experiment(`budget steps 10\ncontrol shuffled\nvary { lr [3e-4, 1e-3] }`));
    expect(big.map((c) => c.id)).toContain(small[0]!.id);
  });

  it("matches a shuffled control to a staged curriculum's source totals with `like`", () => {
    const text = experiment(`budget steps 100
  curriculum c {
    stage one for 25% { mix a 100% }
    stage two { mix a 20%, b 80% }
  }
  control shuffled like c`);
    const ctl = cells(text).find((c) => c.curriculum.kind === "shuffled")!;
    if (ctl.curriculum.kind !== "shuffled") throw new Error("expected a control");
    const mix = ctl.curriculum.mixture!;
    expect(mix.map((p) => p.source)).toEqual(["a", "b"]);
    expect(mix[0]!.weight).toBeCloseTo(0.25 + 0.75 * 0.2, 12);
    expect(mix[1]!.weight).toBeCloseTo(0.75 * 0.8, 12);
  });
});

describe("schema", () => {
  const plan = compile(experiment("budget steps 10\ncontrol shuffled")).plan!;

  it("accepts the compiler's plans", () => {
    expect(validatePlan(plan).ok).toBe(true);
  });

  it("rejects unknown keys, missing fields and out-of-range values", () => {
    const cell = plan.cells[0]!;
    const bad = [
      { ...plan, extra: 1 },
      { ...plan, cells: [{ ...cell, model: { ...cell.model, heads: undefined } }] },
      { ...plan, cells: [{ ...cell, budget: { ...cell.budget, steps: 0 } }] },
      { ...plan, cells: [{ ...cell, train: { ...cell.train, optimizer: { ...cell.train.optimizer, lr: -1 } } }] },
      { ...plan, cells: [{ ...cell, id: "not-an-id" }] },
      { ...plan, version: 2 },
    ];
    for (const b of bad) expect(validatePlan(JSON.parse(JSON.stringify(b))).ok).toBe(false);
  });
});

describe("compare along an axis", () => {
  it("carries the axis, its compared values and the baseline into the plan", () => {
    const r = compile(experiment(`budget steps 10
  control shuffled
  grow {
    start layers 1
    at 50%: stack(factor: 2)
  }
  vary {
    grow [on, off]
    lr [1e-3, 3e-3]
  }
  analyze {
    compare grow: on vs off at equal flops
    compare lr: 3e-3 vs 0.001
    compare shuffled vs shuffled
  }`));
    expect(r.diagnostics.map((d) => d.message)).toEqual(["a curriculum compared with itself"]);
    const ok = compile(experiment(`budget steps 10
  control shuffled
  grow {
    start layers 1
    at 50%: stack(factor: 2)
  }
  vary {
    grow [on, off]
    lr [1e-3, 3e-3]
  }
  analyze {
    compare grow: on vs off at equal flops
    compare lr: 3e-3 vs 0.001
  }`));
    expect(ok.plan!.analyses).toEqual([
      { kind: "compare", axis: "grow", subjects: ["on"], baseline: "off", at: "flops", target: null },
      { kind: "compare", axis: "lr", subjects: ["0.003"], baseline: "0.001", at: "flops", target: null },
    ]);
    const bad = compile(experiment(`budget steps 10
  control shuffled
  vary { lr [1e-3] }
  analyze { compare lr: 0.5 vs 0.001 }`));
    expect(bad.diagnostics.map((d) => d.message)).toEqual(["unknown value of `lr` `0.5`"]);
  });
});
