#!/usr/bin/env node
// Renders docs/*.md to HTML, highlighting code blocks with Shiki: ```cgx blocks with the same
// TextMate grammar the editor extension uses (grammar/cgx.tmLanguage.json), and json / console /
// bash blocks with Shiki's bundled grammars. Works offline: Shiki ships its grammars, themes and
// the oniguruma wasm in its npm packages.
//
//   node scripts/docs-html.mjs [--out DIR] [FILE.md ...]    (default: docs/*.md -> dist/docs/)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import MarkdownIt from "markdown-it";
import { createHighlighter } from "shiki";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const THEMES = { light: "github-light", dark: "github-dark" };

/** The cgx grammar as a Shiki language. */
export function cgxLanguage() {
  const grammar = JSON.parse(readFileSync(join(ROOT, "grammar", "cgx.tmLanguage.json"), "utf8"));
  return { ...grammar, name: "cgx" };
}

/** A Shiki highlighter with the cgx grammar and the other languages the docs use. */
export function createDocsHighlighter() {
  return createHighlighter({
    themes: Object.values(THEMES),
    langs: [cgxLanguage(), "json", "shellsession", "bash"],
  });
}

const ALIASES = { console: "shellsession", sh: "bash", shell: "bash" };

/** A GitHub-style heading slug, so links such as `language.md#train` work in the HTML. */
export function slug(text) {
  return text
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function escapeHtml(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Renders one Markdown document to an HTML fragment. */
export function renderMarkdown(markdown, highlighter) {
  const loaded = new Set(highlighter.getLoadedLanguages());
  const md = new MarkdownIt({
    html: true,
    linkify: false,
    highlight(code, info) {
      const name = (info || "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
      const lang = ALIASES[name] ?? name;
      if (!lang || !loaded.has(lang)) return `<pre class="plain"><code>${escapeHtml(code)}</code></pre>`;
      return highlighter.codeToHtml(code.replace(/\n$/, ""), {
        lang,
        themes: THEMES,
        transformers: [
          {
            pre(node) {
              node.properties["data-language"] = lang;
            },
          },
        ],
      });
    },
  });
  // Heading ids, unique per document.
  md.core.ruler.push("heading_ids", (state) => {
    const seen = new Map();
    state.tokens.forEach((token, i) => {
      if (token.type !== "heading_open") return;
      const base = slug(state.tokens[i + 1]?.content ?? "");
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      token.attrSet("id", n === 0 ? base : `${base}-${n}`);
    });
  });
  // Links between docs point at the HTML pages.
  const linkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const href = tokens[idx].attrGet("href");
    if (href && !/^[a-z]+:/i.test(href)) tokens[idx].attrSet("href", href.replace(/\.md(#|$)/, ".html$1"));
    return linkOpen(tokens, idx, options, env, self);
  };
  return md.render(markdown);
}

const CSS = `
body { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; font: 16px/1.55 system-ui, sans-serif; color: #1f2328; background: #fff; }
pre { padding: 0.8rem 1rem; border-radius: 6px; overflow-x: auto; font-size: 14px; line-height: 1.45; }
pre.plain, :not(pre) > code { background: #f6f8fa; }
:not(pre) > code { padding: 0.1em 0.3em; border-radius: 4px; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.6rem; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; }
  pre.plain, :not(pre) > code { background: #161b22; }
  th, td { border-color: #30363d; }
  .shiki, .shiki span { color: var(--shiki-dark) !important; background-color: var(--shiki-dark-bg) !important; }
}`;

/** A complete HTML page for one document. */
export function renderPage(markdown, highlighter, title) {
  const body = renderMarkdown(markdown, highlighter);
  const heading = /^#\s+(.+)$/m.exec(markdown)?.[1] ?? title;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(heading)}</title>
<style>${CSS}
</style>
</head>
<body>
${body}</body>
</html>
`;
}

async function main(argv) {
  let out = join(ROOT, "dist", "docs");
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = resolve(argv[++i] ?? out);
    else files.push(resolve(argv[i]));
  }
  if (files.length === 0) {
    const docs = join(ROOT, "docs");
    for (const f of readdirSync(docs).sort()) if (f.endsWith(".md")) files.push(join(docs, f));
  }
  const highlighter = await createDocsHighlighter();
  mkdirSync(out, { recursive: true });
  for (const file of files) {
    const name = basename(file, ".md");
    const target = join(out, `${name}.html`);
    writeFileSync(target, renderPage(readFileSync(file, "utf8"), highlighter, name));
    console.log(`${file} -> ${target}`);
  }
  highlighter.dispose();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
