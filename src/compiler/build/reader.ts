/**
 * A cursor over the items of one statement (or one call argument), with typed readers that either
 * return a value or abort the statement with one precise diagnostic. Aborting keeps follow-on errors
 * out: a statement reports at most its first problem.
 */
import type { Code } from "../codes.js";
import { diag, suggestHelp, type Diagnostic } from "../diagnostics.js";
import type { DataUsed, Duration, Length, Name, Spanned, TimeExpr } from "../ast.js";
import { cover, type Span } from "../span.js";
import { itemText, type CallArg, type CallItem, type Item, type PercentItem, type Phrase, type WordItem } from "../syntax.js";

export class Abort extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export function fail(code: Code, span: Span, message: string, help?: string): never {
  throw new Abort(diag(code, span, message, help));
}

/** Aborts a statement whose problem was already reported (inside its block): no new diagnostic. */
export class Skip extends Error {}

export function skip(): never {
  throw new Skip("skipped after an earlier error");
}

const TOKEN_UNITS = new Set(["tok", "tokens", "token"]);
const STEP_UNITS = new Set(["steps", "step"]);

export function describeItem(item: Item): string {
  switch (item.kind) {
    case "number":
      return `the number \`${item.text}\``;
    case "percent":
      return `the percentage \`${item.text}\``;
    case "string":
      return `the string ${item.text}`;
    case "word":
      return `\`${item.text}\``;
    case "call":
      return `\`${item.callee.text}(...)\``;
    case "list":
      return "a list";
    case "tuple":
      return "a tuple";
    case "range":
      return `the range \`${itemText(item)}\``;
    case "punct":
      return `\`${item.text}\``;
  }
}

export class Reader {
  private i = 0;

  /** `end` is where "expected ... here" points once the items run out. */
  constructor(
    readonly items: readonly Item[],
    private readonly end: Span,
  ) {}

  static ofPhrase(p: Phrase): Reader {
    return new Reader(p.items, p.span);
  }

  get atEnd(): boolean {
    return this.i >= this.items.length;
  }

  peek(offset = 0): Item | undefined {
    return this.items[this.i + offset];
  }

  /** Span used for "missing X" errors: just after the last item read. */
  private hereSpan(): Span {
    const next = this.items[this.i];
    if (next) return next.span;
    const last = this.items[this.i - 1];
    const s = last ? last.span : this.end;
    // Empty, just after the last item: the caret marks the place, and the span cannot run past the text.
    return { start: s.end, end: s.end, line: s.endLine, col: s.endCol, endLine: s.endLine, endCol: s.endCol };
  }

  next(what: string): Item {
    const item = this.items[this.i];
    if (!item) fail("CGX0204", this.hereSpan(), `expected ${what}, found end of statement`, `add ${what} here`);
    this.i++;
    return item;
  }

  /** Fails with "expected WHAT, found ITEM". */
  unexpected(item: Item, what: string, help?: string): never {
    fail("CGX0204", item.span, `expected ${what}, found ${describeItem(item)}`, help);
  }

  isWord(text?: string, offset = 0): boolean {
    const it = this.peek(offset);
    return it?.kind === "word" && it.parts.length === 1 && (text === undefined || it.text === text);
  }

  isPunct(text: string, offset = 0): boolean {
    const it = this.peek(offset);
    return it?.kind === "punct" && it.text === text;
  }

  /** Consumes the keyword if it is next. */
  accept(text: string): WordItem | undefined {
    if (this.isWord(text)) return this.items[this.i++] as WordItem;
    return undefined;
  }

  acceptPunct(text: string): boolean {
    if (this.isPunct(text)) {
      this.i++;
      return true;
    }
    return false;
  }

  expect(text: string, help?: string): WordItem {
    const item = this.next(`\`${text}\``);
    if (item.kind !== "word" || item.text !== text) {
      this.unexpected(item, `\`${text}\``, help);
    }
    return item;
  }

  expectPunct(text: string): Span {
    const item = this.next(`\`${text}\``);
    if (item.kind !== "punct" || item.text !== text) return this.unexpected(item, `\`${text}\``);
    return item.span;
  }

  /** A plain (undotted) name. */
  name(what = "a name"): Name {
    const item = this.next(what);
    if (item.kind !== "word" || item.parts.length !== 1) return this.unexpected(item, what);
    return { text: item.text, span: item.span };
  }

