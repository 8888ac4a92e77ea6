/**
 * Builds the typed AST from the syntax tree. Each statement is built on its own; a statement that
 * fails reports one diagnostic and is left out, so later statements are still checked.
 */
import type {
  AnalyzeSection,
  Budget,
  ControlDecl,
  CurriculumDecl,
  DataSection,
  EvalSection,
  Experiment,
  GrowSection,
  ModelsSection,
  Name,
  PruneSection,
  Spanned,
  TrainSection,
  VarySection,
} from "../ast.js";
import { BUDGET_UNITS } from "../budget.js";
import type { SyntaxFile } from "../syntax.js";
import { type BuildContext, walkBlock, noBlock } from "./context.js";
import { buildControl, buildCurriculum } from "./curriculum.js";
import { buildData } from "./data.js";
import { buildAnalyze, buildEvaluate, buildVary, defaultEvaluate } from "./evaluate.js";
import { buildGrow, buildPrune } from "./grow.js";
import { buildBudget, buildModels, buildTrain, defaultTrain } from "./models.js";
import { fail, Reader } from "./reader.js";
import { LineIndex, type Span } from "../span.js";

/** What the builder could make; sections that failed to build are absent. */

/** Largest seed: the runtime's generators take 32-bit seeds. */
const MAX_SEED = 2 ** 32 - 1;

/** Longest experiment name: it is a directory name, and runs/NAME/HASH must stay a valid path. */
const MAX_NAME = 100;
export interface PartialExperiment {
  name?: Name;
  seeds: Spanned<readonly number[]>;
  data?: DataSection;
  curricula: CurriculumDecl[];
  controls: ControlDecl[];
  models?: ModelsSection;
  budget?: Budget;
  train?: TrainSection;
  grow?: GrowSection;
  prune?: PruneSection;
  evaluate?: EvalSection;
  vary?: VarySection;
  analyze?: AnalyzeSection;
  /** Sections that were written but failed: checks that need them stay quiet. */
  failed: Set<string>;
  span: import("../span.js").Span;
}

