/**
 * The TextMate grammar (grammar/cgx.tmLanguage.json) tokenized with vscode-textmate and
 * vscode-oniguruma, as VS Code does: a token snapshot of every example, and hand-written checks of
 * the scopes editors and themes rely on.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { BLOCK_KEYWORDS } from "../../src/compiler/catalog.js";
import { exampleFiles } from "../helpers.js";
import { CGX_GRAMMAR_PATH, hasScope, render, tokenize, tokensOf, type Token } from "./textmate.js";

function only(tokens: readonly Token[], text: string, line?: number): Token {
  const found = tokensOf(tokens, text).filter((t) => line === undefined || t.line === line);
  if (found.length !== 1) throw new Error(`expected one token ${JSON.stringify(text)}, found ${found.length}`);
  return found[0]!;
}

/** Every token that overlaps the first occurrence of `text` on a line. */
function covering(tokens: readonly Token[], line: number, lineText: string, text: string): Token[] {
  const start = lineText.indexOf(text);
  if (start < 0) throw new Error(`no ${text} in ${lineText}`);
  const end = start + text.length;
  const out: Token[] = [];
  let at = 0;
  for (const t of tokens.filter((t) => t.line === line)) {
    const a = at;
    at += t.text.length;
    if (a < end && at > start) out.push(t);
  }
  return out;
}

describe("grammar file", () => {
  test("is valid JSON with the cgx scope", () => {
    const g = JSON.parse(readFileSync(CGX_GRAMMAR_PATH, "utf8"));
    expect(g.scopeName).toBe("source.cgx");
    expect(g.fileTypes).toContain("cgx");
  });

  test("is what grammar/scripts/build-grammar.mjs generates (edit the script, then run it)", async () => {
    // @ts-expect-error: a plain .mjs script without type declarations.
    const { grammarText } = await import("../../grammar/scripts/build-grammar.mjs");
    expect(readFileSync(CGX_GRAMMAR_PATH, "utf8")).toBe(grammarText());
  });
});

describe("examples", () => {
  for (const ex of exampleFiles()) {
    test(`${ex.name} tokenizes with balanced blocks and nothing flagged invalid`, async () => {
      const { tokens, balanced } = await tokenize(ex.text);
      expect(balanced).toBe(true);
      expect(tokens.filter((t) => t.scopes.some((s) => s.startsWith("invalid")))).toEqual([]);
      // Every brace, percentage and comment is scoped.
      for (const t of tokens) {
        if (t.text === "{" || t.text === "}") expect(hasScope(t, "punctuation.section.block")).toBe(true);
        if (t.text === "%") expect(hasScope(t, "constant.numeric")).toBe(true);
        if (t.text.startsWith("//")) expect(hasScope(t, "comment")).toBe(true);
      }
      await expect(render(tokens)).toMatchFileSnapshot(`__snapshots__/${ex.name.replace(/\.cgx$/, "")}.tokens`);
    });
  }
});

