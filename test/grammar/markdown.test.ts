/**
 * The markdown injection grammar (grammar/cgx.markdown.tmLanguage.json) inside Markdown's own
 * grammar: fenced ```cgx blocks are tokenized with the cgx grammar, other blocks are left alone.
 */
import { describe, expect, test } from "vitest";
import { hasScope, tokenize, tokensOf } from "./textmate.js";

const md = [
  "# Title",
  "",
  "Some `inline` text.",
  "",
  "```cgx",
  "experiment demo {",
  "  stage early for 30% { mix kids 100% } // a comment",
  "}",
  "```",
  "",
  "```",
  "experiment not_cgx {",
  "```",
  "",
  "~~~ cgx",
  "source kids = builtin(\"gutenberg.children\")",
  "~~~",
  "",
  "After the blocks: experiment is a word here.",
].join("\n");

describe("markdown injection", () => {
  test("fenced cgx blocks get cgx scopes; the rest stays markdown", async () => {
    const { tokens } = await tokenize(md, "text.html.markdown");
    const experiment = tokensOf(tokens, "experiment");
    expect(experiment.find((t) => t.line === 6)).toBeDefined();
    expect(hasScope(experiment.find((t) => t.line === 6)!, "keyword.control")).toBe(true);
    expect(hasScope(experiment.find((t) => t.line === 6)!, "meta.embedded.block.cgx")).toBe(true);
    expect(hasScope(tokensOf(tokens, "demo")[0]!, "entity.name")).toBe(true);
    const pct = tokens.filter((t) => t.line === 7 && (t.text === "30" || t.text === "%")); // 30 % and 100 %
    expect(pct.length).toBe(3);
    for (const t of pct) expect(hasScope(t, "constant.numeric")).toBe(true);
    expect(tokens.some((t) => t.line === 7 && hasScope(t, "comment.line"))).toBe(true);
    expect(tokensOf(tokens, "cgx").some((t) => hasScope(t, "fenced_code.block.language"))).toBe(true);

    // A block without a language is not cgx.
    expect(tokens.filter((t) => t.line === 12).some((t) => t.scopes.some((s) => s.endsWith(".cgx")))).toBe(false);
    // ~~~ fences work too.
    expect(hasScope(tokensOf(tokens, "kids").find((t) => t.line === 16)!, "entity.name")).toBe(true);
    // Text after the blocks is plain markdown again.
    expect(tokens.filter((t) => t.line === 19).some((t) => t.scopes.some((s) => s.endsWith(".cgx")))).toBe(false);
    expect(tokens.filter((t) => t.line === 1).some((t) => t.scopes.some((s) => s.startsWith("markup.heading")))).toBe(true);
  });
});
