/** Builds `evaluate ...`, `vary { ... }` and `analyze { ... }`. */
import type {
  Analysis,
  BenchmarkRef,
  AnalyzeSection,
  Axis,
  AxisGroup,
  AxisItem,
  Condition,
  Duration,
  EvalGrouping,
  EvalSection,
  LogGrid,
  Name,
  Spanned,
  TaskRef,
  TimeExpr,
  VarySection,
} from "../ast.js";
import { logBudgets } from "../budget.js";
import { AXES } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { cover, type Span } from "../span.js";
import type { Item, Statement, WordItem } from "../syntax.js";
import { noBlock, walkBlock, type BuildContext, type Handler } from "./context.js";
import { readBenchmark } from "./benchmark.js";
import { readLogGrid, type GridWords } from "./log-grid.js";
import { argValue, callArgs, fail, Reader, skip } from "./reader.js";

export function buildEvaluate(ctx: BuildContext, r: Reader, stmt: Statement, keyword: WordItem): EvalSection {
  let every: Duration | undefined;
  const at: TimeExpr[] = [];
  // A broken schedule is reported, and the block is still read for errors of its own.
  const headerOk = ctx.attempt(() => {
    if (r.accept("every")) {
      every = r.duration("an evaluation interval");
      if (every.value <= 0) fail("CGX0807", every.span, "an evaluation interval must be longer than zero", "use e.g. `evaluate every 10%`");
    } else if (r.accept("at")) {
      const list = r.next("a list of points, like `[10%, 50%, 100%]`");
      if (list.kind !== "list" || list.elements.length === 0) return r.unexpected(list, "a list of points, like `[10%, 50%, 100%]`");
      for (const el of list.elements) {
        const er = Reader.ofPhrase(el);
        at.push(er.time());
        er.done("in the list of points");
      }
    } else {
      const next = r.peek();
      if (next) return r.unexpected(next, "`every DURATION` or `at [POINTS]`");
      every = defaultEvaluate(keyword.span).every;
    }
    r.done("after the evaluation schedule");
    return true;
  });
  const lossBy: Spanned<EvalGrouping>[] = [];
  const tasks: TaskRef[] = [];
  const benchmarks: BenchmarkRef[] = [];
  let samples: Spanned<number> = defaultEvaluate(keyword.span).samples;
  if (stmt.block) {
    walkBlock(ctx, stmt.block, {
      name: "the `evaluate` block",
      once: ["loss", "samples"],
      handlers: {
        loss: (lr, s, kw) => {
          noBlock(s, kw);
          lr.expect("on", "write `loss on heldout by source`");
          lr.expect("heldout", "loss is measured on the heldout split: `loss on heldout`");
          if (lr.isWord("by")) {
            do {
              lr.expect("by");
              lossBy.push(readGrouping(lr));
            } while (lr.acceptPunct(","));
          }
          lr.done("after the loss groupings");
        },
        tasks: (tr, s, kw) => {
          noBlock(s, kw);
          const refs: Array<{ source: Name; mode: Name; span: Span }> = [];
          do {
            const w = tr.dotted("a task, like `facts.qa`");
            if (w.parts.length !== 2) fail("CGX0204", w.span, `a task is named SOURCE.MODE, found \`${w.text}\``, "e.g. `facts.qa` for the QA items of source `facts`");
            const [src, mode] = w.parts as [string, string];
            const cut = w.span.start + src.length;
            refs.push({
              source: { text: src, span: { ...w.span, end: cut, endCol: w.span.col + src.length } },
              mode: { text: mode, span: { ...w.span, start: cut + 1, col: w.span.col + src.length + 1 } },
              span: w.span,
            });
          } while (tr.acceptPunct(","));
          let split: TaskRef["split"] = "heldout";
          if (tr.accept("on")) split = tr.choice(["heldout", "heldout_entities", "heldout_tasks", "train"] as const, "evaluation split").value;
          tr.done("after the tasks");
          for (const ref of refs) tasks.push({ ...ref, split });
        },
        benchmark: (br, s, kw) => {
          noBlock(s, kw);
          const b = readBenchmark(br, kw.span);
          const first = benchmarks.find((x) => x.name.text === b.name.text);
          if (first) ctx.error("CGX0822", b.name.span, `the benchmark \`${b.name.text}\` is declared twice`, `give each benchmark its own name (the first is on line ${first.name.span.line})`);
          else benchmarks.push(b);
        },
        samples: (sr, s, kw) => {
          noBlock(s, kw);
          samples = sr.integer("a number of examples per evaluation", 1);
          sr.done("after the sample count");
        },
      },
    });
  }
  if (!headerOk) skip();
  if (lossBy.length === 0) lossBy.push({ value: { kind: "source" }, span: keyword.span });
  return { ...(every ? { every } : {}), at, lossBy, tasks, benchmarks, samples, span: stmt.span };
}

