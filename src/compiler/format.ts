/**
 * The canonical formatter for .cgx (like gofmt: no options). It works on the generic syntax tree of
 * syntax.ts plus the comment list the lexer set aside, so everything it prints is either an item's
 * exact source text or canonical whitespace around it. Broken code is never formatted: if the
 * parser reports anything, the diagnostics are returned instead.
 *
 * Layout rules, and why:
 * - One statement per line, 2-space indentation per block, `{` after one space, `}` on its own line.
 *   A block stays on one line only when the author wrote it so and it holds exactly one plain
 *   statement and no comments: that keeps `stage early for 10% { mix kids 70% }` tables readable
 *   while making the decision depend only on things the formatter's own output preserves
 *   (so formatting twice changes nothing).
 * - Blank lines: at most one between two elements (statement or comment), and only where the
 *   source had at least one; never at the start of a block or file, never before `}`.
 * - Comments are attached to a position before printing (leading, trailing, after `{`, inside a
 *   statement, or dangling before `}` / end of file), so none can be lost or duplicated.
 */
import type { Diagnostic } from "./diagnostics.js";
import { parse } from "./parser.js";
import { joinItems, type Block, type Comment, type Statement } from "./syntax.js";

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

const INDENT = "  ";

export function format(text: string): FormatResult {
  const { syntax, diagnostics } = parse(text);
  // Formatting a partial tree would silently drop whatever did not parse.
  if (diagnostics.length > 0) return { ok: false, diagnostics };
  const comments = [...syntax.comments].sort((a, b) => a.span.start - b.span.start);
  const { open, elements } = layoutList(syntax.statements, comments, "", undefined);
  // At file level there is no `{` line, so nothing can be attached to one.
  if (open.length > 0) throw new Error("internal: comment attached to a missing `{`");
  const lines = assemble(elements);
  return { ok: true, text: lines.length > 0 ? lines.join("\n") + "\n" : "" };
}

// ---------------------------------------------------------------------------------------------
// Items: canonical spacing inside one statement.
// ---------------------------------------------------------------------------------------------

// The canonical text of items (exact scalar text, compound items rebuilt with canonical spacing:
// no space before `,` and `:`, one elsewhere, tight `a..b` ranges) is syntax.ts's `joinItems`.
// Spaces never merge tokens (`/ /` stays two operators), and every tight join is one the lexer
// splits the same way, so the printed text re-parses to the same tree.

// ---------------------------------------------------------------------------------------------
// Elements: the lines of one statement list, each remembering where it came from in the source.
// ---------------------------------------------------------------------------------------------

/**
 * One printed unit of a statement list (a statement with its block and trailing comments, or one
 * own-line comment). The source line range is kept only to decide where blank lines go.
 */
interface Element {
  readonly startLine: number;
  readonly endLine: number;
  readonly lines: readonly string[];
}

/** Joins elements, keeping one blank line wherever the source had one or more between them. */
function assemble(elements: readonly Element[]): string[] {
  const out: string[] = [];
  let prev: Element | undefined;
  for (const el of elements) {
    if (prev && el.startLine - prev.endLine > 1) out.push("");
    out.push(...el.lines);
    prev = el;
  }
  return out;
}

/**
 * A comment printed on its own line(s). Only the first line is re-indented: the inside of a block
 * comment is the author's text (ASCII art, aligned tables) and must survive untouched.
 */
function commentLines(c: Comment, indent: string): string[] {
  const text = c.text.startsWith("//") ? c.text.trimEnd() : c.text;
  const [first = "", ...rest] = text.split("\n");
  return [indent + first, ...rest];
}

/** Comments that follow code on the same line: two spaces, then the comments one space apart. */
function suffix(comments: readonly Comment[]): string {
  if (comments.length === 0) return "";
  return "  " + comments.map((c) => (c.text.startsWith("//") ? c.text.trimEnd() : c.text)).join(" ");
}

/** Where each comment of one statement list goes. */
interface Placement {
  /** On the `{` line, before the first statement: kept after the `{`. */
  readonly open: Comment[];
  /** Own-line comments before statement i. */
  readonly leading: Comment[][];
  /** Comments between statement i's items (or between its items and its `{`): moved before it. */
  readonly moved: Comment[][];
  /** Comments on statement i's last line after its last token (after `}` for a block). */
  readonly trailing: Comment[][];
  /** Comments inside statement i's block, placed again by the recursive call. */
  readonly inner: Comment[][];
  /** Comments after the last statement: before `}`, or at the end of the file. */
  readonly dangling: Comment[];
}

