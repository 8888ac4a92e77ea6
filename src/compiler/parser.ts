/**
 * Lexer and parser for .cgx: chevrotain turns text into the generic syntax tree of syntax.ts.
 * Parsing never throws: it returns the tree it could recover and diagnostics for what it could not.
 */
import { EmbeddedActionsParser, Lexer, type IToken, type IRecognitionException } from "./chevrotain.js";
import { diag, type Diagnostic } from "./diagnostics.js";
import { cover, LineIndex, type Span } from "./span.js";
import type {
  Block,
  CallArg,
  Comment,
  Item,
  Phrase,
  Statement,
  SyntaxFile,
  WordItem,
} from "./syntax.js";
import * as T from "./tokens.js";

// Tokens carry their start offset only: spans come from the LineIndex, and chevrotain's tracking of
// lines and columns tripled the time of lexing. The lexer must keep its first-character optimisation.
const lexer = new Lexer(T.allTokens, { positionTracking: "onlyOffset", ensureOptimizations: true });

/**
 * The offset just past a token: its start plus its image's length, or its own `endOffset` (inclusive,
 * as chevrotain counts) where the repairs below made the token and its image differs from the text.
 */
function tokenEnd(t: IToken): number {
  return t.endOffset !== undefined ? t.endOffset + 1 : t.startOffset + t.image.length;
}

const MAGNITUDE: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, B: 1e9, T: 1e12 };

export function parseNumberText(text: string): number {
  const last = text[text.length - 1]!;
  const mult = MAGNITUDE[last];
  return mult === undefined ? Number(text) : Number(text.slice(0, -1)) * mult;
}

class CgxParser extends EmbeddedActionsParser {
  /** Set before each parse: maps token offsets to spans. */
  index: LineIndex = new LineIndex("");

  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  private tokSpan(t: IToken): Span {
    if (isNaN(t.startOffset)) {
      // A token chevrotain inserted to recover has no place in the text: put it, empty, just after
      // the last real token read (the error itself is reported from the recognition exception).
      const prev = this.LA(0);
      const at = isNaN(prev.startOffset) ? 0 : tokenEnd(prev);
      return this.index.span(at, at);
    }
    return this.index.span(t.startOffset, tokenEnd(t));
  }