  /** A possibly dotted name. */
  dotted(what = "a name"): WordItem {
    const item = this.next(what);
    if (item.kind !== "word") return this.unexpected(item, what);
    return item;
  }

  /** One of a fixed set of words, with a did-you-mean. */
  choice<T extends string>(options: readonly T[], what: string): Spanned<T> {
    const item = this.next(what);
    if (item.kind !== "word") return this.unexpected(item, what, suggestHelp("", options));
    if (!(options as readonly string[]).includes(item.text)) {
      fail("CGX0209", item.span, `unknown ${what} \`${item.text}\``, suggestHelp(item.text, options));
    }
    return { value: item.text as T, span: item.span };
  }

  number(what = "a number"): Spanned<number> {
    const item = this.next(what);
    if (item.kind !== "number") {
      if (item.kind === "percent") {
        fail("CGX0401", item.span, `expected ${what}, found the percentage \`${item.text}\``, "write a plain number here, without `%`");
      }
      this.unexpected(item, what, item.kind === "word" ? "write it in digits" : undefined);
    }
    return { value: item.value, span: item.span };
  }

  positive(what = "a positive number"): Spanned<number> {
    const n = this.number(what);
    if (!(n.value > 0)) fail("CGX0402", n.span, `${what} must be greater than zero`, "use a positive value");
    return n;
  }

  integer(what = "a whole number", min = 1): Spanned<number> {
    const n = this.number(what);
    if (!Number.isInteger(n.value)) fail("CGX0404", n.span, `expected ${what}, found \`${n.value}\``, "use a whole number");
    if (n.value < min) fail("CGX0402", n.span, `${what} must be at least ${min}`, `use ${min} or more`);
    return n;
  }

  /** A percentage as a fraction 0..1; checks the 0..100% range. */
  percent(what = "a percentage", allowZero = true): Spanned<number> {
    const item = this.next(what);
    if (item.kind !== "percent") {
      if (item.kind === "number") {
        fail("CGX0401", item.span, `expected ${what}, found the plain number \`${item.text}\``, `write it as a percentage, e.g. \`${item.text}%\``);
      }
      this.unexpected(item, what);
    }
    if (item.value > 100) fail("CGX0403", item.span, `${what} must be at most 100%, found \`${item.text}\``, "use a value between 0% and 100%");
    if (!allowZero && item.value === 0) fail("CGX0403", item.span, `${what} must be above 0%`, "use a value between 0% and 100%");
    return { value: item.value / 100, span: item.span };
  }

  string(what = "a string"): Spanned<string> {
    const item = this.next(what);
    if (item.kind !== "string") return this.unexpected(item, what, 'put it in double quotes: "..."');
    return { value: item.value, span: item.span };
  }

  /** A length of training time: `10%`, `2M tok`, `500 steps`. */
  duration(what = "a duration (`10%`, `2M tok` or `500 steps`)"): Duration {
    if (this.isDataUsed()) {
      const used = this.dataUsed();
      fail("CGX0513", used.span, "data used (`P% of SOURCE`) can only end a `pace ... over` or a `stage ... for`", "give training time here: a share of the budget (`10%`), `2M tok` or `500 steps`");
    }
    const item = this.next(what);
    if (item.kind === "percent") {
      if (item.value > 100) fail("CGX0403", item.span, `${what.split(" (")[0]} \`${item.text}\` is over 100% of the budget`, "use a value between 0% and 100%");
      return { kind: "fraction", value: item.value / 100, span: item.span };
    }
    if (item.kind === "number") {
      const unit = this.peek();
      if (unit?.kind === "word" && TOKEN_UNITS.has(unit.text)) {
        this.i++;
        return { kind: "tokens", value: item.value, span: cover(item.span, unit.span) };
      }
      if (unit?.kind === "word" && STEP_UNITS.has(unit.text)) {
        this.i++;
        return { kind: "steps", value: item.value, span: cover(item.span, unit.span) };
      }
      fail("CGX0401", item.span, `\`${item.text}\` has no unit`, `say what it counts: \`${item.text}%\` of the budget, \`${item.text} tok\` or \`${item.text} steps\``);
    }
    if (item.kind === "word" && item.text === "stage") {
      fail("CGX0401", item.span, "a stage marks a point in time, not a length", "give a length: `10%`, `2M tok` or `500 steps`");
    }
    this.unexpected(item, what);
  }

