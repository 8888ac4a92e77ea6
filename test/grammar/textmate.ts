/**
 * Tokenizes text with the TextMate grammars in grammar/ through vscode-textmate and
 * vscode-oniguruma, the engine VS Code itself uses. Markdown comes from Shiki's grammar package, so
 * the markdown injection grammar can be tested against a real host grammar.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import vsctm from "vscode-textmate";
import oniguruma from "vscode-oniguruma";
import { ROOT } from "../helpers.js";

const require = createRequire(import.meta.url);

export const CGX_GRAMMAR_PATH = join(ROOT, "grammar", "cgx.tmLanguage.json");
export const MARKDOWN_INJECTION_PATH = join(ROOT, "grammar", "cgx.markdown.tmLanguage.json");

export interface Token {
  readonly line: number;
  readonly text: string;
  /** Scopes without the root scope. */
  readonly scopes: readonly string[];
}

let registryPromise: Promise<vsctm.Registry> | undefined;

async function markdownGrammar(): Promise<unknown> {
  const mod = (await import("@shikijs/langs/markdown")) as { default: Array<{ name: string }> };
  const md = mod.default.find((g) => g.name === "markdown");
  if (!md) throw new Error("no markdown grammar in @shikijs/langs");
  return md;
}

export function registry(): Promise<vsctm.Registry> {
  registryPromise ??= (async () => {
    const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    return new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) => {
        if (scopeName === "source.cgx") return vsctm.parseRawGrammar(readFileSync(CGX_GRAMMAR_PATH, "utf8"), CGX_GRAMMAR_PATH);
        if (scopeName === "markdown.cgx.codeblock")
          return vsctm.parseRawGrammar(readFileSync(MARKDOWN_INJECTION_PATH, "utf8"), MARKDOWN_INJECTION_PATH);
        if (scopeName === "text.html.markdown") return (await markdownGrammar()) as vsctm.IRawGrammar;
        return null;
      },
      getInjections: (scopeName: string) => (scopeName === "text.html.markdown" ? ["markdown.cgx.codeblock"] : undefined),
    });
  })();
  return registryPromise;
}

export interface Tokenized {
  readonly tokens: Token[];
  /** Whether every begin/end rule opened in the text was closed by its end. */
  readonly balanced: boolean;
}

export async function tokenize(text: string, scope = "source.cgx"): Promise<Tokenized> {
  const grammar = await (await registry()).loadGrammar(scope);
  if (!grammar) throw new Error(`no grammar for ${scope}`);
  let stack = vsctm.INITIAL;
  const tokens: Token[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((lineText, i) => {
    const r = grammar.tokenizeLine(lineText, stack);
    for (const t of r.tokens) {
      const slice = lineText.slice(t.startIndex, t.endIndex);
      if (slice.length === 0) continue;
      tokens.push({ line: i + 1, text: slice, scopes: t.scopes.slice(1) });
    }
    stack = r.ruleStack;
  });
  return { tokens, balanced: depthOf(stack) === 1 };
}

function depthOf(stack: vsctm.StateStack): number {
  // StateStack has no public depth; walk its parent chain.
  let n = 0;
  let s: { parent?: unknown } | undefined = stack as unknown as { parent?: unknown };
  while (s) {
    n++;
    s = s.parent as typeof s;
  }
  return n;
}

/** The tokens whose text is exactly `text`. */
export function tokensOf(tokens: readonly Token[], text: string): Token[] {
  return tokens.filter((t) => t.text === text);
}

export function hasScope(token: Token, prefix: string): boolean {
  return token.scopes.some((s) => s === prefix || s.startsWith(prefix + "."));
}

/** A readable rendering for snapshots: one line per token that has any scope. */
export function render(tokens: readonly Token[]): string {
  return tokens
    .filter((t) => t.text.trim().length > 0 && t.scopes.length > 0)
    .map((t) => `${String(t.line).padStart(3)} ${JSON.stringify(t.text).padEnd(24)} ${t.scopes.join(" ")}`)
    .join("\n")
    .concat("\n");
}