  public file = this.RULE("file", (): Statement[] => {
    const statements: Statement[] = [];
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Newline) },
        { ALT: () => this.CONSUME(T.Semicolon) },
        { ALT: () => statements.push(this.SUBRULE(this.statement)) },
      ]);
    });
    return statements;
  });

  /** Diagnostics the grammar itself reports (beyond chevrotain's recognition errors); reset per parse. */
  extra: Diagnostic[] = [];

  private statement = this.RULE(
    "statement",
    (): Statement =>
      this.OR([
        {
          ALT: () => {
            const items: Item[] = [];
            let block: Block | undefined;
            this.AT_LEAST_ONE(() => items.push(this.SUBRULE(this.item)));
            this.OPTION(() => {
              block = this.SUBRULE(this.block);
            });
            return this.ACTION(() => {
              const valid = items.filter((i) => i !== undefined);
              const first = valid[0]?.span ?? block?.span ?? this.index.span(0, 0);
              const last = block?.span ?? valid[valid.length - 1]?.span ?? first;
              return block ? { items: valid, block, span: cover(first, last) } : { items: valid, span: cover(first, last) };
            });
          },
        },
        {
          // A block with no keyword before it: reported once here and left out of the tree, so
          // what is inside it raises no further errors.
          ALT: () => {
            const open = this.LA(1);
            this.SUBRULE2(this.block);
            return this.ACTION(() => {
              this.extra.push(
                diag("CGX0105", this.tokSpan(open), "unexpected `{` with no keyword before it", "a block follows its keyword on the same line, as in `train { batch 32 }`"),
              );
              return undefined as unknown as Statement;
            });
          },
        },
      ]),
    { recoveryValueFunc: () => undefined as unknown as Statement },
  );

  private block = this.RULE(
    "block",
    (): Block => {
      const open = this.CONSUME(T.LBrace);
      const statements: Statement[] = [];
      this.MANY(() => {
        this.OR([
          { ALT: () => this.CONSUME(T.Newline) },
          { ALT: () => this.CONSUME(T.Semicolon) },
          { ALT: () => statements.push(this.SUBRULE(this.statement)) },
        ]);
      });
      const close = this.CONSUME(T.RBrace);
      return this.ACTION(() => {
        const openSpan = this.tokSpan(open);
        const closeSpan = isNaN(close.startOffset) ? openSpan : this.tokSpan(close);
        return { statements: statements.filter((s) => s !== undefined), span: cover(openSpan, closeSpan) };
      });
    },
    { recoveryValueFunc: () => undefined as unknown as Block },
  );

  /** A statement-level item: anything, including `,` and `:` separators. */
  private item = this.RULE(
    "item",
    (): Item =>
      this.OR([
        { ALT: () => this.SUBRULE(this.rangeable) },
        { ALT: () => this.SUBRULE(this.punct) },
      ]),
    { recoveryValueFunc: () => undefined as unknown as Item },
  );

  /** An item inside a call argument or list element: no top-level `,` or `:`. */
  private phraseItem = this.RULE(
    "phraseItem",
    (): Item =>
      this.OR([
        { ALT: () => this.SUBRULE(this.rangeable) },
        { ALT: () => this.SUBRULE(this.operator) },
      ]),
    { recoveryValueFunc: () => undefined as unknown as Item },
  );

  private punct = this.RULE("punct", (): Item => {
    const t = this.OR([
      { ALT: () => this.CONSUME(T.Comma) },
      { ALT: () => this.CONSUME(T.Colon) },
      { ALT: () => this.CONSUME(T.Operator) },
    ]);
    return this.ACTION(() => ({ kind: "punct", text: t.image, span: this.tokSpan(t) }) as Item);
  });

  private operator = this.RULE("operator", (): Item => {
    const t = this.CONSUME(T.Operator);
    return this.ACTION(() => ({ kind: "punct", text: t.image, span: this.tokSpan(t) }) as Item);
  });

  /** An atom, optionally the start of a range `a..b`. */
  private rangeable = this.RULE("rangeable", (): Item => {
    const from = this.SUBRULE(this.atom);
    let result: Item = from;
    this.OPTION(() => {
      this.CONSUME(T.Range);
      const to = this.SUBRULE2(this.atom);
      this.ACTION(() => {
        if (from && to) result = { kind: "range", from, to, span: cover(from.span, to.span) };
      });
    });
    return result;
  });

  private atom = this.RULE("atom", (): Item =>
    this.OR([
      { ALT: () => this.SUBRULE(this.wordOrCall) },
      { ALT: () => this.SUBRULE(this.number) },
      {
        ALT: () => {
          const t = this.CONSUME(T.PercentLit);
          return this.ACTION(() => ({ kind: "percent", value: Number(t.image.slice(0, -1)), text: t.image, span: this.tokSpan(t) }) as Item);
        },
      },
      {
        ALT: () => {
          const t = this.CONSUME(T.StringLit);
          return this.ACTION(() => ({ kind: "string", value: unquote(t.image), text: t.image, span: this.tokSpan(t) }) as Item);
        },
      },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.tuple) },
    ]),
  );

  private number = this.RULE("number", (): Item => {
    let minus: IToken | undefined;
    this.OPTION(() => {
      minus = this.CONSUME(T.Minus);
    });
    const t = this.CONSUME(T.NumberLit);
    return this.ACTION(() => {
      const span = minus ? cover(this.tokSpan(minus), this.tokSpan(t)) : this.tokSpan(t);
      const value = parseNumberText(t.image);
      return { kind: "number", value: minus ? -value : value, text: (minus ? "-" : "") + t.image, span } as Item;
    });
  });

  private word = this.RULE("word", (): WordItem => {
    const first = this.CONSUME(T.Ident);
    const parts = [first.image];
    let last = first;
    this.MANY(() => {
      this.CONSUME(T.Dot);
      last = this.CONSUME2(T.Ident);
      parts.push(last.image);
    });
    return this.ACTION(() => {
      // Most words have one part: their span and text are the token's own.
      const span = last === first ? this.tokSpan(first) : cover(this.tokSpan(first), this.tokSpan(last));
      return { kind: "word", parts, text: parts.length === 1 ? first.image : parts.join("."), span } as WordItem;
    });
  });

  private wordOrCall = this.RULE("wordOrCall", (): Item => {
    const callee = this.SUBRULE(this.word);
    let result: Item = callee;
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      const args: CallArg[] = [];
      this.MANY_SEP({ SEP: T.Comma, DEF: () => args.push(this.SUBRULE(this.arg)) });
      const close = this.CONSUME(T.RParen);
      this.ACTION(() => {
        if (callee) {
          const end = isNaN(close.startOffset) ? callee.span : this.tokSpan(close);
          result = { kind: "call", callee, args: args.filter((a) => a !== undefined), span: cover(callee.span, end) };
        }
      });
    });
    return result;
  });

  private arg = this.RULE(
    "arg",
    (): CallArg => {
      let name: { text: string; span: Span } | undefined;
      this.OPTION(() => {
        const n = this.CONSUME(T.Ident);
        this.CONSUME(T.Colon);
        name = this.ACTION(() => ({ text: n.image, span: this.tokSpan(n) }));
      });
      const value = this.SUBRULE(this.phrase);
      return this.ACTION(() => {
        const span = name && value ? cover(name.span, value.span) : (value?.span ?? name!.span);
        return name ? { name, value, span } : { value, span };
      });
    },
    { recoveryValueFunc: () => undefined as unknown as CallArg },
  );

  private phrase = this.RULE("phrase", (): Phrase => {
    const items: Item[] = [];
    this.AT_LEAST_ONE(() => items.push(this.SUBRULE(this.phraseItem)));
    return this.ACTION(() => {
      const valid = items.filter((i) => i !== undefined);
      const span = valid.length ? cover(valid[0]!.span, valid[valid.length - 1]!.span) : this.index.span(0, 0);
      return { items: valid, span };
    });
  });

  private list = this.RULE("list", (): Item => {
    const open = this.CONSUME(T.LBracket);
    const elements: Phrase[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => elements.push(this.SUBRULE(this.phrase)) });
    const close = this.CONSUME(T.RBracket);
    return this.ACTION(() => {
      const end = isNaN(close.startOffset) ? this.tokSpan(open) : this.tokSpan(close);
      return { kind: "list", elements: elements.filter((e) => e !== undefined), span: cover(this.tokSpan(open), end) } as Item;
    });
  });

  private tuple = this.RULE("tuple", (): Item => {
    const open = this.CONSUME(T.LParen);
    const elements: Phrase[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => elements.push(this.SUBRULE(this.phrase)) });
    const close = this.CONSUME(T.RParen);
    return this.ACTION(() => {
      const end = isNaN(close.startOffset) ? this.tokSpan(open) : this.tokSpan(close);
      return { kind: "tuple", elements: elements.filter((e) => e !== undefined), span: cover(this.tokSpan(open), end) } as Item;
    });
  });
}