  /** A length in training time or in data used: `10% of easy`, or any duration. */
  length(what = "a length (`10%`, `2M tok`, `500 steps` or `10% of SOURCE`)"): Length {
    return this.isDataUsed() ? this.dataUsed() : this.duration(what);
  }

  private isDataUsed(): boolean {
    return this.peek()?.kind === "percent" && this.isWord("of", 1);
  }

  /** `P% of SOURCE`, P in (0, 100]. */
  private dataUsed(): DataUsed {
    const pct = this.next("a share") as PercentItem;
    this.i++;
    const source = this.name("a source name (`10% of easy`)");
    const span = cover(pct.span, source.span);
    if (!(pct.value > 0 && pct.value <= 100)) {
      fail("CGX0512", pct.span, `a share of data used must be above 0% and at most 100%, found \`${pct.text}\``, `use a share of \`${source.text}\`'s examples between 0% and 100%, e.g. \`10% of ${source.text}\``);
    }
    return { kind: "data_used", share: pct.value / 100, source, span };
  }

  /** A point in training time: a duration from the start, or `stage NAME` (the start of that stage). */
  time(what = "a point in time (`30%`, `2M tok`, `500 steps` or `stage NAME`)"): TimeExpr {
    const stage = this.accept("stage");
    if (stage) {
      const name = this.name("a stage name");
      return { kind: "stage", stage: name, span: cover(stage.span, name.span) };
    }
    return this.duration(what);
  }

  /** Fails if anything is left. */
  done(context: string): void {
    const item = this.peek();
    if (item) fail("CGX0204", item.span, `unexpected ${describeItem(item)} ${context}`, "remove it, or check the statement's form with `cgx explain CGX0204`");
  }

  rest(): Item[] {
    const r = this.items.slice(this.i);
    this.i = this.items.length;
    return r;
  }
}

/**
 * Reads a call's arguments: positional ones in order, named ones by name. Unknown or repeated
 * names are errors; `required` names must be given.
 */
export function callArgs(
  call: CallItem,
  positional: readonly string[],
  named: readonly string[],
  required: readonly string[] = [],
): Map<string, { reader: Reader; span: Span; arg: CallArg }> {
  const out = new Map<string, { reader: Reader; span: Span; arg: CallArg }>();
  let pos = 0;
  for (const arg of call.args) {
    let key: string;
    if (arg.name) {
      key = arg.name.text;
      if (!named.includes(key) && !positional.includes(key)) {
        fail("CGX0207", arg.name.span, `\`${call.callee.text}\` has no argument \`${key}\``, suggestHelp(key, [...positional, ...named], "one of"));
      }
    } else {
      if (pos >= positional.length) {
        fail(
          "CGX0207",
          arg.span,
          `too many arguments to \`${call.callee.text}\``,
          named.length ? `name the argument: ${named.map((n) => `\`${n}: ...\``).join(", ")}` : "remove it",
        );
      }
      key = positional[pos++]!;
    }
    if (out.has(key)) fail("CGX0210", arg.span, `argument \`${key}\` given twice`, "keep one of them");
    out.set(key, { reader: Reader.ofPhrase(arg.value), span: arg.span, arg });
  }
  for (const r of required) {
    if (!out.has(r)) fail("CGX0208", call.callee.span, `\`${call.callee.text}\` needs the argument \`${r}\``, `add \`${r}: ...\``);
  }
  return out;
}

/** Reads one argument fully with `read`, which must consume it all. */
export function argValue<T>(
  args: Map<string, { reader: Reader; span: Span }>,
  key: string,
  read: (r: Reader) => T,
): T | undefined {
  const a = args.get(key);
  if (!a) return undefined;
  const v = read(a.reader);
  a.reader.done(`in argument \`${key}\``);
  return v;
}

/** A call with the given callee, or a bare word (a call with no arguments). */
export function asCall(item: Item): CallItem | undefined {
  if (item.kind === "call") return item;
  if (item.kind === "word") return { kind: "call", callee: item, args: [], span: item.span };
  return undefined;
}
