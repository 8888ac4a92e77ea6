/**
 * Declarations and the item under the cursor, read from the compiler's generic syntax tree
 * (syntax.ts). The syntax tree exists even when the file has semantic errors, and the parser
 * recovers from most syntax errors, so names stay navigable while a file is being edited.
 */
import type { Item, Phrase, Statement, StringItem, SyntaxFile, WordItem } from "../compiler/syntax.js";
import { joinItems } from "../compiler/syntax.js";
import type { Span } from "../compiler/span.js";

export type DeclKind = "experiment" | "source" | "curriculum" | "control" | "stage" | "shape";

export interface Declaration {
  readonly kind: DeclKind;
  readonly name: string;
  /** The span of the name itself. */
  readonly nameSpan: Span;
  /** The whole statement, block included. */
  readonly span: Span;
  /** The statement without its block, as written (normalised spacing): what hover shows. */
  readonly summary: string;
  /** The curriculum a stage belongs to. */
  readonly container?: string;
  /** For sources: the call that defines it (`builtin`, `files`, `synthetic.facts`) and its first string. */
  readonly sourceCall?: string;
  readonly sourceArg?: string;
}

function word(item: Item | undefined): WordItem | undefined {
  return item?.kind === "word" ? item : undefined;
}

const BLOCK_HEADS = new Set(["experiment", "data", "curriculum", "control", "models", "train", "grow", "prune", "evaluate", "vary", "analyze", "stage", "zip"]);

/** Every declaration in the file, in source order. */
export function declarations(syntax: SyntaxFile): Declaration[] {
  const out: Declaration[] = [];
  const visit = (statements: readonly Statement[], parent: string, container?: string) => {
    for (const s of statements) {
      const head = word(s.items[0]);
      if (!head) continue;
      const second = s.items[1];
      const summary = joinItems(s.items);
      const add = (kind: DeclKind, name: { text: string; span: Span }, extra: Partial<Declaration> = {}) =>
        out.push({ kind, name: name.text, nameSpan: name.span, span: s.span, summary, ...extra });
      if (head.text === "experiment" && parent === "file" && word(second)) add("experiment", word(second)!);
      else if (head.text === "source" && parent === "data" && word(second)) {
        const def = s.items[3];
        const call = def?.kind === "call" ? def : undefined;
        const firstArg = call?.args[0]?.value.items[0];
        const extra: Partial<Declaration> = {};
        if (call) Object.assign(extra, { sourceCall: call.callee.text });
        if (firstArg?.kind === "string") Object.assign(extra, { sourceArg: firstArg.value });
        add("source", word(second)!, extra);
      } else if (head.text === "curriculum" && parent === "experiment" && word(second)) add("curriculum", word(second)!);
      else if (head.text === "control" && parent === "experiment" && word(second)) {
        const third = word(s.items[2]);
        add("control", third && third.text !== "like" ? third : word(second)!);
      } else if (head.text === "stage" && parent === "curriculum" && word(second)) {
        add("stage", word(second)!, container === undefined ? {} : { container });
      } else if (head.text === "shape" && parent === "models") {
        if (second?.kind === "call") add("shape", second.callee);
        else if (word(second)) add("shape", word(second)!);
      }
      if (s.block && BLOCK_HEADS.has(head.text)) {
        visit(s.block.statements, head.text, head.text === "curriculum" ? word(second)?.text : container);
      }
    }
  };
  visit(syntax.statements, "file");
  return out;
}

/** What is under the cursor: a word (one part of a dotted word) or a string, with its context. */
export interface Hit {
  readonly item: WordItem | StringItem;
  /** For words: the part under the cursor (`qa` in `facts.qa`), its index and span. */
  readonly part?: { readonly text: string; readonly index: number; readonly start: number; readonly end: number };
  /** The statement the item is in, and the first words of the statements of the enclosing blocks, outermost first. */
  readonly statement: Statement;
  readonly blocks: readonly string[];
  /** Whether the item is the first item of its statement (a statement keyword). */
  readonly isHead: boolean;
  /** The item just before this one in the same phrase or statement. */
  readonly previous?: Item;
  /** The callee of the call whose arguments hold the item, if any. */
  readonly callee?: string;
  /** The argument name when the item is the name of a `name: value` argument. */
  readonly isArgName?: boolean;
}

function contains(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** Finds the word or string at `offset` (a cursor touching a word's end counts). */
export function itemAt(syntax: SyntaxFile, text: string, offset: number): Hit | undefined {
  let found: Hit | undefined;
  const inItems = (items: readonly Item[], statement: Statement, blocks: string[], isStatement: boolean, callee?: string) => {
    items.forEach((item, i) => {
      if (found || !contains(item.span, offset)) return;
      const previous = i > 0 ? items[i - 1] : undefined;
      const base = { statement, blocks, isHead: isStatement && i === 0, ...(previous ? { previous } : {}), ...(callee ? { callee } : {}) };
      switch (item.kind) {
        case "word":
          found = { ...base, item, part: partAt(item, text, offset) };
          return;
        case "string":
          found = { ...base, item };
          return;
        case "call":
          if (contains(item.callee.span, offset)) {
            found = { ...base, item: item.callee, part: partAt(item.callee, text, offset) };
            return;
          }
          for (const arg of item.args) {
            if (arg.name && contains(arg.name.span, offset)) {
              const w: WordItem = { kind: "word", parts: [arg.name.text], text: arg.name.text, span: arg.name.span };
              found = { ...base, item: w, part: { text: w.text, index: 0, start: w.span.start, end: w.span.end }, callee: item.callee.text, isArgName: true, isHead: false };
              return;
            }
            inPhrase(arg.value, statement, blocks, item.callee.text);
            if (found) return;
          }
          return;
        case "list":
        case "tuple":
          for (const el of item.elements) inPhrase(el, statement, blocks, callee);
          return;
        case "range":
          inItems([item.from, item.to], statement, blocks, false, callee);
          return;
        default:
          return;
      }
    });
  };
  const inPhrase = (p: Phrase, statement: Statement, blocks: string[], callee?: string) => {
    if (!found && contains(p.span, offset)) inItems(p.items, statement, blocks, false, callee);
  };
  const visit = (statements: readonly Statement[], blocks: string[]) => {
    for (const s of statements) {
      if (found) return;
      if (!contains(s.span, offset)) continue;
      inItems(s.items, s, blocks, true);
      if (!found && s.block) {
        const head = word(s.items[0])?.text ?? "";
        visit(s.block.statements, [...blocks, head]);
      }
    }
  };
  visit(syntax.statements, []);
  return found;
}

/** The dotted part of a word under the cursor, located in the source text. */
function partAt(item: WordItem, text: string, offset: number): NonNullable<Hit["part"]> {
  const re = /[A-Za-z_][A-Za-z0-9_]*/g;
  re.lastIndex = item.span.start;
  let index = 0;
  let last: NonNullable<Hit["part"]> | undefined;
  for (let m = re.exec(text); m && m.index < item.span.end; m = re.exec(text)) {
    const part = { text: m[0], index, start: m.index, end: m.index + m[0].length };
    if (offset >= part.start && offset <= part.end) return part;
    last = part;
    index++;
  }
  return last ?? { text: item.text, index: 0, start: item.span.start, end: item.span.end };
}
