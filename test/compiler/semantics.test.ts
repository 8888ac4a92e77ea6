/**
 * Resolution rules found wanting by a documentation review: size labels, stage rounding, growth
 * order, schedules on axes, conditional axes, cell ids, help texts, per-cell range errors, shape
 * defaults, synthetic parameters, evaluation points, and the early grid-size check.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { BLOCK_KEYWORDS } from "../../src/compiler/catalog.js";
import { format } from "../../src/compiler/format.js";
import { compile } from "../../src/compiler/index.js";
import { shapeOf, sizeLabel, sizeLabels } from "../../src/compiler/shapes.js";
import type { Cell } from "../../src/plan/types.js";
import { compiledCells, diagnosticLines, ROOT, smallExperiment } from "../helpers.js";

/** A small experiment with `body` spliced in and one hand-made shape. One step is 16 x 64 = 1024 tokens. */
function experiment(body: string, models = "shape s(layers: 2, width: 64, heads: 4)", train = "batch 16"): string {
  return smallExperiment(body, models, train);
}

const cells = compiledCells;
const errors = diagnosticLines;

/** What a cell trains: everything but its name, place, grid coordinates and seed. */
function training(c: Cell): string {
  const { id: _id, index: _index, label: _label, axes: _axes, seed: _seed, ...rest } = c;
  return JSON.stringify(rest);
}

const STEP = 1024;

describe("1. size labels", () => {
  it("labels targets with 3 significant digits", () => {
    expect(sizeLabel(1_010_000)).toBe("1.01M");
    expect(sizeLabel(1_300_000)).toBe("1.3M");
    expect(sizeLabel(632_456)).toBe("632k");
    expect(sizeLabel(999_600)).toBe("1M");
    expect(sizeLabel(2_000_000_000)).toBe("2B");
    expect(sizeLabel(512)).toBe("512");
  });

  it("gives distinct targets distinct labels, with more digits where 3 are not enough", () => {
    expect(sizeLabels([1_000_000, 1_004_000, 2_000_000])).toEqual(["1M", "1.004M", "2M"]);
    expect(sizeLabels([200_000, 502_377, 1_261_915, 3_169_786, 7_962_143, 20_000_000])).toEqual(["200k", "502k", "1.26M", "3.17M", "7.96M", "20M"]);
  });

  it("keeps targets 3% apart apart in the labels of a plan", () => {
    const all = cells(experiment("budget steps 10\ncontrol shuffled", "params [1.01M, 1.3M]"));
    expect(all.map((c) => c.label)).toEqual(["shuffled/p1.01M/s0", "shuffled/p1.3M/s0"]);
    expect(new Set(all.map((c) => c.id)).size).toBe(2);
  });

  it("reports two sizes that resolve to the same shape (CGX0602)", () => {
    expect(errors(experiment("budget steps 10\ncontrol shuffled", "params [1.01M, 1.04M]"))).toEqual([
      "CGX0602 sizes 1.01M and 1.04M resolve to the same shape (4 layers x 144)",
    ]);
    const log = compile(experiment("budget steps 10\ncontrol shuffled", "params log(1M..1.1M, 5)")).diagnostics;
    expect(log.map((d) => d.code)).toEqual(["CGX0602"]);
    expect(log[0]!.help).toBe("use fewer sizes, or a wider range");
  });

  it("reports a size listed twice, and a shape named like a size (CGX0302)", () => {
    expect(errors(experiment("budget steps 10\ncontrol shuffled", "params [1M, 1M]"))).toEqual(["CGX0302 the size 1M is listed twice"]);
    expect(errors(experiment("budget steps 10\ncontrol shuffled", "params [1M]; shape p1M(layers: 2, width: 64)"))).toEqual([
      "CGX0302 the shape `p1M` has the same label as a size of the `params` grid",
    ]);
  });
});

