/**
 * Token categories of .cgx. Keywords are not reserved at the lexical level: every word is an
 * `Ident`, and the builder gives words their meaning by position. That keeps user names such as
 * a source called `facts` or a curriculum called `stage` legal and the grammar small.
 */
import { createToken, Lexer, type TokenType } from "./chevrotain.js";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r]+/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: "Newline", pattern: /\n/, line_breaks: true });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment",
  pattern: /\/\*[\s\S]*?\*\//,
  group: "comments",
  line_breaks: true,
});

/** A `/*` comment that is never closed: lexed to the end of the file, so the rest is not read as code. */
export const UnterminatedComment = createToken({ name: "UnterminatedComment", pattern: /\/\*[\s\S]*/, group: "comments", line_breaks: true });

export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n]|\\.)*"/ });
/** A string that is not closed on its line: one error token up to the end of the line. */
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: /"(?:[^"\\\n]|\\.)*\\?/ });
/** A number directly followed by `%`: a fraction of something (a budget, a mixture, a sparsity). */
export const PercentLit = createToken({ name: "PercentLit", pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?%/ });
/** A number with an optional magnitude suffix: 200k, 2.5M, 1B, 1e15. */
export const NumberLit = createToken({
  name: "NumberLit",
  pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[kKMGBT](?![A-Za-z0-9_]))?/,
});
export const Ident = createToken({ name: "Ident", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

export const Range = createToken({ name: "Range", pattern: /\.\./ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
/** Comparison and arithmetic-looking operators, used in `where` filters and `fit` formulas. */
export const Operator = createToken({ name: "Operator", pattern: /<=|>=|==|!=|<|>|~|\+|\*|\/|=/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Newline,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLit,
  UnterminatedString,
  PercentLit,
  NumberLit,
  Ident,
  Range,
  Dot,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Semicolon,
  Colon,
  Operator,
  Minus,
];
