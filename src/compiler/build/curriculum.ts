/** Builds `curriculum NAME ...` and `control KIND ...` declarations. */
import type {
  Comparison,
  ControlDecl,
  CurriculumBody,
  CurriculumDecl,
  Duration,
  Filter,
  Level,
  Mixture,
  MixPart,
  Name,
  Order,
  PacingFn,
  Reweight,
  SourceSelection,
  Spanned,
  Stage,
} from "../ast.js";
import { PACING_FUNCTIONS } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { cover, type Span } from "../span.js";
import type { Statement, WordItem } from "../syntax.js";
import { noBlock, walkBlock, type BuildContext } from "./context.js";
import { argValue, asCall, callArgs, fail, Reader, skip } from "./reader.js";

const COMPARISONS: readonly Comparison[] = ["<=", ">=", "<", ">", "==", "!="];

export function buildCurriculum(ctx: BuildContext, r: Reader, stmt: Statement, keyword: WordItem): CurriculumDecl | undefined {
  const name = r.name("a curriculum name");
  try {
    if (r.acceptPunct("=")) {
      noBlock(stmt, keyword);
      const body = readShorthand(r);
      r.done("after the curriculum");
      return { name, body, span: stmt.span };
    }
    r.done("after the curriculum name (a curriculum takes a `{ ... }` block or `= pacing(...) by METRIC`)");
    if (!stmt.block) {
      fail("CGX0203", name.span, `curriculum \`${name.text}\` needs a body`, "add `{ stage ... }`, or write `= pacing(linear, start: 20%, full_at: 50%) by difficulty`");
    }
  } catch (e) {
    ctx.brokenNames.add(name.text);
    throw e;
  }
  const stages: Stage[] = [];
  let single: CurriculumBody | undefined;
  let sources: SourceSelection | undefined;
  let broken = false;
  const setSingle = (body: CurriculumBody, span: Span) => {
    if (single || stages.length) fail("CGX0205", span, "a curriculum has one body: stages, a pace, a pacing or an order", "split it into two curricula");
    single = body;
  };
  let reweight: Reweight | undefined;
  const failed = walkBlock(ctx, stmt.block, {
    name: `curriculum \`${name.text}\``,
    once: ["sources", "mix", "reweight"],
    handlers: {
      stage: (sr, s, kw) => {
        try {
          if (single) fail("CGX0205", kw.span, "a curriculum has one body: stages, a pace, a pacing or an order", "split it into two curricula");
          stages.push(readStage(ctx, sr, s, kw));
        } catch (e) {
          broken = true;
          throw e;
        }
      },
      pace: (pr, s, kw) => {
        noBlock(s, kw);
        const metric = pr.name("a difficulty metric (usually `difficulty`)");
        pr.expect("from");
        const from = readLevel(pr);
        pr.expect("to");
        const to = readLevel(pr);
        pr.expect("over");
        const over = pr.length();
        pr.expect("using");
        const fn = readPacingFn(pr);
        pr.done("after the pacing function");
        setSingle({ kind: "paced", metric, from, to, over, fn, sources: { kind: "all", span: kw.span } }, kw.span);
      },
      pacing: (pr, s, kw) => {
        noBlock(s, kw);
        const body = readPacing(pr);
        setSingle(body, kw.span);
      },
      order: (or, s, kw) => {
        noBlock(s, kw);
        const body = readOrder(or, kw);
        setSingle(body, kw.span);
      },
      sources: (sr, s, kw) => {
        noBlock(s, kw);
        sources = readSources(sr, kw);
      },
      mix: (mr, s, kw) => {
        noBlock(s, kw);
        sources = { kind: "mix", mixture: readMixture(mr, kw) };
      },
      reweight: (rr, s, kw) => {
        noBlock(s, kw);
        reweight = readReweight(rr, kw);
      },
    },
  });
  let body: CurriculumBody;
  if (single) {
    body = sources && single.kind !== "staged" ? { ...single, sources } : single;
    if (stages.length) broken = true;
  } else if (stages.length || broken || failed.has("stage")) {
    if (sources) {
      ctx.error("CGX0204", sources.kind === "all" ? sources.span : sources.mixture.span, "a staged curriculum sets its sources per stage", "move the `mix` into each `stage`");
    }
    body = { kind: "staged", stages };
  } else if (["pace", "pacing", "order"].some((k) => failed.has(k))) {
    // Its body was written but failed to build, which was reported.
    ctx.brokenNames.add(name.text);
    return undefined;
  } else {
    ctx.error("CGX0507", name.span, `curriculum \`${name.text}\` is empty`, "add stages, a `pace`, a `pacing(...)` or an `order by difficulty`");
    ctx.brokenNames.add(name.text);
    return undefined;
  }
  if (reweight && body.kind === "staged") {
    ctx.error("CGX0509", reweight.span, `a staged curriculum reweights stage by stage`, "move `reweight by loss(...)` into the stages whose mix should move");
    reweight = undefined;
  } else if (reweight && body.kind !== "staged") {
    const parts = body.sources.kind === "mix" ? body.sources.mixture.parts.length : 0;
    if (parts < 2) {
      ctx.error("CGX0509", reweight.span, `curriculum \`${name.text}\` reweights ${parts ? "a mix of one source" : "without a `mix`"}`, "reweighting moves weight between the sources of the curriculum's `mix`: add `mix SOURCE P%, SOURCE P%` with two or more sources");
      reweight = undefined;
    } else reweight = checkedFloor(ctx, reweight, parts);
  }
  const decl: CurriculumDecl = { name, body, span: stmt.span, ...(reweight ? { reweight } : {}) };
  if (broken) ctx.incomplete.add(decl);
  return decl;
}