/** Evaluation used where the file has no `evaluate`: every 10%, heldout loss per source. */
export function defaultEvaluate(span: Span): EvalSection & { every: Duration } {
  return { every: { kind: "fraction", value: 0.1, span }, at: [], lossBy: [{ value: { kind: "source" }, span }], tasks: [], benchmarks: [], samples: { value: 64, span }, span };
}

function readGrouping(r: Reader): Spanned<EvalGrouping> {
  const item = r.next("`source` or `difficulty_bucket(N)`");
  if (item.kind === "word" && item.text === "source") return { value: { kind: "source" }, span: item.span };
  if (item.kind === "call" && item.callee.text === "difficulty_bucket") {
    const args = callArgs(item, ["n"], [], ["n"]);
    const n = argValue(args, "n", (a) => a.integer("a number of buckets", 2))!;
    return { value: { kind: "difficulty_bucket", buckets: n.value }, span: item.span };
  }
  if (item.kind === "word" && item.text === "difficulty_bucket") {
    return { value: { kind: "difficulty_bucket", buckets: 5 }, span: item.span };
  }
  r.unexpected(item, "`source` or `difficulty_bucket(N)`", item.kind === "word" ? suggestHelp(item.text, ["source", "difficulty_bucket"]) : undefined);
}

// ---------------------------------------------------------------- vary

export function buildVary(ctx: BuildContext, stmt: Statement, keyword: WordItem): VarySection {
  if (!stmt.block) fail("CGX0203", keyword.span, "`vary` needs a `{ ... }` block", "add `{ lr [1e-3, 3e-3] }`");
  const groups: AxisGroup[] = [];
  const axisHandler = (into: (a: Axis) => void): Handler => (r, s, kw) => {
    noBlock(s, kw);
    into(readAxis(r, kw));
  };
  const handlers: Record<string, Handler> = {};
  for (const a of AXES) handlers[a] = axisHandler((axis) => groups.push({ kind: "single", axis }));
  handlers["zip"] = (r, s, kw) => {
    r.done("after `zip`");
    if (!s.block) fail("CGX0203", kw.span, "`zip` needs a `{ ... }` block of axes", "add `{ lr [1e-3, 3e-3]; batch [16, 32] }`");
    const axes: Axis[] = [];
    const inner: Record<string, Handler> = {};
    for (const a of AXES) inner[a] = axisHandler((axis) => axes.push(axis));
    walkBlock(ctx, s.block, { name: "`zip`", handlers: inner, unknown: { code: "CGX0803", what: "axis" } });
    if (axes.length) groups.push({ kind: "zip", axes, span: s.span });
  };
  walkBlock(ctx, stmt.block, { name: "the `vary` block", handlers, unknown: { code: "CGX0803", what: "axis" } });
  return { groups, span: stmt.span };
}

function readAxisValue(item: Item, r: Reader): AxisItem {
  if (item.kind === "number") return { value: item.value, span: item.span };
  if (item.kind === "percent") return { value: item.value / 100, span: item.span, percent: true };
  if (item.kind === "word" && item.parts.length === 1) return { value: item.text, span: item.span };
  r.unexpected(item, "a value (a number, a percentage or a name)");
}