export function buildExperiment(ctx: BuildContext, syntax: SyntaxFile, index: LineIndex): PartialExperiment | undefined {
  const experiments = syntax.statements.filter((s) => s.items[0]?.kind === "word" && s.items[0].text === "experiment");
  if (experiments.length === 0) {
    if (syntax.errorSpans.length === 0) {
      const first = syntax.statements[0]?.items[0];
      const span = first ? first.span : index.span(0, 0);
      ctx.error("CGX0201", span, "this file has no `experiment` block", "wrap the file in `experiment NAME { ... }`");
    }
    return undefined;
  }
  for (const s of syntax.statements) {
    if (experiments.includes(s) || ctx.poisoned(s)) continue;
    const head = s.items[0]!;
    const what = head.kind === "word" ? `\`${head.text}\`` : head.kind === "call" ? `\`${head.callee.text}\`` : "this statement";
    ctx.error("CGX0201", head.span, `${what} stands outside the \`experiment\` block`, "move it inside `experiment NAME { ... }`");
  }
  for (const extra of experiments.slice(1)) {
    ctx.error("CGX0201", extra.items[0]!.span, "a file holds one experiment; this is a second one", "move it to its own file");
  }
  const stmt = experiments[0]!;
  const head = stmt.items[0]!;
  const exp: PartialExperiment = {
    seeds: { value: [0], span: head.span },
    curricula: [],
    controls: [],
    failed: new Set(),
    span: stmt.span,
  };
  ctx.attempt(() => {
    const r = new Reader(stmt.items.slice(1), head.span);
    exp.name = r.name("an experiment name");
    // The name becomes a directory (runs/NAME/...): file systems refuse names past 255 bytes.
    if (exp.name.text.length > MAX_NAME) fail("CGX0204", exp.name.span, `the experiment name is ${exp.name.text.length} characters long`, `it names the run directory (runs/NAME/...): keep it to ${MAX_NAME} characters or fewer`);
    r.done("after the experiment name");
  });
  if (!stmt.block) {
    if (!ctx.poisoned(stmt)) ctx.error("CGX0203", head.span, "`experiment` needs a `{ ... }` block", "add `{ data { ... } models { ... } ... }`");
    return undefined;
  }
  const section = <T>(key: string, build: () => T | undefined): T | undefined => {
    exp.failed.add(key);
    const v = build();
    if (v !== undefined) exp.failed.delete(key);
    return v;
  };
  let budgetAt: Span | undefined;
  const failed = walkBlock(ctx, stmt.block, {
    name: "the `experiment` block",
    // `budget` may appear once too, but a second one has its own code (CGX0604): see its handler.
    once: ["seeds", "data", "models", "train", "grow", "prune", "evaluate", "vary", "analyze"],
    handlers: {
      seeds: (r, s, kw) => {
        noBlock(s, kw);
        const item = r.peek();
        if (item?.kind === "list") {
          r.next("a list of seeds");
          const seeds = item.elements.map((el) => {
            const er = Reader.ofPhrase(el);
            const n = er.integer("a seed", 0);
            // Seeds feed 32-bit generators: a larger one would alias a smaller one (or, past 2^53, not even be the number written).
            if (n.value > MAX_SEED) fail("CGX0402", n.span, `the seed ${n.value > Number.MAX_SAFE_INTEGER ? "written here" : n.value} is too large`, `seeds are whole numbers from 0 to ${MAX_SEED}`);
            er.done("in the seed list");
            return n.value;
          });
          if (seeds.length === 0) fail("CGX0801", item.span, "the seed list is empty", "list at least one seed");
          if (new Set(seeds).size !== seeds.length) fail("CGX0302", item.span, "a seed is listed twice", "list each seed once");
          exp.seeds = { value: seeds, span: item.span };
        } else {
          const n = r.integer("a number of seeds", 1);
          if (n.value > 1000) fail("CGX0402", n.span, "more than 1000 seeds per cell", "3 to 5 seeds are usual");
          exp.seeds = { value: Array.from({ length: n.value }, (_, i) => i), span: n.span };
        }
        r.done("after the seeds");
      },
      data: (_r, s, kw) => {
        exp.data = section("data", () => buildData(ctx, s, kw));
      },
      curriculum: (r, s, kw) => {
        const c = buildCurriculum(ctx, r, s, kw);
        if (c) exp.curricula.push(c);
      },
      control: (r, s, kw) => {
        const c = buildControl(ctx, r, s, kw);
        if (c) exp.controls.push(c);
      },
      models: (_r, s, kw) => {
        exp.models = section("models", () => buildModels(ctx, s, kw));
      },
      budget: (r, s, kw) => {
        if (budgetAt) {
          // With a first rule that built, the help lists budgets in its unit.
          const example = BUDGET_UNITS[exp.budget?.kind ?? "tokens_per_param"].example;
          fail("CGX0604", kw.span, "the budget is given twice", `keep one budget rule; to train several budgets, list them in its unit on the grid: \`vary { budget ${example} }\``);
        }
        budgetAt = kw.span;
        noBlock(s, kw);
        exp.budget = section("budget", () => buildBudget(r, kw));
      },
      train: (_r, s, kw) => {
        exp.train = section("train", () => buildTrain(ctx, s, kw));
      },
      grow: (_r, s, kw) => {
        exp.grow = section("grow", () => buildGrow(ctx, s, kw));
      },
      prune: (_r, s, kw) => {
        exp.prune = section("prune", () => buildPrune(ctx, s, kw));
      },
      evaluate: (r, s, kw) => {
        exp.evaluate = section("evaluate", () => buildEvaluate(ctx, r, s, kw));
      },
      vary: (_r, s, kw) => {
        exp.vary = section("vary", () => buildVary(ctx, s, kw));
      },
      analyze: (_r, s, kw) => {
        exp.analyze = section("analyze", () => buildAnalyze(ctx, s, kw));
      },
    },
  });
  // Sections that were written but did not build: checks that need them stay quiet.
  for (const key of failed) exp.failed.add(key);
  return exp;
}

/** The full experiment, once every required section is there. */
export function complete(exp: PartialExperiment): Experiment | undefined {
  if (!exp.name || !exp.data || !exp.models || !exp.budget) return undefined;
  if (exp.failed.size > 0) return undefined;
  // Sections left out take their documented defaults; `span` points at the experiment header.
  const at = exp.name.span;
  const train = exp.train ?? defaultTrain(at);
  const evaluate = exp.evaluate ?? defaultEvaluate(at);
  return {
    name: exp.name,
    seeds: exp.seeds,
    data: exp.data,
    curricula: exp.curricula,
    controls: exp.controls,
    models: exp.models,
    budget: exp.budget,
    train,
    evaluate,
    span: exp.span,
    ...(exp.grow ? { grow: exp.grow } : {}),
    ...(exp.prune ? { prune: exp.prune } : {}),
    ...(exp.vary ? { vary: exp.vary } : {}),
    ...(exp.analyze ? { analyze: exp.analyze } : {}),
  };
}
