/**
 * scripts/docs-html.mjs renders the docs with Shiki: ```cgx blocks are tokenized by
 * grammar/cgx.tmLanguage.json, so keywords, names, numbers and comments get the theme's colours
 * for their scopes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "../helpers.js";
// @ts-expect-error: a plain .mjs script without type declarations.
import { createDocsHighlighter, renderMarkdown, renderPage } from "../../scripts/docs-html.mjs";

// github-light's colours for the scopes the test looks at.
const KEYWORD = "#D73A49";
const ENTITY = "#6F42C1";
const CONSTANT = "#005CC5";
const COMMENT = "#6A737D";
const STRING = "#032F62";

interface Span {
  text: string;
  color: string;
}

/** The `<pre>` blocks of a language, each as its list of coloured spans. */
function blocks(html: string, lang: string): Span[][] {
  const out: Span[][] = [];
  const re = new RegExp(`<pre class="shiki[^"]*"[^>]*data-language="${lang}"[^>]*>([\\s\\S]*?)</pre>`, "g");
  for (const m of html.matchAll(re)) {
    const spans: Span[] = [];
    for (const s of m[1]!.matchAll(/<span style="color:(#[0-9A-Fa-f]{6})[^"]*">([^<]*)<\/span>/g)) {
      spans.push({ color: s[1]!.toUpperCase(), text: s[2]!.replace(/&#x3C;/g, "<").replace(/&quot;/g, '"').replace(/&#x26;/g, "&").trim() });
    }
    out.push(spans);
  }
  return out;
}

function colorOf(spans: Span[], text: string): string | undefined {
  return spans.find((s) => s.text === text)?.color;
}

describe("docs-html", () => {
  let highlighter: { dispose(): void };
  beforeAll(async () => {
    highlighter = await createDocsHighlighter();
  });
  afterAll(() => highlighter?.dispose());

  test("a cgx block gets grammar-based token spans; other blocks keep their own language", () => {
    const md = [
      "# Demo",
      "",
      "```cgx",
      "// budget",
      "experiment demo {",
      '  data { source kids = builtin("sotu") }',
      "  curriculum syllabus {",
      "    stage early for 30% { mix kids 100% }",
      "  }",
      "  budget tokens 2M tok",
      "}",
      "```",
      "",
      "```json",
      '{ "a": 1 }',
      "```",
      "",
      "```",
      "experiment plain {",
      "```",
      "",
      "See [the language](language.md#train).",
    ].join("\n");
    const html = renderMarkdown(md, highlighter) as string;
    const [cgx] = blocks(html, "cgx");
    expect(cgx).toBeDefined();
    expect(colorOf(cgx!, "experiment")).toBe(KEYWORD);
    expect(colorOf(cgx!, "stage")).toBe(KEYWORD);
    expect(colorOf(cgx!, "demo")).toBe(ENTITY);
    expect(colorOf(cgx!, "syllabus")).toBe(ENTITY);
    expect(colorOf(cgx!, "kids")).toBe(ENTITY);
    expect(colorOf(cgx!, "30")).toBe(CONSTANT);
    expect(colorOf(cgx!, "// budget")).toBe(COMMENT);
    expect(colorOf(cgx!, '"sotu"') ?? colorOf(cgx!, "sotu")).toBe(STRING);
    expect(blocks(html, "json")).toHaveLength(1);
    // A block without a language is escaped, not highlighted.
    expect(html).toContain('<pre class="plain"><code>experiment plain {');
    expect(html).toContain('href="language.html#train"');
    expect(html).toContain('<h1 id="demo">');
  });

  test("the tutorial's cgx blocks are all highlighted by the grammar", () => {
    const html = renderPage(readFileSync(join(ROOT, "docs", "tutorial.md"), "utf8"), highlighter, "tutorial") as string;
    expect(html).toMatch(/^<!doctype html>/);
    const cgx = blocks(html, "cgx");
    expect(cgx.length).toBeGreaterThan(0);
    expect(html).not.toContain('<pre class="plain"><code>experiment');
    for (const spans of cgx) {
      // Every block shows at least one keyword and one other scope colour.
      expect(spans.some((s) => s.color === KEYWORD)).toBe(true);
      expect(new Set(spans.map((s) => s.color)).size).toBeGreaterThan(2);
    }
  });
});

describe("docs-html command", () => {
  const out = mkdtempSync(join(tmpdir(), "cgx-docs-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test("writes one page per file", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "docs-html.mjs"), "--out", out, join(ROOT, "docs", "tutorial.md")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(out, "tutorial.html"), "utf8");
    expect(html).toContain('data-language="cgx"');
  });
});
