/** Builds `grow { ... }` and `prune { ... }`. */
import type { Duration, GrowEvent, GrowOp, GrowSection, GrowTrigger, Init, InsertPosition, PruneRule, PruneSection, Spanned, TimeExpr } from "../ast.js";
import { GROW_OPS, INITS, INSERT_POSITIONS, INTERPOLATIONS } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { cover } from "../span.js";
import type { CallItem, Statement, WordItem } from "../syntax.js";
import { needBlock, noBlock, walkBlock, type BuildContext } from "./context.js";
import { argValue, asCall, callArgs, fail, type Reader } from "./reader.js";

export function buildGrow(ctx: BuildContext, stmt: Statement, keyword: WordItem): GrowSection | undefined {
  const block = needBlock(stmt, keyword);
  let startLayers: GrowSection["startLayers"] | undefined;
  const events: GrowEvent[] = [];
  let freeze: Duration | undefined;
  let optimizer: Spanned<"carry" | "reset"> = { value: "carry", span: keyword.span };
  let rewarm: Duration | undefined;
  let broken = false;
  const skipped = walkBlock(ctx, block, {
    name: "the `grow` block",
    once: ["start", "new_layers", "optimizer", "lr"],
    handlers: {
      start: (r, s, kw) => {
        noBlock(s, kw);
        broken = true;
        r.expect("layers", "write `start layers 2` or `start layers 25%`");
        const item = r.next("a layer count or a share of the final depth");
        if (item.kind === "number") {
          if (!Number.isInteger(item.value) || item.value < 1) fail("CGX0404", item.span, "a starting depth must be a whole number of at least 1", "use e.g. `start layers 2`");
          startLayers = { value: { kind: "layers", value: item.value }, span: item.span };
        } else if (item.kind === "percent") {
          if (item.value <= 0 || item.value > 100) fail("CGX0403", item.span, "a starting depth share must be above 0% and at most 100%", "use e.g. `start layers 25%`");
          startLayers = { value: { kind: "fraction", value: item.value / 100 }, span: item.span };
        } else return r.unexpected(item, "a layer count or a share of the final depth");
        r.done("after the starting depth");
        broken = false;
      },
      at: (r, s, kw) => {
        noBlock(s, kw);
        const when = r.time();
        const trigger: GrowTrigger = { kind: "at", when, span: cover(kw.span, when.span) };
        events.push(readEventTail(r, trigger, kw));
      },
      when: (r, s, kw) => {
        noBlock(s, kw);
        const trigger = readPlateau(r, kw);
        events.push(readEventTail(r, trigger, kw));
      },
      new_layers: (r, s, kw) => {
        noBlock(s, kw);
        r.expect("freeze", "write `new_layers freeze for 2% then train`");
        r.expect("for");
        freeze = r.duration("a freeze length");
        r.expect("then");
        r.expect("train");
        r.done("after `then train`");
      },
      optimizer: (r, s, kw) => {
        noBlock(s, kw);
        optimizer = r.choice(["carry", "reset"] as const, "optimizer state policy (`carry` or `reset`)");
        r.done("after the optimizer policy");
      },
      lr: (r, s, kw) => {
        noBlock(s, kw);
        r.expect("rewarm", "write `lr rewarm 1%`");
        rewarm = r.duration("a rewarm length");
        r.done("after the rewarm length");
      },
    },
  });
  if (!startLayers) {
    if (!broken && !skipped.has("start")) ctx.error("CGX0206", keyword.span, "the `grow` block has no starting depth", "add `start layers 2` (or a share of the final depth: `start layers 25%`)");
    return undefined;
  }
  return { startLayers, events, optimizer, span: stmt.span, ...(freeze ? { freeze } : {}), ...(rewarm ? { rewarm } : {}) };
}

