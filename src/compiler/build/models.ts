/** Builds `models { ... }`, `budget ...` and `train { ... }`. */
import type { Budget, Duration, ModelsSection, Optimizer, Schedule, ShapeDecl, SizeGrid, Spanned, TrainSection } from "../ast.js";
import { OPTIMIZERS, SCHEDULES } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { sizeLabel } from "../shapes.js";
import { cover, type Span } from "../span.js";
import type { Statement, WordItem } from "../syntax.js";
import { needBlock, noBlock, walkBlock, type BuildContext } from "./context.js";
import { readLogGrid, type GridWords } from "./log-grid.js";
import { argValue, asCall, callArgs, fail, Reader } from "./reader.js";

export function buildModels(ctx: BuildContext, stmt: Statement, keyword: WordItem): ModelsSection | undefined {
  const block = needBlock(stmt, keyword);
  let params: SizeGrid | undefined;
  // Shapes take the block's `heads` and `mlp` where they give none; the block's statements may come
  // in any order, so those defaults are filled in once the whole block is read.
  const shapes: ShapeArgs[] = [];
  let heads: Spanned<number> = { value: 4, span: keyword.span };
  let mlp: Spanned<number> = { value: 4, span: keyword.span };
  let aspect: Spanned<number> = { value: 32, span: keyword.span };
  let broken = false;
  const skipped = walkBlock(ctx, block, {
    name: "the `models` block",
    once: ["params", "heads", "mlp", "aspect"],
    handlers: {
      params: (r, s, kw) => {
        noBlock(s, kw);
        broken = true;
        params = readSizeGrid(r);
        r.done("after the sizes");
        broken = false;
      },
      shape: (r, s, kw) => {
        noBlock(s, kw);
        broken = true;
        shapes.push(readShape(r, kw));
        broken = false;
      },
      heads: (r, s, kw) => {
        noBlock(s, kw);
        heads = r.integer("a head count", 1);
        r.done("after the head count");
      },
      mlp: (r, s, kw) => {
        noBlock(s, kw);
        mlp = r.integer("an MLP width multiple", 1);
        r.accept("x");
        r.done("after the MLP multiple");
      },
      aspect: (r, s, kw) => {
        noBlock(s, kw);
        aspect = r.integer("a width per layer", 8);
        r.done("after the aspect ratio");
      },
    },
  });
  if (!params && shapes.length === 0) {
    if (!broken && !skipped.has("params") && !skipped.has("shape")) ctx.error("CGX0206", keyword.span, "the `models` block names no model size", "add `params log(200k..20M, 6)` or `shape small(layers: 2, width: 128, heads: 4)`");
    return undefined;
  }
  // A `heads` or `mlp` statement that failed to read leaves its default; shapes relying on it are
  // still checked against that default, and the statement's own error is reported.
  const resolved = shapes.map(({ callSpan, ...sh }): ShapeDecl => ({ ...sh, heads: sh.heads ?? { value: heads.value, span: callSpan }, mlp: sh.mlp ?? { value: mlp.value, span: callSpan } }));
  return { ...(params ? { params } : {}), shapes: resolved, heads, mlp, aspect, span: stmt.span };
}

/** A `shape` as written: `heads` and `mlp` are absent when it leaves them to the block. */
interface ShapeArgs {
  readonly name: ShapeDecl["name"];
  readonly layers: Spanned<number>;
  readonly width: Spanned<number>;
  readonly heads: Spanned<number> | undefined;
  readonly mlp: Spanned<number> | undefined;
  readonly span: Span;
  readonly callSpan: Span;
}

function readSizeGrid(r: Reader): SizeGrid {
  const item = r.next("model sizes: `log(200k..20M, 6)`, `[1M, 4M]` or `1M`");
  if (item.kind === "number") {
    return { kind: "list", values: [{ value: positiveInt(r, item.value, item.span), span: item.span }], span: item.span };
  }
  if (item.kind === "list") {
    if (item.elements.length === 0) fail("CGX0801", item.span, "the size list is empty", "list at least one size: `[1M, 4M]`");
    const values = item.elements.map((el) => {
      const er = Reader.ofPhrase(el);
      const n = er.number("a parameter count");
      er.done("in the size list");
      return { value: positiveInt(r, n.value, n.span), span: n.span };
    });
    const seen = new Set<number>();
    for (const v of values) {
      if (seen.has(v.value)) fail("CGX0302", v.span, `the size ${sizeLabel(v.value)} is listed twice`, "list each size once");
      seen.add(v.value);
    }
    return { kind: "list", values, span: item.span };
  }
  if (item.kind === "call" && item.callee.text === "log") {
    return { kind: "log", ...readLogGrid(item, SIZE_GRID) };
  }
  r.unexpected(item, "model sizes: `log(200k..20M, 6)`, `[1M, 4M]` or `1M`");
}