function readAxis(r: Reader, kw: WordItem): Axis {
  const name: Name = { text: kw.text, span: kw.span };
  const expected = kw.text === "budget" ? "a list of budgets, like `[1e12, 1e13]`, or `log(1e12..1e14, 5)`" : "a list of values, like `[1e-3, 3e-3]`";
  const list = r.next(expected);
  let values: AxisItem[];
  let log: LogGrid | undefined;
  if (list.kind === "call" && list.callee.text === "log") {
    if (kw.text !== "budget") fail("CGX0204", list.span, `only the \`budget\` axis takes a \`log(...)\` grid; \`${kw.text}\` takes a list`, "list the values, like `[1e-3, 3e-3]`");
    log = readLogGrid(list, BUDGET_GRID);
    const spread = logBudgets(log.min.value, log.max.value, log.count.value);
    if (!spread) fail("CGX0602", list.span, `this budget range is too narrow for ${log.count.value} distinct budgets`, "use fewer budgets, or a wider range");
    values = spread.map((value) => ({ value, span: list.span }));
  } else if (list.kind === "list") {
    if (list.elements.length === 0) fail("CGX0801", list.span, `the axis \`${kw.text}\` has no values`, "list at least one value");
    values = list.elements.map((el) => {
      const er = Reader.ofPhrase(el);
      const v = readAxisValue(er.next("a value"), er);
      er.done("in the list");
      return v;
    });
  } else {
    return r.unexpected(list, expected);
  }
  const when: Condition[] = [];
  if (r.accept("where")) {
    do when.push(readCondition(r));
    while (r.accept("and"));
  }
  r.done("after the axis");
  return { name, values, ...(log ? { log } : {}), when, span: cover(kw.span, when.length ? when[when.length - 1]!.span : list.span) };
}

/** The words of `budget log(...)`'s messages. Its values are in the unit of the `budget` statement. */
const BUDGET_GRID: GridWords = {
  one: "budget",
  many: "budgets",
  range: "1e12..1e14",
  single: "for one budget, write a list of one value",
  usual: "3 to 6 budgets are usual",
};

function readCondition(r: Reader): Condition {
  const axis = r.name("an axis name");
  if (r.accept("in")) {
    const list = r.next("a list of values");
    if (list.kind !== "list" || list.elements.length === 0) return r.unexpected(list, "a list of values");
    const values = list.elements.map((el) => {
      const er = Reader.ofPhrase(el);
      const v = readAxisValue(er.next("a value"), er);
      er.done("in the list");
      return v;
    });
    return { axis, op: "in", values, span: cover(axis.span, list.span) };
  }
  const op = r.next("`==`, `!=` or `in`");
  if (op.kind !== "punct" || (op.text !== "==" && op.text !== "!=")) return r.unexpected(op, "`==`, `!=` or `in`");
  const v = readAxisValue(r.next("a value"), r);
  return { axis, op: op.text as "==" | "!=", values: [v], span: cover(axis.span, v.span) };
}

// ---------------------------------------------------------------- analyze