/** The reweighting, or undefined (with CGX0510) when its floor leaves nothing to move between `k` sources. */
function checkedFloor(ctx: BuildContext, reweight: Reweight, k: number): Reweight | undefined {
  if (reweight.floor.value * k < 1) return reweight;
  ctx.error("CGX0510", reweight.floor.span, `a floor of ${Math.round(reweight.floor.value * 1000) / 10}% for each of ${k} sources leaves nothing to reweight`, `use a floor below ${Math.floor(1000 / k) / 10}% (e.g. \`floor: 1%\`)`);
  return undefined;
}

function readShorthand(r: Reader): CurriculumBody {
  const head = r.peek();
  if (head?.kind === "word" && head.text === "order") {
    const kw = r.next("`order`") as WordItem;
    return readOrder(r, kw);
  }
  return readPacing(r);
}

/** `pacing(FN, start: 20%, full_at: 50%) by METRIC [descending]` */
function readPacing(r: Reader): CurriculumBody {
  const item = r.next("`pacing(...)` or `order by ...`");
  if (item.kind !== "call" || item.callee.text !== "pacing") {
    r.unexpected(item, "`pacing(FN, start: 20%, full_at: 50%)` or `order by difficulty`");
  }
  const args = callArgs(item, ["fn"], ["start", "full_at"], ["fn"]);
  const fn = argValue(args, "fn", readPacingFn)!;
  const start = argValue(args, "start", (a) => a.percent("a starting competence")) ?? { value: 0.1, span: item.span };
  const fullAt = argValue(args, "full_at", (a) => a.duration()) ?? ({ kind: "fraction", value: 0.5, span: item.span } as Duration);
  if (start.value >= 1) fail("CGX0506", start.span, "a starting competence of 100% leaves nothing to pace", "use a start below 100%, e.g. `start: 20%`");
  if (fullAt.value <= 0) fail("CGX0506", fullAt.span, "full competence must come after the start of training", "use `full_at:` above zero, e.g. `full_at: 50%`");
  r.expect("by", "say which difficulty orders the data: `by difficulty`");
  const metric = r.name("a difficulty metric (usually `difficulty`)");
  const descending = readDirection(r);
  r.done("after the pacing");
  return { kind: "competence", metric, fn, start, fullAt, descending, sources: { kind: "all", span: item.span } };
}

