/**
 * The budget as a grid axis (`vary { budget [...] }`, `budget log(...)`): values in the unit of the
 * `budget` statement, each cell's budget and everything that scales with it, labels, conditions,
 * zips, the cell limit, and the errors for values the axis cannot take.
 */
import { describe, expect, it } from "vitest";
import { budgetLabel, budgetLabels, logBudgets } from "../../src/compiler/budget.js";
import { compile } from "../../src/compiler/index.js";
import { compiledCells, diagnosticLines, smallExperiment } from "../helpers.js";

/** One step is 16 x 64 = 1024 tokens. */
const S = 1024;

/** A small experiment with `body` spliced in, by default with three sizes (20k, 77.5k, 300k). */
function experiment(body: string, models = "params log(20k..300k, 3)", train = "batch 16"): string {
  return smallExperiment(body, models, train);
}

const cells = compiledCells;
const errors = diagnosticLines;

/** Diagnostics with their help and the source text under the span. */
function explained(text: string): Array<{ code: string; message: string; help: string | undefined; at: string }> {
  return compile(text).diagnostics.map((d) => ({ code: d.code, message: d.message, help: d.help, at: text.slice(d.span.start, d.span.end) }));
}

const staged = `curriculum c {
    stage one for 30% { mix a 100% }
    stage two { mix b 100% }
  }`;

describe("an IsoFLOP grid", () => {
  const all = cells(experiment("budget flops 1e13\ncontrol shuffled\nvary { budget [1e12, 1e13, 1e14] }"));

  it("trains every size at every FLOP budget: 3 sizes x 3 budgets", () => {
    expect(all.map((c) => c.label)).toEqual([
      "shuffled/p20k/budget=1e12/s0",
      "shuffled/p20k/budget=1e13/s0",
      "shuffled/p20k/budget=1e14/s0",
      "shuffled/p77.5k/budget=1e12/s0",
      "shuffled/p77.5k/budget=1e13/s0",
      "shuffled/p77.5k/budget=1e14/s0",
      "shuffled/p300k/budget=1e12/s0",
      "shuffled/p300k/budget=1e13/s0",
      "shuffled/p300k/budget=1e14/s0",
    ]);
    expect(new Set(all.map((c) => c.id)).size).toBe(9);
  });

  it("gives each cell its own FLOPs, the tokens they buy on whole steps, and stops on FLOPs", () => {
    for (const c of all) {
      const F = c.axes["budget"] as number;
      expect(c.budget.flops).toBe(F);
      expect(c.budget.stop_on).toBe("flops");
      expect(c.budget.tokens).toBe(Math.floor(F / c.model.flops_per_token / S) * S);
      expect(c.budget.steps).toBe(c.budget.tokens / S);
    }
    // At one FLOP budget, larger models see fewer tokens.
    const at13 = all.filter((c) => c.axes["budget"] === 1e13).map((c) => c.budget.tokens);
    expect([...at13].sort((x, y) => y - x)).toEqual(at13);
  });

  it("keeps the number in `axes`, whatever the label shows", () => {
    expect([...new Set(all.map((c) => c.axes["budget"]))]).toEqual([1e12, 1e13, 1e14]);
  });
});

describe("a tokens-per-parameter grid", () => {
  it("sets K in `tokens K x params` per cell", () => {
    const all = cells(experiment("budget tokens 20 x params\ncontrol shuffled\nvary { budget [10, 20, 40] }"));
    expect(all.slice(0, 3).map((c) => c.label)).toEqual(["shuffled/p20k/budget=10/s0", "shuffled/p20k/budget=20/s0", "shuffled/p20k/budget=40/s0"]);
    for (const c of all) {
      const K = c.axes["budget"] as number;
      expect(c.budget.tokens).toBe(Math.floor((K * c.model.params) / S) * S);
      expect(c.budget.flops).toBe(c.budget.tokens * c.model.flops_per_token);
      expect(c.budget.stop_on).toBe("tokens");
    }
  });

  it("accepts ratios that are not whole", () => {
    const all = cells(experiment("budget tokens 20 x params\ncontrol shuffled\nvary { budget [2.5, 20] }", "params [300k]"));
    expect(all.map((c) => c.label)).toEqual(["shuffled/p300k/budget=2.5/s0", "shuffled/p300k/budget=20/s0"]);
  });
});

