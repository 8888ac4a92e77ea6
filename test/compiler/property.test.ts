/**
 * Property test: the compiler survives any damage to a valid experiment. Every example file is
 * mutated at random (spans deleted, lines duplicated, tokens swapped, junk characters inserted,
 * the text truncated, numbers replaced), and for every mutated text:
 *
 * - `compile` returns instead of throwing;
 * - every diagnostic has a known code, a non-empty message that does not start with a capital,
 *   and a span inside the text whose line/column agree with its offsets;
 * - a text with no errors compiles to a plan.
 *
 * Hostile shapes are among the mutations too (issue 15): brackets nested hundreds deep, names of
 * hundreds of characters, lists of thousands of numbers, a byte-order mark, numbers past 2^53.
 *
 * The seed is fixed, so a failure reproduces; fast-check prints the shrunk counterexample.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CODES } from "../../src/compiler/codes.js";
import { compile } from "../../src/compiler/index.js";
import type { Diagnostic } from "../../src/compiler/diagnostics.js";
import { exampleFiles } from "../helpers.js";

/** Override for longer hunts: CGX_PROPERTY_RUNS=5000 CGX_PROPERTY_SEED=7 npx vitest run test/compiler/property.test.ts */
const RUNS_PER_EXAMPLE = Number(process.env["CGX_PROPERTY_RUNS"] ?? 300);
const SEED = Number(process.env["CGX_PROPERTY_SEED"] ?? 20240611);

/** Characters inserted at random: every punctuation mark of the language, letters, digits, newlines. */
const JUNK = [..."{}()[],:%.\"=<>~+-*/;$@#abcxyzAZ_0123456789\n\n  \t"];
/** Numbers that stress the checks: zero, fractions, huge, tiny, exponent forms, magnitudes. */
const NUMBERS = ["0", "1", "2", "3", "7", "0.5", "2.5", "100", "101", "4096", "1e9", "1e300", "1e999", "0.0001", "3e-3", "200k", "5M", "2B", "999999", "9007199254740993", "4294967296", "1e-400", "00012"];

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicateLine"; line: number }
  | { kind: "swapTokens"; a: number; b: number }
  | { kind: "insert"; at: number; chars: string }
  | { kind: "truncate"; at: number }
  | { kind: "replaceNumber"; which: number; by: string }
  | { kind: "nest"; at: number; depth: number; open: "[" | "{" | "(" }
  | { kind: "longName"; which: number; length: number }
  | { kind: "hugeList"; at: number; count: number }
  | { kind: "bom" };