/** `order by METRIC [ascending|descending]` (after the `order` keyword). */
function readOrder(r: Reader, kw: WordItem): CurriculumBody {
  r.expect("by", "write `order by difficulty`");
  const metric = r.name("a difficulty metric (usually `difficulty`)");
  const descending = readDirection(r);
  r.done("after the ordering");
  return { kind: "ordered", metric, descending, sources: { kind: "all", span: kw.span } };
}

function readDirection(r: Reader): boolean {
  if (r.accept("descending")) return true;
  r.accept("ascending");
  return false;
}

function readPacingFn(r: Reader): PacingFn {
  const item = r.next("a pacing function");
  const call = asCall(item);
  if (!call) return r.unexpected(item, "a pacing function", suggestHelp("", PACING_FUNCTIONS));
  switch (call.callee.text) {
    case "linear":
    case "exponential":
    case "competence":
      callArgs(call, [], []);
      return { kind: call.callee.text, span: call.span };
    case "root": {
      const args = callArgs(call, ["p"], []);
      const p = argValue(args, "p", (a) => a.number("a root power"))?.value ?? 2;
      if (p < 1) fail("CGX0402", call.span, "a root power must be at least 1", "root(2) is the square-root pacing of Platanios et al.");
      return { kind: "root", power: p, span: call.span };
    }
    case "step": {
      const args = callArgs(call, ["n"], []);
      const n = argValue(args, "n", (a) => a.integer("a number of steps", 1))?.value ?? 4;
      return { kind: "step", steps: n, span: call.span };
    }
    default:
      fail("CGX0209", call.callee.span, `unknown pacing function \`${call.callee.text}\``, suggestHelp(call.callee.text, PACING_FUNCTIONS));
  }
}

/** `p99`: the 99th percentile, the same level as `99%`. */
const PERCENTILE = /^p(\d+)$/;

function readLevel(r: Reader): Level {
  const what = "a difficulty level (a number, a quantile like `10%` or `p99`, `min` or `max`)";
  const item = r.next(what);
  if (item.kind === "number") return { kind: "value", value: item.value, span: item.span };
  if (item.kind === "percent") {
    if (item.value > 100) fail("CGX0403", item.span, `the quantile \`${item.text}\` is over 100%`, "use 0%..100%");
    return { kind: "quantile", value: item.value / 100, span: item.span };
  }
  const percentile = item.kind === "word" && item.parts.length === 1 ? PERCENTILE.exec(item.text) : null;
  if (percentile) {
    const n = Number(percentile[1]);
    if (n > 100) fail("CGX0403", item.span, `the percentile \`${percentile[0]}\` is over 100`, "use `p0` to `p100` (`p99` is the 99th percentile)");
    return { kind: "quantile", value: n / 100, span: item.span };
  }
  if (item.kind === "word" && item.text === "min") return { kind: "min", span: item.span };
  if (item.kind === "word" && item.text === "max") return { kind: "max", span: item.span };
  r.unexpected(item, what);
}