describe("an explicit list of token and step budgets", () => {
  it("sets the tokens of `budget tokens N`, labelled like sizes", () => {
    const all = cells(experiment("budget tokens 1M\ncontrol shuffled\nvary { budget [500k, 1M, 4M] }", "params [20k]"));
    expect(all.map((c) => c.label)).toEqual(["shuffled/p20k/budget=500k/s0", "shuffled/p20k/budget=1M/s0", "shuffled/p20k/budget=4M/s0"]);
    expect(all.map((c) => c.budget.tokens)).toEqual([500_000, 1_000_000, 4_000_000].map((t) => Math.floor(t / S) * S));
  });

  it("sets the steps of `budget steps N`", () => {
    const all = cells(experiment("budget steps 100\ncontrol shuffled\nvary { budget [50, 200, 2000] }", "params [20k]"));
    expect(all.map((c) => [c.label, c.budget.steps])).toEqual([
      ["shuffled/p20k/budget=50/s0", 50],
      ["shuffled/p20k/budget=200/s0", 200],
      ["shuffled/p20k/budget=2k/s0", 2000],
    ]);
  });
});

describe("the budget with other axes", () => {
  it("crosses with the curriculum", () => {
    const all = cells(experiment(`budget tokens 20 x params\n${staged}\ncontrol shuffled\nvary { budget [10, 40] }`, "params [20k]"));
    expect(all.map((c) => c.label)).toEqual(["c/p20k/budget=10/s0", "c/p20k/budget=40/s0", "shuffled/p20k/budget=10/s0", "shuffled/p20k/budget=40/s0"]);
  });

  it("zips with the learning rate", () => {
    const all = cells(experiment("budget tokens 20 x params\ncontrol shuffled\nvary { zip { budget [10, 40]; lr [3e-3, 1e-3] } }", "params [20k]"));
    expect(all.map((c) => [c.label, c.train.optimizer.lr, c.budget.tokens])).toEqual([
      ["shuffled/p20k/budget=10/lr=0.003/s0", 3e-3, Math.floor((10 * all[0]!.model.params) / S) * S],
      ["shuffled/p20k/budget=40/lr=0.001/s0", 1e-3, Math.floor((40 * all[0]!.model.params) / S) * S],
    ]);
  });

  it("is a condition target: another axis varies only at some budgets", () => {
    const all = cells(experiment("budget tokens 20 x params\ncontrol shuffled\nvary {\n    budget [10, 40]\n    lr [1e-3, 3e-3] where budget == 40\n  }", "params [20k]"));
    expect(all.map((c) => c.label)).toEqual(["shuffled/p20k/budget=10/s0", "shuffled/p20k/budget=40/lr=0.001/s0", "shuffled/p20k/budget=40/lr=0.003/s0"]);
  });

  it("falls back to the `budget` statement's value where its own condition fails", () => {
    const all = cells(experiment(`budget tokens 20 x params\n${staged}\ncontrol shuffled\nvary { budget [10, 40] where curriculum == c }`, "params [20k]"));
    expect(all.map((c) => [c.label, c.axes["budget"]])).toEqual([
      ["c/p20k/budget=10/s0", 10],
      ["c/p20k/budget=40/s0", 40],
      ["shuffled/p20k/s0", undefined],
    ]);
    const params = all[0]!.model.params;
    expect(all[2]!.budget.tokens).toBe(Math.floor((20 * params) / S) * S);
  });

  it("is compared by the statement's value when it falls back", () => {
    // `budget` falls back to 20 for shuffled, so the lr condition holds there.
    const all = cells(experiment(`budget tokens 20 x params\n${staged}\ncontrol shuffled\nvary {\n    budget [20, 40] where curriculum == c\n    lr [1e-3, 3e-3] where budget == 20\n  }`, "params [20k]"));
    expect(all.map((c) => c.label)).toEqual(["c/p20k/budget=20/lr=0.001/s0", "c/p20k/budget=20/lr=0.003/s0", "c/p20k/budget=40/s0", "shuffled/p20k/lr=0.001/s0", "shuffled/p20k/lr=0.003/s0"]);
  });
});