/**
 * Assigns every comment of a statement list to exactly one position. `comments` are the ones in
 * this list's region, sorted by offset; `openLine` is the line of the enclosing `{`, if any.
 */
function place(stmts: readonly Statement[], comments: readonly Comment[], openLine: number | undefined): Placement {
  const empty = (): Comment[][] => stmts.map(() => []);
  const p: Placement = { open: [], leading: empty(), moved: empty(), trailing: empty(), inner: empty(), dangling: [] };
  for (const c of comments) {
    const at = c.span.start;
    const i = stmts.findIndex((s) => at >= s.span.start && at < s.span.end);
    const s = stmts[i];
    if (s) {
      // Inside the statement's span: either inside its block, or between its items, where it
      // cannot stay once the statement is printed on one line.
      if (s.block && at > s.block.span.start) p.inner[i]!.push(c);
      else p.moved[i]!.push(c);
      continue;
    }
    let prev = -1;
    stmts.forEach((st, j) => {
      if (st.span.end <= at) prev = j;
    });
    const before = stmts[prev];
    if (before && c.span.line === before.span.endLine) p.trailing[prev]!.push(c);
    else if (!before && openLine !== undefined && c.span.line === openLine) p.open.push(c);
    else if (prev + 1 < stmts.length) p.leading[prev + 1]!.push(c);
    else p.dangling.push(c);
  }
  return p;
}

/** Lays out one statement list (the file, or a block's inside) at the given indentation. */
function layoutList(
  stmts: readonly Statement[],
  comments: readonly Comment[],
  indent: string,
  openLine: number | undefined,
): { open: Comment[]; elements: Element[] } {
  const p = place(stmts, comments, openLine);
  const elements: Element[] = [];
  const own = (c: Comment): Element => ({ startLine: c.span.line, endLine: c.span.endLine, lines: commentLines(c, indent) });
  stmts.forEach((s, i) => {
    for (const c of p.leading[i]!) elements.push(own(c));
    // A moved comment pretends to sit on the statement's first line: no blank line separates it
    // from the statement, and the blank line before the statement (if any) now goes before it.
    // After one formatting pass it is an ordinary leading comment with exactly that layout.
    for (const c of p.moved[i]!) elements.push({ startLine: s.span.line, endLine: s.span.line, lines: commentLines(c, indent) });
    const trailing = p.trailing[i]!;
    const endLine = Math.max(s.span.endLine, ...trailing.map((c) => c.span.endLine));
    // A statement ending in `,` continues onto the next line when re-parsed (newlines after a
    // comma are not significant), so if another statement follows, keep the `;` that ended it.
    const last = s.items[s.items.length - 1];
    const endsWithComma = !s.block && last?.kind === "punct" && last.text === "," && i < stmts.length - 1;
    const head = indent + joinItems(s.items) + (endsWithComma ? ";" : "");
    elements.push({ startLine: s.span.line, endLine, lines: statementLines(s, head, p.inner[i]!, trailing, indent) });
  });
  for (const c of p.dangling) elements.push(own(c));
  return { open: p.open, elements };
}

/** A statement's lines: its items, then its block (inline or expanded), then trailing comments. */
function statementLines(
  s: Statement,
  head: string,
  inner: readonly Comment[],
  trailing: readonly Comment[],
  indent: string,
): string[] {
  const block = s.block;
  if (!block) return [head + suffix(trailing)];
  if (block.statements.length === 0 && inner.length === 0) return [head + " {}" + suffix(trailing)];
  const only = inlineStatement(block, inner);
  if (only) return [`${head} { ${joinItems(only.items)} }${suffix(trailing)}`];
  const { open, elements } = layoutList(block.statements, inner, indent + INDENT, block.span.line);
  return [head + " {" + suffix(open), ...assemble(elements), indent + "}" + suffix(trailing)];
}

/**
 * The single statement of a block that may stay on one line: the block was written on one line,
 * holds one statement without a block of its own, and contains no comments (a comment inside
 * would have to be moved, and a line comment cannot be followed by `}` on the same line).
 */
function inlineStatement(block: Block, inner: readonly Comment[]): Statement | undefined {
  const only = block.statements[0];
  if (block.statements.length !== 1 || !only || only.block || inner.length > 0) return undefined;
  return block.span.line === block.span.endLine ? only : undefined;
}