function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}

const parser = new CgxParser();

/**
 * Newlines end statements, except after a trailing comma, and inside parentheses or brackets where
 * the line breaks after `(`, `[` or `,` or before `)` or `]`, so long lists and argument lists may
 * span lines. Any other newline inside parentheses ends the statement: an unclosed `(` is then
 * reported on its own line instead of swallowing the lines after it.
 */
function significantTokens(tokens: IToken[], index: LineIndex): { tokens: IToken[]; repaired: Diagnostic[] } {
  const out: IToken[] = [];
  const repaired: Diagnostic[] = [];
  let depth = 0;
  tokens.forEach((t, i) => {
    const type = t.tokenType;
    if (type === T.LParen || type === T.LBracket) depth++;
    else if ((type === T.RParen || type === T.RBracket) && depth > 0) depth--;
    else if (type === T.LBrace || type === T.RBrace) depth = 0; // a brace always resets: limits damage of an unclosed paren
    if (type === T.Newline) {
      const prev = out[out.length - 1];
      if (!prev || prev.tokenType === T.Newline || prev.tokenType === T.Comma) return;
      // `train` then `{` alone on the next line: reported, and read as `train {`.
      const next = tokens[i + 1];
      const after = tokens[i + 2];
      const itemEnds = ![T.LBrace, T.RBrace, T.Semicolon].includes(prev.tokenType);
      if (depth === 0 && itemEnds && next?.tokenType === T.LBrace && (!after || after.tokenType === T.Newline)) {
        const line = index.position(tokenEnd(prev) - 1).line;
        repaired.push(
          diag("CGX0105", index.span(next.startOffset, next.startOffset + 1), "a block must start on the line of its statement", `move this \`{\` to the end of line ${line}`),
        );
        return;
      }
      if (depth > 0) {
        let j = i + 1;
        while (tokens[j]?.tokenType === T.Newline) j++;
        const next = tokens[j]?.tokenType;
        if (prev.tokenType === T.LParen || prev.tokenType === T.LBracket || next === T.RParen || next === T.RBracket) return;
        depth = 0;
      }
    }
    out.push(t);
  });
  return { tokens: out, repaired };
}

