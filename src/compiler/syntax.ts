/**
 * The concrete syntax tree of a .cgx file. The grammar is deliberately generic: a file is a list of
 * statements, a statement is a sequence of items optionally followed by a `{ block }`, and items are
 * words, calls, numbers, percentages, strings, lists, tuples, ranges and punctuation. Every item
 * keeps its exact source text and span, so the formatter and diagnostics can quote what the user
 * wrote. The builder (build/) gives statements their meaning and produces the typed AST.
 */
import type { Span } from "./span.js";

export interface WordItem {
  readonly kind: "word";
  /** Dotted parts: `synthetic.facts` is ["synthetic", "facts"]. */
  readonly parts: readonly string[];
  readonly text: string;
  readonly span: Span;
}

export interface CallArg {
  /** Present for `name: value` arguments. */
  readonly name?: { readonly text: string; readonly span: Span };
  readonly value: Phrase;
  readonly span: Span;
}

export interface CallItem {
  readonly kind: "call";
  readonly callee: WordItem;
  readonly args: readonly CallArg[];
  readonly span: Span;
}

export interface NumberItem {
  readonly kind: "number";
  /** The value with the magnitude suffix applied (200k is 200000). */
  readonly value: number;
  readonly text: string;
  readonly span: Span;
}

export interface PercentItem {
  readonly kind: "percent";
  /** The number before `%` (12.5% is 12.5). */
  readonly value: number;
  readonly text: string;
  readonly span: Span;
}

export interface StringItem {
  readonly kind: "string";
  readonly value: string;
  readonly text: string;
  readonly span: Span;
}

export interface ListItem {
  readonly kind: "list";
  readonly elements: readonly Phrase[];
  readonly span: Span;
}

export interface TupleItem {
  readonly kind: "tuple";
  readonly elements: readonly Phrase[];
  readonly span: Span;
}

export interface RangeItem {
  readonly kind: "range";
  readonly from: Item;
  readonly to: Item;
  readonly span: Span;
}

export interface PunctItem {
  readonly kind: "punct";
  /** One of , : = == != <= >= < > ~ + * / */
  readonly text: string;
  readonly span: Span;
}

export type Item =
  | WordItem
  | CallItem
  | NumberItem
  | PercentItem
  | StringItem
  | ListItem
  | TupleItem
  | RangeItem
  | PunctItem;

/** A sequence of items inside an argument or list element: `300 steps`, `0.5%`. */
export interface Phrase {
  readonly items: readonly Item[];
  readonly span: Span;
}

export interface Statement {
  readonly items: readonly Item[];
  readonly block?: Block;
  readonly span: Span;
}

export interface Block {
  readonly statements: readonly Statement[];
  readonly span: Span;
}

export interface Comment {
  readonly text: string;
  readonly span: Span;
}

export interface SyntaxFile {
  readonly statements: readonly Statement[];
  readonly comments: readonly Comment[];
  /** Spans of syntax errors, so later phases can leave statements that did not parse alone. */
  readonly errorSpans: readonly Span[];
  /** An unterminated block comment runs to the end of the file, hiding whatever came after it. */
  readonly cutShort?: boolean;
}

/** The source text an item was written as, normalised only in whitespace. */
export function itemText(item: Item): string {
  switch (item.kind) {
    case "word":
    case "number":
    case "percent":
    case "string":
    case "punct":
      return item.text;
    case "call":
      return `${item.callee.text}(${item.args.map(argText).join(", ")})`;
    case "list":
      return `[${item.elements.map(phraseText).join(", ")}]`;
    case "tuple":
      return `(${item.elements.map(phraseText).join(", ")})`;
    case "range":
      return `${itemText(item.from)}..${itemText(item.to)}`;
  }
}

export function argText(arg: CallArg): string {
  return arg.name ? `${arg.name.text}: ${phraseText(arg.value)}` : phraseText(arg.value);
}

export function phraseText(phrase: Phrase): string {
  return joinItems(phrase.items);
}

/** Joins items with canonical spacing: no space before `,` and `:`, one space elsewhere. */
export function joinItems(items: readonly Item[]): string {
  let out = "";
  items.forEach((item, i) => {
    const text = itemText(item);
    if (i > 0 && !(item.kind === "punct" && (item.text === "," || item.text === ":"))) out += " ";
    out += text;
  });
  return out;
}