/** Larger targets than this are typos: their shapes and FLOPs would not fit in a double. */
const MAX_PARAMS = 1e13;

const SIZE_GRID: GridWords = {
  one: "size",
  many: "sizes",
  range: "200k..20M",
  single: "use a list for one size: `params [1M]`",
  usual: "3 to 10 sizes are usual",
  upper: { value: MAX_PARAMS, message: "a model size must be at most 10T parameters", help: "use e.g. `20M`" },
};

function positiveInt(_r: Reader, value: number, span: Span): number {
  if (!(value > 0)) fail("CGX0402", span, "a model size must be above zero", "use e.g. `1M`");
  if (value > MAX_PARAMS) fail("CGX0402", span, "a model size must be at most 10T parameters", "use e.g. `1M`");
  return Math.round(value);
}

function readShape(r: Reader, kw: WordItem): ShapeArgs {
  const item = r.next("a shape: `small(layers: 2, width: 128, heads: 4)`");
  if (item.kind !== "call") return r.unexpected(item, "a shape: `small(layers: 2, width: 128, heads: 4)`");
  const args = callArgs(item, [], ["layers", "width", "heads", "mlp"], ["layers", "width"]);
  const layers = argValue(args, "layers", (a) => a.integer("a layer count", 1))!;
  const width = argValue(args, "width", (a) => a.integer("a width", 1))!;
  const heads = argValue(args, "heads", (a) => a.integer("a head count", 1));
  const mlp = argValue(args, "mlp", (a) => a.integer("an MLP multiple", 1));
  r.done("after the shape");
  return { name: { text: item.callee.text, span: item.callee.span }, layers, width, heads, mlp, span: cover(kw.span, item.span), callSpan: item.span };
}

export function buildBudget(r: Reader, keyword: WordItem): Budget {
  const kind = r.choice(["tokens", "flops", "steps"] as const, "budget (`tokens`, `flops` or `steps`)");
  const n = r.positive(`a ${kind.value} budget`);
  if (kind.value === "tokens" && r.accept("x")) {
    const per = r.expect("params", "a budget per parameter is written `tokens 20 x params`");
    r.done("after the budget");
    return { kind: "tokens_per_param", value: n.value, span: cover(keyword.span, per.span) };
  }
  if (kind.value === "flops" || kind.value === "steps") r.accept("per") && r.expect("cell");
  if (kind.value === "tokens") r.accept("tok");
  r.done("after the budget");
  if (kind.value === "steps" && !Number.isInteger(n.value)) fail("CGX0404", n.span, "a budget in steps must be a whole number", "round it");
  return { kind: kind.value, value: n.value, span: cover(keyword.span, n.span) };
}

export function buildTrain(ctx: BuildContext, stmt: Statement, keyword: WordItem): TrainSection {
  const block = needBlock(stmt, keyword);
  const defaults = defaultTrain(keyword.span);
  let optimizer = defaults.optimizer;
  let schedule = defaults.schedule;
  let batch = defaults.batch;
  let clip = defaults.clip;
  walkBlock(ctx, block, {
    name: "the `train` block",
    once: ["optimizer", "schedule", "batch", "clip"],
    handlers: {
      optimizer: (r, s, kw) => {
        noBlock(s, kw);
        optimizer = readOptimizer(r);
        r.done("after the optimizer");
      },
      schedule: (r, s, kw) => {
        noBlock(s, kw);
        schedule = readSchedule(r);
        r.done("after the schedule");
      },
      batch: (r, s, kw) => {
        noBlock(s, kw);
        batch = r.integer("a batch size (sequences per step)", 1);
        r.done("after the batch size");
      },
      clip: (r, s, kw) => {
        noBlock(s, kw);
        if (r.accept("off")) clip = { value: 0, span: kw.span };
        else clip = r.positive("a gradient-norm clip");
        r.done("after the clip value");
      },
    },
  });
  return { optimizer, schedule, batch, clip, span: stmt.span };
}