const CLOSE = { "[": "]", "{": "}", "(": ")" } as const;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // The hostile shapes, one draw in nine.
  fc.oneof(
    fc.record({ kind: fc.constant("nest" as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 400 }), open: fc.constantFrom("[" as const, "{" as const, "(" as const) }),
    fc.record({ kind: fc.constant("longName" as const), which: fc.nat(), length: fc.integer({ min: 50, max: 400 }) }),
    fc.record({ kind: fc.constant("hugeList" as const), at: fc.nat(), count: fc.integer({ min: 100, max: 2000 }) }),
    fc.record({ kind: fc.constant("bom" as const) }),
  ),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("duplicateLine" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("swapTokens" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    chars: fc.array(fc.constantFrom(...JUNK), { minLength: 1, maxLength: 6 }).map((cs) => cs.join("")),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replaceNumber" as const), which: fc.nat(), by: fc.constantFrom(...NUMBERS) }),
);

/** Positions are taken modulo the current text, so every mutation applies to any text. */
function apply(text: string, m: Mutation): string {
  const n = text.length;
  switch (m.kind) {
    case "delete": {
      if (n === 0) return text;
      const at = m.at % n;
      return text.slice(0, at) + text.slice(Math.min(n, at + m.length));
    }
    case "duplicateLine": {
      const lines = text.split("\n");
      const i = m.line % lines.length;
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    }
    case "swapTokens": {
      const tokens = [...text.matchAll(/[A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?%?|"[^"\n]*"|[{}()[\],:=<>~+]/g)];
      if (tokens.length < 2) return text;
      let a = tokens[m.a % tokens.length]!;
      let b = tokens[m.b % tokens.length]!;
      if (a.index === b.index) return text;
      if (a.index! > b.index!) [a, b] = [b, a];
      const ai = a.index!;
      const bi = b.index!;
      return text.slice(0, ai) + b[0] + text.slice(ai + a[0].length, bi) + a[0] + text.slice(bi + b[0].length);
    }
    case "insert": {
      const at = m.at % (n + 1);
      return text.slice(0, at) + m.chars + text.slice(at);
    }
    case "truncate":
      return text.slice(0, m.at % (n + 1));
    case "nest": {
      const at = m.at % (n + 1);
      return text.slice(0, at) + m.open.repeat(m.depth) + "1" + CLOSE[m.open].repeat(m.depth) + text.slice(at);
    }
    case "longName": {
      const names = [...text.matchAll(/\b[a-z_][a-z0-9_]*\b/g)];
      if (names.length === 0) return text;
      const hit = names[m.which % names.length]!;
      return text.slice(0, hit.index!) + "n".repeat(m.length) + text.slice(hit.index! + hit[0].length);
    }
    case "hugeList": {
      const at = m.at % (n + 1);
      return text.slice(0, at) + `[${Array.from({ length: m.count }, (_, i) => 1000 + i).join(", ")}]` + text.slice(at);
    }
    case "bom":
      return text.charCodeAt(0) === 0xfeff ? text : `\ufeff${text}`;
    case "replaceNumber": {
      const numbers = [...text.matchAll(/\d+(?:\.\d+)?(?:e-?\d+)?[kMB]?/g)];
      if (numbers.length === 0) return text;
      const hit = numbers[m.which % numbers.length]!;
      return text.slice(0, hit.index!) + m.by + text.slice(hit.index! + hit[0].length);
    }
  }
}

/** 1-based line and column of an offset, counted directly from the text. */
function position(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

function checkDiagnostic(text: string, d: Diagnostic): void {
  const where = `${d.code} "${d.message}" at ${d.span.start}..${d.span.end}`;
  expect(Object.prototype.hasOwnProperty.call(CODES, d.code), `unknown code: ${where}`).toBe(true);
  expect(d.severity, where).toBe(CODES[d.code].severity);
  expect(d.message.length, `empty message: ${where}`).toBeGreaterThan(0);
  expect(d.message[0], `message starts with a capital: ${where}`).not.toMatch(/[A-Z]/);
  if (d.help !== undefined) expect(d.help.length, `empty help: ${where}`).toBeGreaterThan(0);
  const { start, end } = d.span;
  expect(Number.isInteger(start) && Number.isInteger(end), `non-integer span: ${where}`).toBe(true);
  expect(0 <= start && start <= end && end <= text.length, `span outside the text (length ${text.length}): ${where}`).toBe(true);
  expect({ line: d.span.line, col: d.span.col }, `start position: ${where}`).toEqual(position(text, start));
  expect({ line: d.span.endLine, col: d.span.endCol }, `end position: ${where}`).toEqual(position(text, end));
}

function checkText(text: string): void {
  const r = compile(text);
  // Spans count from after a byte-order mark, which is not part of the text an editor shows.
  const shown = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (const d of r.diagnostics) checkDiagnostic(shown, d);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  if (errors.length === 0) expect(r.plan, "no errors but no plan").toBeDefined();
  else expect(r.plan, "errors and a plan").toBeUndefined();
}

describe("compile: property", () => {
  const examples = exampleFiles();

  it("finds example files", () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const [i, example] of examples.entries()) {
    it(`${example.name}: random mutations never crash and give well-formed diagnostics`, () => {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
          checkText(mutations.reduce(apply, example.text));
        }),
        { numRuns: RUNS_PER_EXAMPLE, seed: SEED + i },
      );
    });
  }

  it("the unmutated examples compile cleanly", () => {
    for (const example of examples) {
      const r = compile(example.text);
      expect(r.diagnostics.filter((d) => d.severity === "error"), example.name).toEqual([]);
      expect(r.plan, example.name).toBeDefined();
    }
  });
});
