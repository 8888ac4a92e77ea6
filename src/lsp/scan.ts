/**
 * A forgiving scan of the text before the cursor, for completion and keyword hover. It works on
 * text that does not parse (the usual state while typing): it only tracks comments, strings,
 * brackets, statement boundaries and which blocks are open, the way the .cgx lexer and parser
 * would split them (docs/language.md, "Lexical structure").
 */

/** A block that is open at the cursor: `data {`, `stage early for 10% {`. */
export interface OpenBlock {
  /** The first word of the statement that opened the block (`data`, `stage`, `zip`). */
  readonly keyword: string;
  /** The second word, when it is a name (`early` in `stage early ... {`). */
  readonly name?: string;
}

/** One token of the current statement, before the cursor. */
export interface ScanToken {
  readonly kind: "word" | "number" | "string" | "punct";
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface CursorContext {
  /** Open blocks, outermost first. */
  readonly blocks: readonly OpenBlock[];
  /** The current statement's tokens that end before the cursor (or at it). */
  readonly tokens: readonly ScanToken[];
  /** Where the identifier the cursor is in (or right after) starts; equals the cursor if none. */
  readonly wordStart: number;
  /** The part of that identifier before the cursor. */
  readonly prefix: string;
  /** True when the cursor is inside a comment. */
  readonly inComment: boolean;
  /** Set when the cursor is inside a string: the offset just after its opening quote. */
  readonly stringStart?: number;
  /** The callees of the calls (and `(`/`[` groups, as "(" or "[") open at the cursor, innermost last. */
  readonly groups: readonly string[];
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

/** Scans `text` up to `offset` (a UTF-16 offset). */
export function scanTo(text: string, offset: number): CursorContext {
  const end = Math.max(0, Math.min(offset, text.length));
  const blocks: OpenBlock[] = [];
  let tokens: ScanToken[] = [];
  /** Open `(` / `[` groups of the current statement: the callee word, or the bracket itself. */
  let groups: string[] = [];
  let i = 0;
  let inComment = false;
  let stringStart: number | undefined;

  const endStatement = () => {
    tokens = [];
    groups = [];
  };
  const lastToken = () => tokens[tokens.length - 1];

  while (i < end) {
    const c = text[i]!;
    // Comments.
    if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      const stop = nl < 0 ? text.length : nl;
      if (stop >= end) {
        inComment = true;
        break;
      }
      i = stop;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      if (close < 0 || close + 2 > end) {
        inComment = true;
        break;
      }
      i = close + 2;
      continue;
    }
    // Strings: one line, `\` escapes the next character.
    if (c === '"') {
      let j = i + 1;
      while (j < end && text[j] !== '"' && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
      if (j >= end) {
        // The cursor is inside this string.
        stringStart = i + 1;
        break;
      }
      const closed = text[j] === '"';
      tokens.push({ kind: "string", text: text.slice(i, closed ? j + 1 : j), start: i, end: closed ? j + 1 : j });
      i = closed ? j + 1 : j;
      continue;
    }
    if (c === "\n") {
      // A line break inside ( ) or [ ], or right after a `,`, does not end the statement.
      const last = lastToken();
      if (groups.length === 0 && !(last?.kind === "punct" && last.text === ",")) endStatement();
      i++;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === ";") {
      endStatement();
      i++;
      continue;
    }
    if (c === "{") {
      const words = tokens.filter((t) => t.kind === "word");
      const keyword = words[0]?.text ?? "";
      const second = tokens[1];
      blocks.push(second?.kind === "word" ? { keyword, name: second.text } : { keyword });
      endStatement();
      i++;
      continue;
    }
    if (c === "}") {
      blocks.pop();
      endStatement();
      i++;
      continue;
    }
    if (c === "(" || c === "[") {
      const last = lastToken();
      groups.push(c === "(" && last?.kind === "word" && last.end === i ? last.text : c);
      tokens.push({ kind: "punct", text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === ")" || c === "]") {
      groups.pop();
      tokens.push({ kind: "punct", text: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    if (IDENT_START.test(c)) {
      // A word, with dotted parts: synthetic.facts, facts.qa.
      let j = i + 1;
      for (;;) {
        while (j < end && IDENT.test(text[j]!)) j++;
        if (j < end && text[j] === "." && text[j + 1] !== ".") {
          j++;
          continue;
        }
        break;
      }
      tokens.push({ kind: "word", text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < end && /[0-9.eE%kKMGBT]/.test(text[j]!) && !(text[j] === "." && text[j + 1] === ".")) j++;
      tokens.push({ kind: "number", text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    // Operators and other punctuation, two characters where they pair.
    const two = text.slice(i, i + 2);
    const op = ["..", "<=", ">=", "==", "!="].includes(two) ? two : c;
    tokens.push({ kind: "punct", text: op, start: i, end: i + op.length });
    i += op.length;
  }

  // The identifier the cursor is in or right after.
  let wordStart = end;
  if (!inComment && stringStart === undefined) {
    while (wordStart > 0 && IDENT.test(text[wordStart - 1]!)) wordStart--;
    if (wordStart < end && !IDENT_START.test(text[wordStart]!)) wordStart = end;
  }
  const base = {
    blocks,
    // The word the cursor is in is not before it.
    tokens: tokens.filter((t) => t.start < wordStart),
    wordStart,
    prefix: text.slice(wordStart, end),
    inComment,
    groups,
  };
  return stringStart === undefined ? base : { ...base, stringStart };
}

/** The block kind of catalog.ts's BLOCK_KEYWORDS that the innermost open block is. */
export function blockKind(blocks: readonly OpenBlock[]): string {
  const inner = blocks[blocks.length - 1];
  if (!inner) return "file";
  if (inner.keyword === "zip") return "vary";
  return inner.keyword;
}