function readStage(ctx: BuildContext, r: Reader, stmt: Statement, kw: WordItem): Stage {
  const name = r.name("a stage name");
  // A broken header is reported, and the block is still read for errors of its own.
  const header = ctx.attempt(() => {
    const d = r.accept("for") ? r.length("a stage length (`10%`, `2M tok`, `500 steps` or `10% of SOURCE`)") : undefined;
    r.done("after the stage header (a stage is `stage NAME [for DURATION] { mix ... }`)");
    return { duration: d };
  });
  const duration = header?.duration;
  if (!stmt.block && !header) skip();
  if (!stmt.block) fail("CGX0203", name.span, `stage \`${name.text}\` needs a \`{ mix ... }\` block`, "add `{ mix SOURCE 100% }`");
  let mixture: Mixture | undefined;
  let mixBroken = false;
  let order: Spanned<Order> = { value: "shuffled", span: name.span };
  let reweight: Reweight | undefined;
  const skipped = walkBlock(ctx, stmt.block, {
    name: `stage \`${name.text}\``,
    once: ["mix", "order", "reweight"],
    handlers: {
      mix: (mr, s, mkw) => {
        mixBroken = true;
        noBlock(s, mkw);
        mixture = readMixture(mr, mkw);
        mixBroken = false;
      },
      order: (or, s, okw) => {
        noBlock(s, okw);
        order = or.choice(["shuffled", "easy_first", "hard_first"] as const, "order within the stage");
        or.done("after the order");
      },
      reweight: (rr, s, rkw) => {
        noBlock(s, rkw);
        reweight = readReweight(rr, rkw);
      },
    },
  });
  if (!header || (!mixture && (mixBroken || skipped.has("mix")))) skip();
  if (!mixture) fail("CGX0206", name.span, `stage \`${name.text}\` has no \`mix\``, "add `mix SOURCE 100%` inside the stage");
  if (reweight && mixture.parts.length < 2) {
    ctx.error("CGX0509", reweight.span, `stage \`${name.text}\` reweights a mix of one source`, "reweighting moves weight between the sources of the stage's `mix`: mix two or more sources, or remove `reweight`");
    reweight = undefined;
  }
  if (reweight) reweight = checkedFloor(ctx, reweight, mixture.parts.length);
  return { name, ...(duration ? { duration } : {}), mixture, order, ...(reweight ? { reweight } : {}), span: cover(kw.span, stmt.span) };
}

/** Defaults of `reweight by loss(...)`: also what docs/language.md lists. */
export const REWEIGHT_DEFAULTS = { every: 0.1, rate: 1, floor: 0.01, on: "heldout", against: "initial", samples: 64 } as const;

/** `reweight by loss(every: D, rate: R, floor: P%, on: heldout|train, against: initial|none, samples: N)` (after the keyword). */
function readReweight(r: Reader, kw: WordItem): Reweight {
  r.expect("by", "write `reweight by loss(every: 10%)`");
  const item = r.next("`loss(...)`");
  const call = asCall(item);
  if (!call || call.callee.text !== "loss") r.unexpected(item, "`loss(...)`: weights move by the loss of each source", "write `reweight by loss(every: 10%)`");
  r.done("after `reweight by loss(...)`");
  const args = callArgs(call, [], ["every", "rate", "floor", "on", "against", "samples"]);
  const d = REWEIGHT_DEFAULTS;
  const every = argValue(args, "every", (a) => a.duration("an interval between updates (`10%`, `200k tok` or `50 steps`)")) ?? ({ kind: "fraction", value: d.every, span: call.span } as Duration);
  if (every.value <= 0) fail("CGX0510", every.span, "weights must be updated at an interval longer than zero", "use e.g. `every: 10%` or `every: 50 steps`");
  const rate = argValue(args, "rate", (a) => a.positive("a learning rate for the weights")) ?? { value: d.rate, span: call.span };
  const floor = argValue(args, "floor", (a) => a.percent("a least share for each source")) ?? { value: d.floor, span: call.span };
  const on = argValue(args, "on", (a) => a.choice(["heldout", "train"] as const, "split to measure losses on")) ?? { value: d.on, span: call.span };
  const against = argValue(args, "against", (a) => a.choice(["initial", "none"] as const, "reweighting reference")) ?? { value: d.against, span: call.span };
  const samples = argValue(args, "samples", (a) => a.integer("a number of sequences per source", 1)) ?? { value: d.samples, span: call.span };
  if (samples.value > 4096) fail("CGX0510", samples.span, `${samples.value} sequences per source at each update is over the limit of 4096`, "64 to 256 sequences measure a source's loss well enough");
  return { every, rate, floor, on, against, samples, span: cover(kw.span, call.span) };
}

