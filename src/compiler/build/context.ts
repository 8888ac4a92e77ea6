/** Shared state of one build: the diagnostic sink, syntax-error spans, and what failed to build. */
import type { Code } from "../codes.js";
import { closest, diag, DiagnosticSink, suggestHelp, type Diagnostic } from "../diagnostics.js";
import type { Span } from "../span.js";
import type { Block, Statement, WordItem } from "../syntax.js";
import { Abort, describeItem, fail, Reader, Skip } from "./reader.js";

export class BuildContext {
  /** Names whose declaration failed to build: references to them are not reported again. */
  readonly brokenNames = new Set<string>();
  /** AST nodes that were built with some of their parts missing: whole-node checks skip them. */
  readonly incomplete = new WeakSet<object>();

  constructor(
    readonly sink: DiagnosticSink,
    private readonly errorSpans: readonly Span[],
    /** An unterminated comment hid the end of the file: what is missing may well be in there. */
    private readonly cutShort = false,
  ) {}

  private report(d: Diagnostic): void {
    if (this.cutShort && (d.code === "CGX0206" || d.code === "CGX0507")) return;
    this.sink.add(d);
  }

  /** True when a syntax error falls inside the statement's own items (not its block). */
  poisoned(stmt: Statement): boolean {
    const first = stmt.items[0];
    const last = stmt.items[stmt.items.length - 1];
    if (!first || !last) return true;
    const start = first.span.start;
    const end = stmt.block ? stmt.block.span.start : last.span.end;
    return this.errorSpans.some((e) => e.start >= start && e.start <= end);
  }

  /** Runs `f`, turning an abort into a diagnostic; returns undefined on abort. */
  attempt<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (e instanceof Abort) {
        this.report(e.diagnostic);
        return undefined;
      }
      if (e instanceof Skip) return undefined;
      throw e;
    }
  }

  error(code: Code, span: Span, message: string, help?: string): void {
    this.report(diag(code, span, message, help));
  }
}

export type Handler = (r: Reader, stmt: Statement, keyword: WordItem) => void;

export interface BlockSpec {
  /** The block's name in messages: "the `train` block". */
  readonly name: string;
  readonly handlers: Readonly<Record<string, Handler>>;
  /** Keywords that may appear once. */
  readonly once?: readonly string[];
  /** How to report a first word the block does not know; by default an unknown statement (CGX0202). */
  readonly unknown?: { readonly code: Code; readonly what: string };
}

/**
 * Walks a block's statements, dispatching on each one's first word. Every statement is read in
 * isolation: an error aborts that statement only. Returns the keywords of the statements that failed
 * (a syntax error, an error while reading, or a misspelt keyword: then its nearest keyword), so
 * the caller can stay quiet about settings that were written but broken.
 */
export function walkBlock(ctx: BuildContext, block: Block, spec: BlockSpec): Set<string> {
  const seen = new Map<string, Span>();
  const keywords = Object.keys(spec.handlers);
  const failed = new Set<string>();
  for (const stmt of block.statements) {
    const head = stmt.items[0];
    const word = head?.kind === "word" ? head.text : head?.kind === "call" ? head.callee.text : undefined;
    // The keyword this statement was meant to be: itself, or the nearest one when misspelt.
    const meant = word === undefined ? undefined : spec.handlers[word] ? word : closest(word, keywords);
    if (!head || ctx.poisoned(stmt)) {
      // A syntax error was reported here: the statement is skipped, and so are the errors its
      // absence would cause (a missing setting, an unknown name it would have declared).
      const second = stmt.items[1];
      if (meant !== undefined) failed.add(meant);
      if (second?.kind === "word" && second.parts.length === 1) ctx.brokenNames.add(second.text);
      continue;
    }
    let ok = false;
    ctx.attempt(() => {
      if (head.kind === "call" && head.callee.parts.length === 1) {
        // Statements that open with a call, such as `pacing(linear) by difficulty`, read the call themselves.
        const callHandler = spec.handlers[head.callee.text];
        if (!callHandler) {
          fail("CGX0202", head.callee.span, `unknown statement \`${head.callee.text}\` in ${spec.name}`, suggestHelp(head.callee.text, keywords, "one of"));
        }
        callHandler(new Reader(stmt.items, head.span), stmt, head.callee);
        ok = true;
        return;
      }
      if (head.kind !== "word" || head.parts.length !== 1) {
        fail("CGX0204", head.span, `a statement starts with a keyword, found ${describeItem(head)}`, suggestHelp("", keywords, "one of"));
      }
      const handler = spec.handlers[head.text];
      if (!handler) {
        const unknown = spec.unknown ?? { code: "CGX0202", what: "statement" };
        fail(unknown.code, head.span, `unknown ${unknown.what} \`${head.text}\` in ${spec.name}`, suggestHelp(head.text, keywords, "one of"));
      }
      if (spec.once?.includes(head.text)) {
        if (seen.has(head.text)) {
          fail("CGX0205", head.span, `\`${head.text}\` is set twice in ${spec.name}`, "keep one; to compare values, use a `vary` axis");
        }
        seen.set(head.text, head.span);
      }
      handler(new Reader(stmt.items.slice(1), head.span), stmt, head);
      ok = true;
    });
    if (!ok && meant !== undefined) failed.add(meant);
  }
  return failed;
}

/** The statement's block, or an error saying it needs one. */
export function needBlock(stmt: Statement, keyword: WordItem): Block {
  if (!stmt.block) fail("CGX0203", keyword.span, `\`${keyword.text}\` needs a \`{ ... }\` block`, `add \`{ ... }\` after \`${keyword.text}\``);
  return stmt.block;
}

export function noBlock(stmt: Statement, keyword: WordItem): void {
  if (stmt.block) fail("CGX0203", stmt.block.span, `\`${keyword.text}\` does not take a block`, "remove the `{ ... }`");
}