describe("a log-spaced budget grid", () => {
  it("takes 3 significant digits, as the labels show them", () => {
    expect(logBudgets(1e12, 1e14, 5)).toEqual([1e12, 3.16e12, 1e13, 3.16e13, 1e14]);
    const all = cells(experiment("budget flops 1e13\ncontrol shuffled\nvary { budget log(1e12..1e14, 5) }", "params [20k]"));
    expect(all.map((c) => c.label)).toEqual([
      "shuffled/p20k/budget=1e12/s0",
      "shuffled/p20k/budget=3.16e12/s0",
      "shuffled/p20k/budget=1e13/s0",
      "shuffled/p20k/budget=3.16e13/s0",
      "shuffled/p20k/budget=1e14/s0",
    ]);
    expect(all.map((c) => c.budget.flops)).toEqual([1e12, 3.16e12, 1e13, 3.16e13, 1e14]);
  });

  it("takes more digits where 3 would merge two values", () => {
    const values = logBudgets(1e13, 1.01e13, 4);
    expect(new Set(values).size).toBe(4);
    expect(values[0]).toBe(1e13);
    expect(values[3]).toBe(1.01e13);
  });

  it("can be named by a condition", () => {
    const all = cells(experiment("budget flops 1e13\ncontrol shuffled\nvary {\n    budget log(1e12..1e14, 3)\n    lr [1e-3, 3e-3] where budget == 1e13\n  }", "params [20k]"));
    expect(all.map((c) => c.label)).toEqual(["shuffled/p20k/budget=1e12/s0", "shuffled/p20k/budget=1e13/lr=0.001/s0", "shuffled/p20k/budget=1e13/lr=0.003/s0", "shuffled/p20k/budget=1e14/s0"]);
  });

  it("gives whole steps from 100 steps up", () => {
    const all = cells(experiment("budget steps 100\ncontrol shuffled\nvary { budget log(100..10k, 3) }", "params [20k]"));
    expect(all.map((c) => c.budget.steps)).toEqual([100, 1000, 10_000]);
  });

  it("counts one grid point per budget towards the cell limit, without listing them (CGX0809)", () => {
    const started = Date.now();
    const r = compile(experiment("budget flops 1e13\ncontrol shuffled\ncontrol anti\nvary { budget log(1e12..1e14, 99999) }", "params [20k]"));
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["CGX0809 this experiment expands to 199998 cells"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("gives a lower bound where conditions could merge points, and lists points only when it must", () => {
    const bounded = compile(experiment("budget flops 1e13\ncontrol shuffled\ncontrol anti\nvary {\n    budget log(1e12..1e14, 99999)\n    lr [1e-3, 3e-3] where curriculum == anti\n  }", "params [20k]"));
    expect(bounded.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["CGX0809 this experiment expands to at least 199998 cells"]);
    // Here only listing the points finds that there are more than 100,000: (1 + 1001) x 100 seeds.
    const listed = compile(experiment("seeds 100\nbudget flops 1e13\ncontrol shuffled\ncontrol anti\nvary { budget log(1e12..1e14, 1001) where curriculum == anti }", "params [20k]"));
    expect(listed.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["CGX0809 this experiment expands to more than 100000 cells"]);
  });
});

describe("everything that scales with the budget uses the cell's own", () => {
  it("stage ends, eval points, warmup, growth and pruning", () => {
    const text = experiment(
      `budget tokens 20 x params
  ${staged}
  grow {
    start layers 1
    at 50%: stack(factor: 2)
  }
  prune { magnitude "blocks.*.mlp.*" to 50% sparsity cubic from 20% to 80% every 10% }
  evaluate every 25%
  vary { budget [10, 40] }`,
      "params [300k]",
      "batch 16; schedule cosine(warmup: 10%)",
    );
    const all = cells(text);
    expect(all.map((c) => c.label)).toEqual(["c/p300k/budget=10/s0", "c/p300k/budget=40/s0"]);
    const on = (share: number, B: number) => Math.round((share * B) / S) * S;
    for (const c of all) {
      const B = c.budget.tokens;
      expect(B).toBe(Math.floor(((c.axes["budget"] as number) * c.model.params) / S) * S);
      if (c.curriculum.kind !== "staged") throw new Error("expected stages");
      expect(c.curriculum.stages.map((s) => s.end)).toEqual([on(0.3, B), B]);
      // Periodic points are multiples of the interval (25% of B on a step); the stage end is one too.
      const every = on(0.25, B);
      expect(c.eval.points).toEqual([every, on(0.3, B), 2 * every, 3 * every, B]);
      expect(c.train.schedule.warmup).toBe(on(0.1, B));
      expect(c.growth!.events[0]!.trigger).toEqual({ kind: "at", token: on(0.5, B) });
      const prune = c.pruning[0]!;
      if (prune.kind !== "magnitude") throw new Error("expected magnitude pruning");
      expect([prune.start, prune.end, prune.every]).toEqual([on(0.2, B), on(0.8, B), on(0.1, B)]);
    }
    expect(all[1]!.budget.tokens).toBeGreaterThan(3 * all[0]!.budget.tokens);
  });

  it("names the cell with its budget in per-cell errors", () => {
    const text = experiment("budget tokens 20 x params\ncontrol shuffled\nevaluate at [50%, 2M tok]\nvary { budget [10, 400] }", "params [20k]");
    expect(errors(text)).toEqual([expect.stringMatching(/^CGX0807 an evaluation at token \d+ comes after training ends in cell shuffled\/p20k\/budget=10 \(budget \d+ tokens\)$/)]);
  });

  it("reports a budget of less than one step at the value that gives it (CGX0605)", () => {
    const text = experiment("budget flops 1e13\ncontrol shuffled\nvary { budget [1e6, 1e13] }", "params [20k]");
    expect(explained(text)).toEqual([
      {
        code: "CGX0605",
        message: expect.stringMatching(/^the budget gives cell shuffled\/p20k\/budget=1e6 \(\d+ parameters\) \d+ tokens, less than one step of 1024 tokens$/),
        help: "raise the budget or lower `batch` or `context`",
        at: "1e6",
      },
    ]);
  });

  it("reports a budget too large to count at the value that gives it (CGX0402)", () => {
    const text = experiment("budget tokens 20 x params\ncontrol shuffled\nvary { budget [20, 1e13] }", "params [20k]");
    expect(explained(text).map((d) => [d.code, d.at])).toEqual([["CGX0402", "1e13"]]);
  });
});

describe("values the budget axis cannot take", () => {
  const flops = (axis: string) => experiment(`budget flops 1e13\ncontrol shuffled\nvary { ${axis} }`, "params [20k]");

  it("a percentage, in the unit of the `budget` statement (CGX0401)", () => {
    expect(explained(flops("budget [50%, 1e13]"))).toEqual([
      {
        code: "CGX0401",
        message: "the axis `budget` takes plain numbers, not shares, found a percentage",
        help: "write a number of FLOPs, as the `budget` statement does, without `%`",
        at: "50%",
      },
    ]);
  });

  it("a name (CGX0401)", () => {
    expect(explained(experiment("budget tokens 20 x params\ncontrol shuffled\nvary { budget [big, 20] }", "params [20k]"))).toEqual([
      {
        code: "CGX0401",
        message: "the axis `budget` takes numbers, found `big`",
        help: "list budgets in tokens per parameter, the unit of the `budget` statement, like `[10, 20, 40]`",
        at: "big",
      },
    ]);
  });

  it("zero (CGX0402)", () => {
    expect(explained(flops("budget [0, 1e13]")).map((d) => [d.code, d.message, d.at])).toEqual([["CGX0402", "`budget` must be above zero", "0"]]);
  });

  it("steps that are not whole (CGX0404)", () => {
    const text = experiment("budget steps 100\ncontrol shuffled\nvary { budget [50, 10.5] }", "params [20k]");
    expect(explained(text).map((d) => [d.code, d.message, d.at])).toEqual([["CGX0404", "`budget` must be a whole number of steps", "10.5"]]);
    const log = experiment("budget steps 100\ncontrol shuffled\nvary { budget log(10..1000, 5) }", "params [20k]");
    expect(explained(log)).toEqual([
      {
        code: "CGX0404",
        message: "`budget` must be a whole number of steps, and this grid gives 31.6 steps",
        help: "start the range at 100 steps or more, where its values are whole, or list whole numbers of steps",
        at: "log(10..1000, 5)",
      },
    ]);
  });

  it("an empty list (CGX0801)", () => {
    expect(explained(flops("budget []")).map((d) => [d.code, d.message, d.at])).toEqual([["CGX0801", "the axis `budget` has no values", "[]"]]);
  });

  it("a value twice (CGX0302)", () => {
    expect(errors(flops("budget [1e13, 1e13]")).map((e) => e.slice(0, 7))).toEqual(["CGX0302"]);
  });

  it("a log grid that is reversed, has one point or starts at zero (CGX0602)", () => {
    expect(explained(flops("budget log(1e14..1e12, 3)"))).toEqual([
      { code: "CGX0602", message: "the budget range `1e14..1e12` is empty or reversed", help: "write the smaller budget first", at: "1e14..1e12" },
    ]);
    expect(explained(flops("budget log(1e12..1e12, 3)")).map((d) => d.code)).toEqual(["CGX0602"]);
    expect(explained(flops("budget log(1e12..1e14, 1)"))).toEqual([
      { code: "CGX0602", message: "a log-spaced grid needs at least 2 budgets", help: "for one budget, write a list of one value", at: "1" },
    ]);
    expect(explained(flops("budget log(0..1e14, 3)")).map((d) => [d.code, d.message])).toEqual([["CGX0602", "the smallest budget must be above zero"]]);
  });

  it("a log grid on another axis (CGX0204)", () => {
    expect(explained(flops("lr log(1e-4..1e-2, 3)"))).toEqual([
      {
        code: "CGX0204",
        message: "only the `budget` axis takes a `log(...)` grid; `lr` takes a list",
        help: "list the values, like `[1e-3, 3e-3]`",
        at: "log(1e-4..1e-2, 3)",
      },
    ]);
  });

  it("a second `budget` statement points at the axis (CGX0604)", () => {
    const text = experiment("budget flops 1e13\nbudget flops 1e14\ncontrol shuffled", "params [20k]");
    expect(explained(text).map((d) => [d.code, d.help])).toEqual([
      ["CGX0604", "keep one budget rule; to train several budgets, list them in its unit on the grid: `vary { budget [1e12, 1e13] }`"],
    ]);
  });
});

describe("budget labels", () => {
  it("write FLOPs in powers of ten, tokens and steps like sizes, ratios plainly", () => {
    expect(budgetLabel("flops", 1e13)).toBe("1e13");
    expect(budgetLabel("flops", 31622776601683.79)).toBe("3.16e13");
    expect(budgetLabel("flops", 5e11)).toBe("5e11");
    expect(budgetLabel("tokens", 500_000)).toBe("500k");
    expect(budgetLabel("tokens", 1_000_000)).toBe("1M");
    expect(budgetLabel("steps", 2500)).toBe("2.5k");
    expect(budgetLabel("steps", 300)).toBe("300");
    expect(budgetLabel("tokens_per_param", 20)).toBe("20");
    expect(budgetLabel("tokens_per_param", 2.5)).toBe("2.5");
  });

  it("take more digits where two values would share a label", () => {
    expect([...budgetLabels("flops", [1e13, 1.0004e13, 3e13]).values()]).toEqual(["1e13", "1.0004e13", "3e13"]);
    expect([...budgetLabels("tokens", [1_000_000, 1_001_000]).values()]).toEqual(["1M", "1.001M"]);
  });
});

describe("plans without a budget axis", () => {
  it("have no `budget` in their axes or labels", () => {
    const all = cells(experiment("budget flops 1e13\ncontrol shuffled", "params [20k]"));
    expect(all.map((c) => [c.label, c.axes])).toEqual([["shuffled/p20k/s0", { curriculum: "shuffled" }]]);
  });

  it("train the same as a one-value axis at the statement's value, under another id", () => {
    const [plain] = cells(experiment("budget flops 1e13\ncontrol shuffled", "params [20k]"));
    const [axis] = cells(experiment("budget flops 1e12\ncontrol shuffled\nvary { budget [1e13] }", "params [20k]"));
    expect(axis!.budget).toEqual(plain!.budget);
    expect(axis!.id).not.toBe(plain!.id);
  });
});