/** Column of the first non-blank character of the line holding `offset`, and whether `offset` is it. */
function lineIndent(text: string, offset: number): { indent: number; first: boolean } {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  let i = start;
  while (i < offset && (text[i] === " " || text[i] === "\t")) i++;
  return { indent: i - start, first: i === offset };
}

/**
 * Repairs unbalanced braces before parsing, guided by indentation, so one missing or extra `}`
 * gives one diagnostic at the right place instead of a cascade. Only runs when the braces do not
 * balance. A `}` that starts its line closes the innermost open `{` whose line is indented as far
 * as it; an open `{` indented deeper was never closed, and a `}` indented deeper than every open
 * `{` is one too many. The repaired tree is what the indentation says, so the diagnostics here do
 * not make later phases skip the statements around them.
 */
function repairBraces(tokens: IToken[], text: string, index: LineIndex, cutShort: boolean): { tokens: IToken[]; diagnostics: Diagnostic[] } {
  let depth = 0;
  let balanced = true;
  for (const t of tokens) {
    if (t.tokenType === T.LBrace) depth++;
    else if (t.tokenType === T.RBrace && --depth < 0) balanced = false;
  }
  if (balanced && depth === 0) return { tokens, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const span = (t: IToken) => index.span(t.startOffset, tokenEnd(t));
  const virtualClose = (after: IToken | undefined): IToken => {
    const at = after ? tokenEnd(after) - 1 : 0;
    return { ...(after ?? tokens[0]!), image: "}", startOffset: at, endOffset: at, tokenType: T.RBrace, tokenTypeIdx: T.RBrace.tokenTypeIdx } as IToken;
  };
  const lastReal = (out: IToken[]) => {
    for (let k = out.length - 1; k >= 0; k--) if (out[k]!.tokenType !== T.Newline) return out[k];
    return undefined;
  };
  /** Reports `open` as never closed, and closes it after the last token so far. */
  const close = (open: { tok: IToken }, quiet = false) => {
    const last = lastReal(out);
    out.push(virtualClose(last));
    if (quiet) return;
    const line = last ? index.position(tokenEnd(last) - 1).line : 1;
    diagnostics.push(diag("CGX0104", span(open.tok), "this `{` is never closed", `add \`}\` after line ${line}`));
  };
  const stack: Array<{ tok: IToken; indent: number; line: number }> = [];
  const out: IToken[] = [];
  let excess = Math.max(0, -depth);
  let missing = Math.max(0, depth);
  for (const t of tokens) {
    if (missing > 0 && t.tokenType !== T.Newline && t.tokenType !== T.RBrace) {
      // A line that starts at or left of an open block's own line is no longer inside that block.
      const { indent, first } = lineIndent(text, t.startOffset);
      while (first && missing > 0 && stack.length > 0 && stack[stack.length - 1]!.indent >= indent) {
        close(stack.pop()!);
        missing--;
      }
    }
    if (t.tokenType === T.LBrace) {
      const { indent } = lineIndent(text, t.startOffset);
      stack.push({ tok: t, indent, line: index.position(t.startOffset).line });
    } else if (t.tokenType === T.RBrace) {
      if (stack.length === 0) {
        diagnostics.push(diag("CGX0105", span(t), "unexpected `}`", "remove this `}`: nothing is open here"));
        excess = Math.max(0, excess - 1);
        continue;
      }
      const { indent, first } = lineIndent(text, t.startOffset);
      if (first) {
        // Inner blocks that are still open but indented deeper than this `}` were never closed.
        while (missing > 0 && stack.length > 1 && stack[stack.length - 1]!.indent > indent) {
          close(stack.pop()!);
          missing--;
        }
        const top = stack[stack.length - 1]!;
        if (excess > 0 && top.indent < indent) {
          diagnostics.push(diag("CGX0105", span(t), "unexpected `}`", `remove this \`}\`: the \`{\` on line ${top.line} closes further down`));
          excess--;
          continue;
        }
      }
      stack.pop();
    }
    out.push(t);
  }
  // Whatever is still open at the end of the file is closed there; when an unterminated comment
  // swallowed the end of the file, that comment is the one error.
  while (stack.length > 0) close(stack.pop()!, cutShort);
  return { tokens: out, diagnostics };
}

export interface ParseResult {
  readonly syntax: SyntaxFile;
  readonly diagnostics: Diagnostic[];
  readonly index: LineIndex;
}

/** Deepest nesting of `{`, `(` and `[` read: the parser is recursive, and real files nest a handful deep. */
export const MAX_NESTING = 64;

/** The first opener past MAX_NESTING deep, if any. */
function tooDeep(tokens: readonly IToken[]): IToken | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (t.tokenType === T.LBrace || t.tokenType === T.LParen || t.tokenType === T.LBracket) {
      if (++depth > MAX_NESTING) return t;
    } else if (t.tokenType === T.RBrace || t.tokenType === T.RParen || t.tokenType === T.RBracket) depth = Math.max(0, depth - 1);
  }
  return undefined;
}