function readPlateau(r: Reader, kw: WordItem): GrowTrigger {
  const item = r.next("a trigger: `plateau(window: 300 steps, min_drop: 0.5%)`");
  if (item.kind !== "call" || item.callee.text !== "plateau") return r.unexpected(item, "`plateau(window: ..., min_drop: ...)`");
  const args = callArgs(item, [], ["window", "min_drop", "not_before", "times"], ["window", "min_drop"]);
  const window = argValue(args, "window", (a) => a.duration("a window length"))!;
  const minDrop = argValue(args, "min_drop", (a) => a.percent("a minimum relative drop"))!;
  const notBefore = argValue(args, "not_before", (a) => a.time());
  const times = argValue(args, "times", (a) => a.integer("a number of times", 1)) ?? { value: 1, span: item.span };
  if (window.value <= 0) fail("CGX0402", window.span, "a plateau window must be longer than zero", "use e.g. `window: 300 steps`");
  return { kind: "plateau", window, minDrop, times, span: cover(kw.span, item.span), ...(notBefore ? { notBefore } : {}) };
}

/** `: OP(...)` after a trigger. */
function readEventTail(r: Reader, trigger: GrowTrigger, kw: WordItem): GrowEvent {
  r.expectPunct(":");
  const op = readGrowOp(r);
  r.done("after the growth operator");
  return { trigger, op, span: cover(kw.span, op.span) };
}

function readInit(r: Reader): Init {
  return r.choice(INITS, "initialisation").value;
}

function readGrowOp(r: Reader): GrowOp {
  const item = r.next("a growth operator: `stack(factor: 2)`, `insert(middle, layers: 2)`, `interleave(every: 1)` or `distil(layers: 8, span: 10%)`");
  const call = asCall(item);
  if (!call) return r.unexpected(item, "a growth operator", suggestHelp("", GROW_OPS));
  switch (call.callee.text) {
    case "stack": {
      const args = callArgs(call, [], ["factor", "init"]);
      const factor = argValue(args, "factor", (a) => a.integer("a stacking factor", 2)) ?? { value: 2, span: call.span };
      const init = argValue(args, "init", readInit) ?? "copy";
      return { kind: "stack", factor, init, span: call.span };
    }
    case "insert": {
      const args = callArgs(call, ["position"], ["layers", "init"]);
      const position: InsertPosition = argValue(args, "position", (a) => a.choice(INSERT_POSITIONS, "insert position").value) ?? "top";
      const layers = argValue(args, "layers", (a) => a.integer("a layer count", 1)) ?? { value: 1, span: call.span };
      const init = argValue(args, "init", readInit) ?? "zero";
      return { kind: "insert", position, layers, init, span: call.span };
    }
    case "interleave": {
      const args = callArgs(call, [], ["every", "init"]);
      const every = argValue(args, "every", (a) => a.integer("a layer interval", 1)) ?? { value: 1, span: call.span };
      const init = argValue(args, "init", readInit) ?? "copy";
      return { kind: "interleave", every, init, span: call.span };
    }
    case "distil":
      return readDistil(call);
    default:
      fail("CGX0209", call.callee.span, `unknown growth operator \`${call.callee.text}\``, suggestHelp(call.callee.text, GROW_OPS));
  }
}

/** The defaults of `distil(...)`: Hinton et al. (2015) use temperatures of 1 to 20; 2 is common for LMs. */
export const DISTIL_DEFAULTS = { factor: 2, temperature: 2, weight: 0.5 } as const;