/** `mix a 70%, b 30% [where FIELD OP VALUE (and ...)*]` (after the keyword). */
export function readMixture(r: Reader, kw: WordItem): Mixture {
  const parts: MixPart[] = [];
  do {
    const source = r.name("a source name");
    const weight = r.percent(`a share for \`${source.text}\``);
    parts.push({ source, weight });
  } while (r.acceptPunct(","));
  const filters: Filter[] = [];
  if (r.accept("where")) {
    do filters.push(readFilter(r));
    while (r.accept("and"));
  }
  r.done("after the mixture (separate parts with `,`; filters go after `where`)");
  const last = filters.length ? filters[filters.length - 1]!.span : parts[parts.length - 1]!.weight.span;
  return { parts, filters, span: cover(kw.span, last) };
}

function readFilter(r: Reader): Filter {
  const field = r.name("a field to filter on");
  const opItem = r.next("a comparison (`<=`, `>=`, `<`, `>`, `==`, `!=`)");
  if (opItem.kind !== "punct" || !(COMPARISONS as readonly string[]).includes(opItem.text)) {
    r.unexpected(opItem, "a comparison (`<=`, `>=`, `<`, `>`, `==`, `!=`)");
  }
  const value = r.number("a number to compare with");
  return { field, op: opItem.text as Comparison, value, span: cover(field.span, value.span) };
}

/** `sources all` or `sources a, b, c` (after the keyword). */
export function readSources(r: Reader, kw: WordItem): SourceSelection {
  if (r.accept("all")) {
    r.done("after `sources all`");
    return { kind: "all", span: kw.span };
  }
  const names: Name[] = [];
  do names.push(r.name("a source name"));
  while (r.acceptPunct(","));
  r.done("after the source list");
  // An unweighted list means equal shares; the checker still resolves the names.
  const share = 1 / names.length;
  const parts = names.map((n) => ({ source: n, weight: { value: share, span: n.span } }));
  return { kind: "mix", mixture: { parts, filters: [], span: cover(kw.span, names[names.length - 1]!.span) } };
}

export function buildControl(ctx: BuildContext, r: Reader, stmt: Statement, keyword: WordItem): ControlDecl | undefined {
  const kind = r.choice(["shuffled", "anti"] as const, "control");
  let name: Name = { text: kind.value, span: kind.span };
  if (r.isWord() && !r.isWord("like") && !r.isWord("by")) name = r.name("a control name");
  let like: Name | undefined;
  if (r.accept("like")) {
    if (kind.value !== "shuffled") fail("CGX0204", r.peek()?.span ?? kind.span, "only a `shuffled` control can copy a curriculum's sources", "remove `like ...`");
    like = r.name("a curriculum name");
  }
  r.done("after the control (`control shuffled [NAME] [like CURRICULUM]` or `control anti [NAME]`)");
  let sources: SourceSelection | undefined;
  if (stmt.block) {
    walkBlock(ctx, stmt.block, {
      name: `control \`${name.text}\``,
      once: ["sources", "mix"],
      handlers: {
        sources: (sr, s, kw) => {
          noBlock(s, kw);
          sources = readSources(sr, kw);
        },
        mix: (mr, s, kw) => {
          noBlock(s, kw);
          sources = { kind: "mix", mixture: readMixture(mr, kw) };
        },
      },
    });
    if (like && sources) {
      ctx.error("CGX0204", stmt.block.span, "a control takes its sources from `like NAME` or from its block, not both", "remove one");
    }
  }
  const decl: ControlDecl = { kind, name, span: cover(keyword.span, stmt.span), ...(like ? { like } : {}), ...(sources ? { sources } : {}) };
  return decl;
}