describe("2. stage boundaries", () => {
  it("rounds cumulative boundaries, so shares adding up to 100% never overflow", () => {
    const [cell] = cells(
      experiment(`budget steps 10
  curriculum c {
    stage one for 15% { mix a 100% }
    stage two for 15% { mix b 100% }
    stage three for 70% { mix a 100% }
  }`),
    );
    if (cell!.curriculum.kind !== "staged") throw new Error("expected stages");
    // 1.5 steps rounds to 2, 3 steps is 3, 10 steps is 10.
    expect(cell!.curriculum.stages.map((s) => [s.start / STEP, s.end / STEP])).toEqual([
      [0, 2],
      [2, 3],
      [3, 10],
    ]);
  });

  it("adds token and step lengths before rounding", () => {
    const [cell] = cells(
      experiment(`budget steps 10
  curriculum c {
    stage one for 1536 tok { mix a 100% }
    stage two for 1536 tok { mix b 100% }
    stage three { mix a 100% }
  }`),
    );
    if (cell!.curriculum.kind !== "staged") throw new Error("expected stages");
    expect(cell!.curriculum.stages.map((s) => [s.start / STEP, s.end / STEP])).toEqual([
      [0, 2],
      [2, 3],
      [3, 10],
    ]);
  });
});

describe("3. growth order", () => {
  it("applies operators in the order their events fire, not the order they are written", () => {
    const [cell] = cells(
      experiment(`budget steps 100
  control shuffled
  grow {
    start layers 1
    at 50%: stack(factor: 2)
    at 10%: insert(top, layers: 1)
  }`),
    );
    // insert at 10% (1 + 1 = 2 layers), then stack at 50% (4 layers); written order would give 3.
    expect(cell!.growth!.final_layers).toBe(4);
    expect(cell!.model.layers).toBe(4);
    expect(cell!.growth!.events.map((e) => e.op.kind)).toEqual(["insert", "stack"]);
  });

  it("counts a plateau event at its not_before point (0 without one), ties in written order", () => {
    const late = cells(
      experiment(`budget steps 100
  control shuffled
  grow {
    start layers 1
    when plateau(window: 1 steps, min_drop: 1%, not_before: 60%): stack(factor: 2)
    at 30%: insert(top, layers: 1)
  }`),
    )[0]!;
    expect(late.growth!.final_layers).toBe(4);
    expect(late.growth!.events.map((e) => e.op.kind)).toEqual(["insert", "stack"]);
    const early = cells(
      experiment(`budget steps 100
  control shuffled
  grow {
    start layers 1
    at 30%: insert(top, layers: 1)
    when plateau(window: 1 steps, min_drop: 1%): stack(factor: 2)
  }`),
    )[0]!;
    expect(early.growth!.final_layers).toBe(3);
    expect(early.growth!.events.map((e) => e.op.kind)).toEqual(["stack", "insert"]);
    const tied = cells(
      experiment(`budget steps 100
  control shuffled
  grow {
    start layers 1
    at 30%: insert(top, layers: 1)
    at 30 steps: stack(factor: 2)
  }`),
    )[0]!;
    expect(tied.growth!.final_layers).toBe(4);
  });

  it("sizes the model with the order under a provisional budget, and reports an order the real budget changes (CGX0705)", () => {
    // Un-grown, 2 layers of width 64 give a budget of 9775 steps: 50% (4888 steps) comes before
    // 6M tokens, so the depth is 1 x 2 + 1 = 3. The 3-layer model's budget puts 50% after 6M tokens.
    const text = experiment(`budget tokens 100 x params
  control shuffled
  grow {
    start layers 1
    at 50%: stack(factor: 2)
    at 6M tok: insert(top, layers: 1)
  }`);
    expect(errors(text)).toEqual([
      "CGX0705 in cell shuffled/s the growth events fire in another order than the one its model was sized with, which changes its final depth from 3 to 4 layers",
    ]);
  });
});

describe("4. schedules on an axis", () => {
  it("gives a varied decaying schedule the default min_lr when the base schedule is constant", () => {
    const all = cells(experiment("budget steps 10\ncontrol shuffled\nvary { schedule [cosine, constant] }", undefined, "batch 16; schedule constant(warmup: 1%)"));
    expect(all.map((c) => [c.train.schedule.kind, c.train.schedule.min_lr])).toEqual([
      ["cosine", 0.1],
      ["constant", 1],
    ]);
  });

  it("keeps the base min_lr when the base schedule decays", () => {
    const all = cells(experiment("budget steps 10\ncontrol shuffled\nvary { schedule [linear, constant] }", undefined, "batch 16; schedule cosine(min_lr: 5%)"));
    expect(all.map((c) => [c.train.schedule.kind, c.train.schedule.min_lr])).toEqual([
      ["linear", 0.05],
      ["constant", 1],
    ]);
  });
});