export function buildAnalyze(ctx: BuildContext, stmt: Statement, keyword: WordItem): AnalyzeSection {
  if (!stmt.block) fail("CGX0203", keyword.span, "`analyze` needs a `{ ... }` block", "add `{ fit power_law(loss ~ params) by curriculum }`");
  const analyses: Analysis[] = [];
  walkBlock(ctx, stmt.block, {
    name: "the `analyze` block",
    handlers: {
      fit: (r, s, kw) => {
        noBlock(s, kw);
        const item = r.next("a law: `power_law(loss ~ params)` or `chinchilla(loss ~ params + tokens)`");
        if (item.kind !== "call") return r.unexpected(item, "a law: `power_law(loss ~ params)` or `chinchilla(loss ~ params + tokens)`");
        const lawName = item.callee.text;
        if (lawName !== "power_law" && lawName !== "chinchilla") {
          fail("CGX0209", item.callee.span, `unknown law \`${lawName}\``, suggestHelp(lawName, ["power_law", "chinchilla", "breaks"]) );
        }
        const args = callArgs(item, ["formula"], [], ["formula"]);
        const { y, xs } = argValue(args, "formula", readFormula)!;
        if (lawName === "power_law" && xs.length !== 1) fail("CGX0204", xs[1]!.span, "a power law has one predictor", "write `power_law(loss ~ params)`, or use `chinchilla(loss ~ params + tokens)`");
        if (lawName === "chinchilla" && xs.length !== 2) fail("CGX0204", item.span, "a Chinchilla law has two predictors", "write `chinchilla(loss ~ params + tokens)`");
        const by = readBy(r);
        r.done("after the fit");
        analyses.push({ kind: "fit", law: { value: lawName, span: item.callee.span }, y, xs, by, span: cover(kw.span, s.span) });
      },
      breaks: (r, s, kw) => {
        noBlock(s, kw);
        const item = r.peek();
        if (!item || item.kind !== "call") {
          fail("CGX0204", item?.span ?? kw.span, "`breaks` takes a formula: `breaks(accuracy ~ params, max: 2)`");
        }
        r.next("a formula");
        const args = callArgs(item, ["formula"], ["max"], ["formula"]);
        const { y, xs } = argValue(args, "formula", readFormula)!;
        if (xs.length !== 1) fail("CGX0204", xs[1]!.span, "a broken power law has one predictor", "write `breaks(loss ~ params)`");
        const max = argValue(args, "max", (a) => a.integer("a maximum number of breaks", 0)) ?? { value: 2, span: item.span };
        const by = readBy(r);
        r.done("after the breaks analysis");
        analyses.push({ kind: "breaks", y, x: xs[0]!, max, by, span: s.span });
      },
      compare: (r, s, kw) => {
        noBlock(s, kw);
        let subject = r.name("a curriculum (or `curriculum` for every one)");
        let axis: Name | undefined;
        // `compare grow: on vs off` compares along another axis of the grid.
        if (r.acceptPunct(":")) {
          axis = subject;
          subject = readCompareValue(r);
        }
        r.expect("vs", "write `compare syllabus vs shuffled at equal flops`, or `compare grow: on vs off`");
        const baseline = axis ? readCompareValue(r) : r.name("a baseline control or curriculum");
        let at: Spanned<"flops" | "tokens"> = { value: "flops", span: kw.span };
        if (r.accept("at")) {
          r.expect("equal");
          at = r.choice(["flops", "tokens"] as const, "what to match (`flops` or `tokens`)");
        }
        let target: Spanned<number> | undefined;
        if (r.accept("target")) target = r.positive("a target loss");
        r.done("after the comparison");
        analyses.push({ kind: "compare", subject, baseline, at, span: s.span, ...(target ? { target } : {}), ...(axis ? { axis } : {}) });
      },
      progression: (r, s, kw) => {
        noBlock(s, kw);
        const item = r.peek();
        if (!item || item.kind !== "call") fail("CGX0204", item?.span ?? kw.span, "`progression` takes a formula: `progression(stage ~ params)`");
        const args = callArgs(item, ["formula"], [], ["formula"]);
        const { y, xs } = argValue(args, "formula", readFormula)!;
        if (xs.length !== 1) fail("CGX0204", xs[1]!.span, "a progression has one predictor", "write `progression(stage ~ params)`");
        r.next("a formula");
        r.done("after the progression");
        analyses.push({ kind: "progression", y, x: xs[0]!, span: s.span });
      },
    },
  });
  return { analyses, span: stmt.span };
}

/** A value on an axis, as a name: numbers are normalised (3e-3 and 0.003 are the same value). */
function readCompareValue(r: Reader): Name {
  const item = r.next("a value on the axis");
  if (item.kind === "word" && item.parts.length === 1) return { text: item.text, span: item.span };
  if (item.kind === "number") return { text: String(item.value), span: item.span };
  if (item.kind === "percent") return { text: String(item.value / 100), span: item.span };
  return r.unexpected(item, "a value on the axis");
}

/** `Y ~ X (+ X)*` */
function readFormula(r: Reader): { y: Name; xs: Name[] } {
  const yw = r.dotted("a response such as `loss`");
  const y: Name = { text: yw.text, span: yw.span };
  const tilde = r.next("`~`");
  if (tilde.kind !== "punct" || tilde.text !== "~") return r.unexpected(tilde, "`~` between the response and the predictors", "write `loss ~ params`");
  const xs: Name[] = [];
  do xs.push(r.name("a predictor such as `params`"));
  while (r.isPunct("+") && r.next("`+`"));
  return { y, xs };
}

function readBy(r: Reader): Name[] {
  const by: Name[] = [];
  if (r.accept("by")) {
    do by.push(r.name("a grouping such as `curriculum`"));
    while (r.acceptPunct(","));
  }
  return by;
}