describe("scopes", () => {
  const text = [
    "// a line comment",
    "/* a block",
    "   comment */",
    "experiment demo {",
    "  data {",
    '    source kids = builtin("gutenberg.children") // trailing',
    "    source facts = synthetic.facts(hops: 1..3)",
    "  }",
    "  curriculum syllabus {",
    "    stage early for 30% { mix kids 70%, facts 30% where grade <= 4 }",
    "    stage late { mix kids 100% }",
    "  }",
    "  control shuffled like syllabus",
    "  control anti reversed",
    "  models {",
    "    params [200k, 2.5M]",
    "    shape deep(layers: 4, width: 64)",
    "  }",
    "  train { optimizer adamw(lr: 1e-3); batch 32 }",
    "  grow {",
    "    at stage late: stack(factor: 2)",
    "    when plateau(window: 500 steps, min_drop: 0.5%): insert(top)",
    "  }",
    "  evaluate at [10%, 2M tok, 5000 steps]",
    "  analyze { fit power_law(loss ~ params) by curriculum }",
    "}",
  ];
  const lines = ["", ...text];
  let tokens: Token[] = [];
  test("tokenize", async () => {
    const r = await tokenize(text.join("\n"));
    tokens = r.tokens;
    expect(r.balanced).toBe(true);
  });

  test("a percentage is numeric, % included", () => {
    const parts = covering(tokens, 10, lines[10]!, "30%");
    expect(parts.length).toBeGreaterThan(0);
    for (const t of parts) expect(hasScope(t, "constant.numeric")).toBe(true);
  });

  test("numbers keep their suffix or unit inside the numeric scope", () => {
    for (const [line, text] of [
      [16, "200k"],
      [16, "2.5M"],
      [19, "1e-3"],
      [22, "500 steps"],
      [24, "2M tok"],
      [24, "5000 steps"],
    ] as const) {
      const parts = covering(tokens, line, lines[line]!, text);
      expect(parts.map((t) => t.text).join("")).toBe(text);
      for (const t of parts) expect(hasScope(t, "constant.numeric"), `${text}: ${t.text}`).toBe(true);
    }
    expect(hasScope(only(tokens, "steps", 22), "keyword.other.unit")).toBe(true);
    expect(hasScope(only(tokens, "k", 16), "keyword.other.unit.suffix")).toBe(true);
  });

  test("block and statement keywords", () => {
    for (const t of tokensOf(tokens, "stage").filter((t) => t.line === 10 || t.line === 11)) {
      expect(hasScope(t, "keyword.control.stage")).toBe(true);
    }
    expect(hasScope(only(tokens, "experiment"), "keyword.control")).toBe(true);
    expect(hasScope(only(tokens, "data"), "keyword.control")).toBe(true);
    expect(hasScope(only(tokens, "mix", 11), "keyword.other")).toBe(true);
    expect(hasScope(only(tokens, "batch"), "keyword.other")).toBe(true);
    expect(hasScope(only(tokens, "optimizer"), "keyword.other")).toBe(true);
    // `stage` inside a statement is a point in time, still a keyword.
    expect(hasScope(only(tokens, "stage", 21), "keyword.other.stage")).toBe(true);
  });

  test("declared names are entity.name", () => {
    expect(hasScope(only(tokens, "demo"), "entity.name")).toBe(true);
    expect(hasScope(only(tokens, "kids", 6), "entity.name")).toBe(true);
    const facts = tokensOf(tokens, "facts").filter((t) => t.line === 7);
    expect(facts.map((t) => hasScope(t, "entity.name"))).toEqual([true, false]);
    expect(hasScope(facts[1]!, "support.function")).toBe(true);
    expect(hasScope(only(tokens, "syllabus", 9), "entity.name")).toBe(true);
    expect(hasScope(only(tokens, "early"), "entity.name")).toBe(true);
    expect(hasScope(only(tokens, "shuffled"), "entity.name")).toBe(true);
    expect(hasScope(only(tokens, "reversed"), "entity.name")).toBe(true);
    expect(hasScope(only(tokens, "anti"), "entity.name")).toBe(false);
    expect(hasScope(only(tokens, "deep"), "entity.name")).toBe(true);
    // References are not declarations.
    expect(hasScope(only(tokens, "late", 21), "entity.name")).toBe(false);
  });

  test("keywords are positional: a word used as a value is not a statement keyword", () => {
    expect(hasScope(only(tokens, "loss"), "keyword")).toBe(false);
    expect(hasScope(only(tokens, "layers"), "variable.parameter")).toBe(true);
    expect(hasScope(only(tokens, "lr"), "variable.parameter")).toBe(true);
  });

  test("comments, strings, operators and punctuation", () => {
    expect(tokens.filter((t) => t.line <= 3).every((t) => hasScope(t, "comment") || t.text.trim() === "")).toBe(true);
    expect(tokens.filter((t) => t.line === 3).every((t) => hasScope(t, "comment.block"))).toBe(true);
    expect(hasScope(only(tokens, " trailing"), "comment.line")).toBe(true);
    expect(hasScope(only(tokens, "gutenberg.children"), "string.quoted.double")).toBe(true);
    expect(hasScope(only(tokens, "=", 6), "keyword.operator")).toBe(true);
    expect(hasScope(only(tokens, ".."), "keyword.operator")).toBe(true);
    expect(hasScope(only(tokens, "<="), "keyword.operator")).toBe(true);
    expect(hasScope(only(tokens, "~"), "keyword.operator")).toBe(true);
    expect(hasScope(only(tokens, ";"), "punctuation")).toBe(true);
    expect(tokensOf(tokens, ",").every((t) => hasScope(t, "punctuation"))).toBe(true);
    expect(hasScope(only(tokens, "builtin"), "support.function")).toBe(true);
    expect(hasScope(only(tokens, "plateau"), "entity.name.function")).toBe(true);
  });

  test("connective words inside a statement", async () => {
    const r = await tokenize("analyze {\n  compare syllabus vs shuffled at equal flops target 3.5\n}");
    expect(hasScope(only(r.tokens, "compare"), "keyword.other.compare")).toBe(true);
    for (const w of ["vs", "at", "equal", "target"]) expect(hasScope(only(r.tokens, w), "keyword.other.connective"), w).toBe(true);
  });

  test("an unterminated string stops at the end of its line", async () => {
    const r = await tokenize('source mine = "data/*.txt\nbatch 32');
    expect(hasScope(only(r.tokens, "batch"), "keyword.other")).toBe(true);
  });
});

describe("catalog", () => {
  test("every statement keyword of every block is highlighted where a statement starts", async () => {
    const words = new Set<string>(Object.values(BLOCK_KEYWORDS).flat());
    const text = [...words].map((w) => `  ${w} 1`).join("\n");
    const { tokens } = await tokenize(`experiment x {\n${text}\n}`);
    const missing = [...words].filter((w) => !tokensOf(tokens, w).some((t) => hasScope(t, "keyword")));
    expect(missing).toEqual([]);
  });
});