describe("5. conditional axes", () => {
  it("evaluates conditions on the values a point ends up with", () => {
    const all = cells(
      experiment(`budget steps 10
  curriculum c { stage one { mix a 100% } }
  control shuffled
  vary {
    lr [1e-3, 3e-3] where curriculum == c
    batch [16, 32] where lr == 3e-3
  }`),
    );
    // For `shuffled`, lr falls back to 1e-3, so batch does not vary either.
    expect(all.map((c) => c.label)).toEqual(["c/s/lr=0.001/s0", "c/s/lr=0.003/batch=16/s0", "c/s/lr=0.003/batch=32/s0", "shuffled/s/s0"]);
  });

  it("compares a fallen-back axis by its base value", () => {
    const all = cells(
      experiment(
        `budget steps 10
  curriculum c { stage one { mix a 100% } }
  control shuffled
  vary {
    lr [1e-3, 3e-3] where curriculum == c
    batch [16, 32] where lr == 3e-3
  }`,
        undefined,
        "batch 16; optimizer adamw(lr: 3e-3)",
      ),
    );
    expect(all.filter((c) => c.curriculum.name === "shuffled").map((c) => c.label)).toEqual(["shuffled/s/batch=16/s0", "shuffled/s/batch=32/s0"]);
  });

  it("makes one cell of grid points that train the same thing", () => {
    // On a budget of 10 steps, warmups of 1% and 2% both round to 0 steps.
    const all = cells(experiment("budget steps 10\ncontrol shuffled\nvary { warmup [1%, 2%, 10%] }"));
    expect(all.map((c) => [c.label, c.train.schedule.warmup / STEP])).toEqual([
      ["shuffled/s/warmup=0.01/s0", 0],
      ["shuffled/s/warmup=0.1/s0", 1],
    ]);
    expect(new Set(all.map(training)).size).toBe(all.length);
  });

  it("rejects conditions that depend on each other in a cycle (CGX0802)", () => {
    const text = experiment(`budget steps 10
  control shuffled
  vary {
    lr [1e-3, 3e-3] where batch == 16
    batch [16, 32] where lr == 1e-3
  }`);
    expect(errors(text)).toEqual(["CGX0802 the conditions of these axes form a cycle: `lr` depends on `batch`, which depends on `lr`"]);
  });

  it("rejects a condition on the curriculum axis, which has nothing to fall back to (CGX0802)", () => {
    const text = experiment(`budget steps 10
  control shuffled
  control anti
  vary {
    curriculum [shuffled, anti] where lr == 1e-3
    lr [1e-3, 3e-3]
  }`);
    expect(errors(text)).toEqual(["CGX0802 the `curriculum` axis cannot be conditional: there is no curriculum to fall back to"]);
  });
});

describe("6. cell ids", () => {
  const base = "budget steps 10\ncontrol shuffled";
  const ids = (text: string) => cells(text).map((c) => c.id);

  it("change with the data section", () => {
    const before = ids(experiment(base));
    const changes = [
      (t: string) => t.replace('builtin("gutenberg.adult")', 'builtin("brown.press")'),
      (t: string) => t.replace("context 64", "context 64\n    heldout 5%"),
      (t: string) => t.replace("context 64", "context 64\n    difficulty rarity"),
      (t: string) => t.replace('source b = builtin("gutenberg.adult")', 'source b = files("data/*.txt")'),
    ];
    for (const change of changes) {
      const text = change(experiment(base));
      expect(text).not.toBe(experiment(base));
      expect(ids(text)).not.toEqual(before);
    }
  });

  it("do not depend on the order of the axes in `vary`", () => {
    const ab = cells(experiment(`${base}\nvary { lr [1e-3, 3e-3]; clip [0.5, 1] }`));
    const ba = cells(experiment(`${base}\nvary { clip [0.5, 1]; lr [1e-3, 3e-3] }`));
    expect(new Set(ba.map((c) => c.id))).toEqual(new Set(ab.map((c) => c.id)));
    expect(ab[0]!.label).toBe("shuffled/s/lr=0.001/clip=0.5/s0");
    expect(ba[0]!.label).toBe("shuffled/s/clip=0.5/lr=0.001/s0");
  });
});