/** The training settings used where the file does not say (documented in docs/language.md). */
export function defaultTrain(span: Span): TrainSection {
  return {
    optimizer: { kind: "adamw", lr: { value: 1e-3, span }, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, momentum: 0, span },
    schedule: { kind: "cosine", warmup: { kind: "fraction", value: 0.01, span }, minLr: 0.1, span },
    batch: { value: 16, span },
    clip: { value: 1, span },
    span,
  };
}

function readOptimizer(r: Reader): Optimizer {
  const item = r.next("an optimizer: `adamw(lr: 3e-3)`, `adam(lr: 1e-3)` or `sgd(lr: 0.1, momentum: 0.9)`");
  const call = asCall(item);
  if (!call) return r.unexpected(item, "an optimizer", suggestHelp("", OPTIMIZERS));
  const kind = call.callee.text;
  if (!(OPTIMIZERS as readonly string[]).includes(kind)) {
    fail("CGX0209", call.callee.span, `unknown optimizer \`${kind}\``, suggestHelp(kind, OPTIMIZERS));
  }
  const named = kind === "sgd" ? ["momentum", "weight_decay"] : ["betas", "eps", "weight_decay"];
  const args = callArgs(call, ["lr"], named, ["lr"]);
  const lr = argValue(args, "lr", (a) => a.positive("a learning rate"))!;
  if (lr.value >= 10) fail("CGX0402", lr.span, `a learning rate of ${lr.value} will diverge`, "typical values are 1e-4 to 1e-2");
  let beta1 = 0.9;
  let beta2 = 0.95;
  argValue(args, "betas", (a) => {
    const t = a.next("a pair `(0.9, 0.95)`");
    if (t.kind !== "tuple" || t.elements.length !== 2) return a.unexpected(t, "a pair `(0.9, 0.95)`");
    const [b1, b2] = t.elements.map((el) => {
      const er = Reader.ofPhrase(el);
      const b = er.number("a beta");
      er.done("in the betas");
      if (b.value < 0 || b.value >= 1) fail("CGX0402", b.span, "a beta must lie in [0, 1)", "0.9 and 0.95 or 0.999 are usual");
      return b.value;
    });
    beta1 = b1!;
    beta2 = b2!;
  });
  const eps = argValue(args, "eps", (a) => a.positive("an epsilon"))?.value ?? 1e-8;
  const weightDecay = argValue(args, "weight_decay", (a) => nonNegative(a, "a weight decay"))?.value ?? (kind === "adamw" ? 0.1 : 0);
  const momentum = argValue(args, "momentum", (a) => {
    const m = nonNegative(a, "a momentum");
    if (m.value >= 1) fail("CGX0402", m.span, "a momentum must be below 1", "0.9 is usual");
    return m;
  })?.value ?? 0;
  return { kind: kind as Optimizer["kind"], lr, beta1, beta2, eps, weightDecay, momentum, span: call.span };
}

function nonNegative(r: Reader, what: string): Spanned<number> {
  const n = r.number(what);
  if (n.value < 0) fail("CGX0402", n.span, `${what} cannot be negative`, "use zero or more");
  return n;
}

export function readSchedule(r: Reader): Schedule {
  const item = r.next("a schedule: `cosine(warmup: 2%)`, `linear(...)` or `constant(...)`");
  const call = asCall(item);
  if (!call) return r.unexpected(item, "a schedule", suggestHelp("", SCHEDULES));
  const kind = call.callee.text;
  if (!(SCHEDULES as readonly string[]).includes(kind)) {
    fail("CGX0209", call.callee.span, `unknown schedule \`${kind}\``, suggestHelp(kind, SCHEDULES));
  }
  const args = callArgs(call, [], kind === "constant" ? ["warmup"] : ["warmup", "min_lr"]);
  const warmup: Duration = argValue(args, "warmup", (a) => a.duration("a warmup length")) ?? { kind: "fraction", value: 0.01, span: call.span };
  const minLr = argValue(args, "min_lr", (a) => a.percent("a final LR as a share of the peak"))?.value ?? (kind === "constant" ? 1 : 0.1);
  return { kind: kind as Schedule["kind"], warmup, minLr, span: call.span };
}