export function parse(source: string): ParseResult {
  // A byte-order mark some editors write is not part of the file's text.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const index = new LineIndex(text);
  const diagnostics: Diagnostic[] = [];
  const lexed = lexer.tokenize(text);
  for (const e of lexed.errors) {
    const span = index.span(e.offset, e.offset + Math.max(1, e.length));
    const ch = text.slice(e.offset, e.offset + e.length).trim() || text[e.offset] || "";
    if (ch.startsWith('"')) {
      diagnostics.push(diag("CGX0102", span, "unterminated string", 'close the string with `"` on the same line'));
    } else {
      diagnostics.push(
        diag("CGX0101", span, `unexpected character \`${ch.slice(0, 1)}\``, "remove it, or put it inside a string"),
      );
    }
  }
  const comments: Comment[] = (lexed.groups["comments"] ?? []).map((t) => ({
    text: t.image,
    span: index.span(t.startOffset, tokenEnd(t)),
  }));
  const open = (lexed.groups["comments"] ?? []).find((t) => t.tokenType === T.UnterminatedComment);
  if (open) {
    const span = index.span(open.startOffset, tokenEnd(open));
    diagnostics.push(diag("CGX0103", span, "unterminated block comment", "close it with `*/`"));
  }
  // An unclosed string is reported here and read as a string up to the end of its line.
  const tokens = !lexed.tokens.some((t) => t.tokenType === T.UnterminatedString) ? lexed.tokens : lexed.tokens.map((t) => {
    if (t.tokenType !== T.UnterminatedString) return t;
    const span = index.span(t.startOffset, tokenEnd(t));
    diagnostics.push(diag("CGX0102", span, "unterminated string", 'close the string with `"` on the same line'));
    return { ...t, image: t.image + '"', endOffset: tokenEnd(t) - 1, tokenType: T.StringLit, tokenTypeIdx: T.StringLit.tokenTypeIdx } as IToken;
  });
  for (const t of tokens) {
    // `1e999` lexes as a number but is not one: stop it here, before it becomes Infinity in a plan.
    if (t.tokenType !== T.NumberLit && t.tokenType !== T.PercentLit) continue;
    const value = t.tokenType === T.PercentLit ? Number(t.image.slice(0, -1)) : parseNumberText(t.image);
    if (!Number.isFinite(value)) {
      const span = index.span(t.startOffset, tokenEnd(t));
      diagnostics.push(diag("CGX0402", span, `the number \`${t.image}\` is too large`, "numbers must be below about 1.8e308"));
    }
  }
  const significant = significantTokens(tokens, index);
  const deep = tooDeep(significant.tokens);
  if (deep) {
    // Parsing this would exhaust the stack: one error, and no tree.
    const span = index.span(deep.startOffset, tokenEnd(deep));
    diagnostics.push(diag("CGX0106", span, `blocks, lists and calls are nested more than ${MAX_NESTING} deep here`, `cgx reads at most ${MAX_NESTING} levels; flatten the structure`));
    return { syntax: { statements: [], comments, errorSpans: [span], cutShort: true }, diagnostics, index };
  }
  const braces = repairBraces(significant.tokens, text, index, open !== undefined);
  parser.index = index;
  parser.extra = [];
  parser.input = braces.tokens;
  const statements = (parser.file() ?? []).filter((s) => s !== undefined);
  const errorSpans: Span[] = [];
  // A lexical error explains the syntax errors after it on its line (a `)` lost in an unclosed string).
  const lexical = diagnostics.map((d) => d.span);
  const explained = (sp: Span) => lexical.some((l) => l.line === sp.line && l.start <= sp.start);
  for (const e of parser.errors) {
    const d = syntaxErrorDiagnostic(e, index, text);
    // A statement cut off by an unterminated comment is explained by that comment.
    const atEnd = e.token.tokenType.name === "EOF" || isNaN(e.token.startOffset);
    if (explained(d.span) || (open && atEnd)) {
      errorSpans.push(d.span);
      continue;
    }
    diagnostics.push(d);
    errorSpans.push(d.span);
  }
  diagnostics.push(...parser.extra);
  for (const d of diagnostics) if (!errorSpans.includes(d.span)) errorSpans.push(d.span);
  // Repaired braces and block openers leave the tree the user meant: they poison nothing.
  diagnostics.push(...significant.repaired, ...braces.diagnostics);
  const syntax: SyntaxFile = open ? { statements, comments, errorSpans, cutShort: true } : { statements, comments, errorSpans };
  return { syntax, diagnostics, index };
}