describe("7. help texts", () => {
  /** Formatted text on one line: statements of a block joined with `;`. */
  function oneLine(text: string): string {
    const lines = text.trim().split("\n").map((l) => l.trim());
    let out = "";
    for (const [i, l] of lines.entries()) {
      if (i > 0) out += out.endsWith("{") || l === "}" ? " " : "; ";
      out += l;
    }
    return out;
  }

  const skeleton: Record<string, string> = {
    data: 'data { context 64; source kids = builtin("gutenberg.children") }',
    models: "models { params [1M] }",
    budget: "budget tokens 20 x params",
    control: "control shuffled",
  };

  /** The text of every string literal in a TypeScript file; a template's substitutions become `${}`. */
  function literals(file: string): string[] {
    const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const out: string[] = [];
    const walk = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
      else if (ts.isTemplateExpression(node)) out.push([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join("${}"));
      ts.forEachChild(node, walk);
    };
    walk(src);
    return out;
  }

  /** Backticked examples in the compiler's messages, help texts and explanations. */
  function examples(): string[] {
    const dirs = ["src/compiler", "src/compiler/build", "src/compiler/check"];
    const found = new Set<string>();
    for (const dir of dirs) {
      for (const f of readdirSync(join(ROOT, dir)).filter((n) => n.endsWith(".ts"))) {
        for (const text of literals(join(ROOT, dir, f))) for (const m of text.matchAll(/`([^`\n]+)`/g)) found.add(m[1]!);
      }
    }
    const keywords = new Set<string>(Object.values(BLOCK_KEYWORDS).flat());
    // Forms with placeholders (`NAME`, `D`, `...`, `[for DURATION]`, `a | b`) are not examples.
    return [...found].filter((s) => keywords.has(s.split(/[ (]/)[0]!) && /[ (]/.test(s) && !/\.\.\.|\$\{|\b[A-Z]+\b|\|/.test(s));
  }

  it("finds the examples", () => {
    expect(examples()).toContain('data { context 128; source kids = builtin("gutenberg.children") }');
    expect(examples()).toContain("models { params log(200k..2M, 3) }");
    expect(examples().length).toBeGreaterThan(30);
  });

  it("writes every example as `cgx fmt` would", () => {
    const bad = examples().filter((s) => {
      const f = format(s);
      return !f.ok || oneLine(f.text) !== s;
    });
    expect(bad).toEqual([]);
  });

  it("gives experiment-level examples that compile", () => {
    const top = new Set<string>(BLOCK_KEYWORDS.experiment);
    const bad: string[] = [];
    for (const s of examples().filter((e) => top.has(e.split(/[ (]/)[0]!))) {
      const kw = s.split(" ")[0]!;
      const parts = { ...skeleton };
      if (kw in parts) delete parts[kw];
      const text = `experiment x {\n  ${[...Object.values(parts), s].join("\n  ")}\n}\n`;
      const errs = compile(text).diagnostics.filter((d) => d.severity === "error");
      if (errs.length) bad.push(`${s}: ${errs.map((d) => d.message).join("; ")}`);
    }
    expect(bad).toEqual([]);
  });
});

describe("8. per-cell limits", () => {
  it("rejects a warmup longer than the budget, naming the whole cell (CGX0701)", () => {
    const text = experiment("budget steps 10\ncontrol shuffled\nvary { lr [1e-3] }", undefined, "batch 16; schedule cosine(warmup: 20 steps)");
    expect(errors(text)).toEqual(["CGX0701 the warmup of 20480 tokens is longer than training in cell shuffled/s/lr=0.001 (budget 10240 tokens)"]);
  });

  it("rejects `full_at` and `pace ... over` past the budget (CGX0701)", () => {
    expect(errors(experiment("budget steps 10\ncurriculum c = pacing(linear, full_at: 20 steps) by difficulty"))).toEqual([
      "CGX0701 full competence at token 20480 comes after training ends in cell c/s (budget 10240 tokens)",
    ]);
    expect(errors(experiment("budget steps 10\ncurriculum c { pace difficulty from 2 to max over 20k tok using linear }"))).toEqual([
      "CGX0701 the pace ends at token 20480, after training ends in cell c/s (budget 10240 tokens)",
    ]);
  });

  it("rejects evaluation points past a cell's budget, naming the cell (CGX0807)", () => {
    const text = experiment("budget tokens 20 x params\ncontrol shuffled\nevaluate at [10%, 3M tok]");
    expect(errors(text)).toEqual(["CGX0807 an evaluation at token 3000320 comes after training ends in cell shuffled/s (budget 2001920 tokens)"]);
  });

  it("rejects percentages on axes that are not shares (CGX0401)", () => {
    const text = experiment("budget steps 10\ncontrol shuffled\nvary { lr [150%]; batch [50%]; warmup [2%] }");
    expect(errors(text)).toEqual([
      "CGX0401 the axis `lr` takes plain numbers, not shares, found a percentage",
      "CGX0401 the axis `batch` takes plain numbers, not shares, found a percentage",
    ]);
  });

  it("names the curriculum and the axes in per-cell errors", () => {
    const text = experiment(`budget tokens 20 x params
  control shuffled
  vary { lr [3e-3] }
  grow { start layers 1
    at 3M tok: stack(factor: 2) }`);
    expect(errors(text)[0]).toContain("in cell shuffled/s/lr=0.003 (budget");
  });
});

describe("9. shapes", () => {
  it("take `heads` and `mlp` from the models block, wherever they are written", () => {
    for (const models of ["heads 8; mlp 2; shape s(layers: 2, width: 64)", "shape s(layers: 2, width: 64); heads 8; mlp 2"]) {
      const [cell] = cells(experiment("budget steps 10\ncontrol shuffled", models));
      expect([cell!.model.heads, cell!.model.mlp]).toEqual([8, 2]);
      expect(cell!.model.params).toBe(shapeOf(2, 64, 8, 2, 256, 64).params);
    }
    expect(errors(experiment("budget steps 10\ncontrol shuffled", "shape s(layers: 2, width: 60); heads 8"))).toEqual(["CGX0601 8 heads do not divide the width 60"]);
    const [own] = cells(experiment("budget steps 10\ncontrol shuffled", "heads 8; shape s(layers: 2, width: 64, heads: 2, mlp: 4)"));
    expect([own!.model.heads, own!.model.mlp]).toEqual([2, 4]);
  });
});

describe("10. synthetic sources", () => {
  it("record every parameter of the task, defaults included", () => {
    const r = compile(experiment("budget steps 10\ncontrol shuffled").replace("context 64", "context 64\n    source f = synthetic.facts(hops: 1..3)\n    source s = synthetic.arithmetic"));
    expect(r.diagnostics).toEqual([]);
    expect(r.plan!.data.sources.slice(0, 2)).toEqual([
      { name: "f", kind: "synthetic", task: "facts", params: { entities: 1000, hops: { min: 1, max: 3 } } },
      { name: "s", kind: "synthetic", task: "arithmetic", params: { max: 100, steps: { min: 1, max: 3 } } },
    ]);
  });
});

describe("11. periodic evaluation", () => {
  it("drops a periodic point less than half an interval before the end", () => {
    const [cell] = cells(experiment("budget steps 10\ncontrol shuffled\nevaluate every 3 steps"));
    expect(cell!.eval.points.map((p) => p / STEP)).toEqual([3, 6, 10]);
    const [even] = cells(experiment("budget steps 10\ncontrol shuffled\nevaluate every 4 steps"));
    expect(even!.eval.points.map((p) => p / STEP)).toEqual([4, 8, 10]);
  });
});

describe("12. huge grids", () => {
  it("fail on the cell count before any shape is built", () => {
    const text = experiment("budget steps 10\ncontrol shuffled\ncontrol anti", "params log(1..20M, 999999)");
    const started = Date.now();
    const r = compile(text);
    // Building shapes first would also report the targets too small for a model (CGX0603).
    expect(r.diagnostics.map((d) => d.code)).toEqual(["CGX0809"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("fail fast on 99,999 sizes that fit the cell limit, since most give the same shape", () => {
    const started = Date.now();
    const r = compile(experiment("budget steps 10\ncontrol shuffled", "params log(200k..20M, 99999)"));
    expect(r.diagnostics.map((d) => d.code)).toEqual(["CGX0602"]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