/** `distil(layers: N | factor: F, span: D, temperature: T, weight: W)`. */
function readDistil(call: CallItem): GrowOp {
  const args = callArgs(call, [], ["layers", "factor", "span", "temperature", "weight"], ["span"]);
  const layers = argValue(args, "layers", (a) => a.integer("a student depth", 1));
  const factor = argValue(args, "factor", (a) => a.integer("a depth factor", 2));
  if (layers && factor) fail("CGX0210", args.get("factor")!.span, "the student's depth is given twice, by `layers:` and by `factor:`", "keep one: `layers: 8` for a depth, `factor: 2` for twice the depth before");
  const depth = layers
    ? { kind: "layers" as const, value: layers.value, span: layers.span }
    : { kind: "factor" as const, value: factor?.value ?? DISTIL_DEFAULTS.factor, span: factor?.span ?? call.span };
  const duration = argValue(args, "span", (a) => a.duration("a distillation span"))!;
  if (duration.value <= 0) fail("CGX0402", duration.span, "a distillation span must be longer than zero", "use e.g. `span: 10%`");
  const temperature = argValue(args, "temperature", (a) => a.number("a temperature")) ?? { value: DISTIL_DEFAULTS.temperature, span: call.span };
  if (!(temperature.value > 0) || !Number.isFinite(temperature.value)) fail("CGX0707", temperature.span, `a distillation temperature must be above zero, found \`${temperature.value}\``, "use e.g. `temperature: 2` (1 is the teacher's own distribution)");
  const weight = argValue(args, "weight", (a) => a.number("a distillation weight")) ?? { value: DISTIL_DEFAULTS.weight, span: call.span };
  if (!(weight.value >= 0 && weight.value <= 1)) fail("CGX0708", weight.span, `a distillation weight must lie between 0 and 1, found \`${weight.value}\``, "use e.g. `weight: 0.5` (0: data loss only, 1: distillation only)");
  return { kind: "distil", depth, duration, temperature, weight, span: call.span };
}

export function buildPrune(ctx: BuildContext, stmt: Statement, keyword: WordItem): PruneSection {
  const block = needBlock(stmt, keyword);
  const rules: PruneRule[] = [];
  walkBlock(ctx, block, {
    name: "the `prune` block",
    handlers: {
      magnitude: (r, s, kw) => {
        noBlock(s, kw);
        rules.push(readMagnitude(r, kw));
      },
      heads: (r, s, kw) => {
        noBlock(s, kw);
        const keep = readKeep(r, "heads");
        if (r.accept("by")) r.expect("importance", "heads are ranked `by importance`");
        r.expect("at");
        const at = r.time();
        r.done("after the pruning time");
        rules.push({ kind: "heads", keep, at, span: cover(kw.span, at.span) });
      },
      layers: (r, s, kw) => {
        noBlock(s, kw);
        const keep = readKeep(r, "layers");
        if (r.accept("by")) r.expect("importance", "layers are ranked `by importance`");
        r.expect("at");
        const at = r.time();
        r.done("after the pruning time");
        rules.push({ kind: "layers", keep, at, span: cover(kw.span, at.span) });
      },
    },
  });
  return { rules, span: stmt.span };
}

function readKeep(r: Reader, what: string): Spanned<number> {
  r.expect("keep", `write \`${what} keep 75% at 90%\``);
  const keep = r.percent(`a share of ${what} to keep`);
  if (keep.value <= 0) fail("CGX0703", keep.span, `keeping 0% of the ${what} leaves no model`, "keep a share above zero");
  return keep;
}

/** `magnitude "PATTERN" to 50% sparsity [cubic] from 20% to 80% every 100 steps[, global|per_layer]` */
function readMagnitude(r: Reader, kw: WordItem): PruneRule {
  const pattern = r.string("a parameter pattern like \"blocks.*.mlp.*\"");
  r.expect("to");
  const sparsity = r.percent("a target sparsity");
  if (sparsity.value >= 1) fail("CGX0403", sparsity.span, "a sparsity of 100% removes every weight", "use a target below 100%");
  r.expect("sparsity", "write `to 50% sparsity`");
  let interpolation: (typeof INTERPOLATIONS)[number] = "cubic";
  if (r.isWord() && !r.isWord("from")) interpolation = r.choice(INTERPOLATIONS, "sparsity interpolation").value;
  r.expect("from");
  const from: TimeExpr = r.time();
  r.expect("to");
  const to: TimeExpr = r.time();
  r.expect("every", "say how often masks are updated: `every 100 steps`");
  const every = r.duration("a pruning interval");
  if (every.value <= 0) fail("CGX0402", every.span, "a pruning interval must be longer than zero", "use e.g. `every 100 steps`");
  let scope: "global" | "per_layer" = "per_layer";
  if (r.acceptPunct(",")) scope = r.choice(["global", "per_layer"] as const, "pruning scope").value;
  r.done("after the pruning rule");
  return { kind: "magnitude", pattern, sparsity, interpolation, from, to, every, scope, span: cover(kw.span, every.span) };
}