function describe(t: IToken): string {
  if (t.tokenType === T.Newline) return "end of line";
  if (t.tokenType.name === "EOF" || isNaN(t.startOffset)) return "end of file";
  return `\`${t.image}\``;
}

function syntaxErrorDiagnostic(e: IRecognitionException, index: LineIndex, text: string): Diagnostic {
  const t = e.token;
  const atEnd = t.tokenType.name === "EOF" || isNaN(t.startOffset);
  const prev = (e as { previousToken?: IToken }).previousToken;
  let start = atEnd ? text.length : t.startOffset;
  let end = atEnd ? text.length : tokenEnd(t);
  if (t.tokenType === T.Newline || atEnd) {
    // Point just after the last real token, where the missing piece belongs.
    if (prev && !isNaN(prev.startOffset)) {
      start = tokenEnd(prev);
      end = start + 1;
    }
    if (atEnd) end = start;
  }
  const span = index.span(start, Math.max(start, Math.min(end, text.length)));
  const found = describe(t);
  const expected = expectedFromMessage(e.message);
  if (e.name === "MismatchedTokenException" && expected) {
    const closer = expected === "`}`" || expected === "`)`" || expected === "`]`";
    return diag(
      "CGX0104",
      span,
      `expected ${expected}, found ${found}`,
      closer ? `add ${expected} to close what was opened before` : `insert ${expected} here`,
    );
  }
  if (e.name === "NotAllInputParsedException") {
    return diag("CGX0105", span, `unexpected ${found}`, t.image === "}" ? "remove this `}`: nothing is open" : "remove it");
  }
  return diag("CGX0105", span, `unexpected ${found}`, "a statement is a keyword followed by its values; see `cgx explain CGX0105`");
}

function expectedFromMessage(message: string): string | undefined {
  const m = /Expecting token of type --> (\w+) <--/.exec(message);
  if (!m) return undefined;
  const names: Record<string, string> = {
    RBrace: "`}`",
    LBrace: "`{`",
    RParen: "`)`",
    LParen: "`(`",
    RBracket: "`]`",
    Colon: "`:`",
    Ident: "a name",
    NumberLit: "a number",
  };
  return names[m[1]!] ?? m[1];
}
