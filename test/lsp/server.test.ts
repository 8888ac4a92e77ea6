/**
 * Drives `node dist/src/lsp/main.js` (the server `cgx lsp` starts) over stdio with real LSP
 * JSON-RPC messages: initialize, didOpen -> publishDiagnostics, hover, completion, definition,
 * documentSymbol, formatting, didChange, shutdown/exit. `npm test` builds dist/ first.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { format } from "../../src/compiler/format.js";
import { ROOT } from "../helpers.js";
import { LspClient } from "./client.js";

const SERVER = join(ROOT, "dist", "src", "lsp", "main.js");

const TEXT = [
  "experiment demo {", //                                   0
  "  data {", //                                            1
  "    context 64", //                                      2
  '    source kids = builtin("gutenberg.children")', //     3
  "    source facts = synthetic.facts(hops: 1..2)", //      4
  "  }", //                                                 5
  "  curriculum syllabus {", //                             6
  "    stage early for 30% { mix kids 100% }", //           7
  "    stage late { mix kids 50%, facts 50% }", //          8
  "  }", //                                                 9
  "  control shuffled like syllabus", //                    10
  "  models { params [1M] }", //                            11
  "  budget tokens 20 x params", //                         12
  "  train {", //                                           13
  "    bacth 32", //                                        14
  "  }", //                                                 15
  "}", //                                                   16
  "",
].join("\n");
const URI = "file:///work/demo.cgx";

/** The 0-based position of the n-th occurrence of `needle` on `line`, plus `delta` characters. */
function pos(text: string, line: number, needle: string, delta = 0, nth = 0) {
  const lineText = text.split("\n")[line]!;
  let at = -1;
  for (let i = 0; i <= nth; i++) at = lineText.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`no ${needle} on line ${line}`);
  return { line, character: at + delta };
}

describe.skipIf(!existsSync(SERVER))("cgx lsp over stdio", () => {
  let client: LspClient;

  beforeAll(async () => {
    client = new LspClient(process.execPath, [SERVER], ROOT);
    const init = await client.request("initialize", {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { hover: { contentFormat: ["markdown", "plaintext"] }, completion: { completionItem: { snippetSupport: true } } } },
    });
    expect(init.capabilities.hoverProvider).toBe(true);
    expect(init.capabilities.definitionProvider).toBe(true);
    expect(init.capabilities.documentFormattingProvider).toBe(true);
    expect(init.capabilities.completionProvider).toBeDefined();
    expect(init.serverInfo.name).toBe("cgx");
    client.notify("initialized", {});
    client.notify("textDocument/didOpen", { textDocument: { uri: URI, languageId: "cgx", version: 1, text: TEXT } });
  });

  afterAll(async () => {
    if (client) expect(await client.close()).toBe(0);
  });

  test("didOpen publishes the compiler's diagnostics with LSP ranges, code and help", async () => {
    const params = await client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === URI);
    expect(params.diagnostics).toHaveLength(1);
    const d = params.diagnostics[0];
    // The compiler reports 15:5-15:10 (1-based); LSP positions are 0-based.
    expect(d.range).toEqual({ start: { line: 14, character: 4 }, end: { line: 14, character: 9 } });
    expect(d.code).toBe("CGX0202");
    expect(d.severity).toBe(1);
    expect(d.source).toBe("cgx");
    expect(d.message).toContain("unknown statement `bacth`");
    expect(d.message).toContain("help: did you mean `batch`?");
  });

  test("hover on a keyword shows its documentation", async () => {
    const h = await client.request("textDocument/hover", { textDocument: { uri: URI }, position: pos(TEXT, 7, "stage", 2) });
    expect(h.contents.kind).toBe("markdown");
    expect(h.contents.value).toContain("stage NAME [for DURATION]");
    expect(h.range).toEqual({ start: { line: 7, character: 4 }, end: { line: 7, character: 9 } });
  });

  test("hover on a declared name says what it is and where", async () => {
    const h = await client.request("textDocument/hover", { textDocument: { uri: URI }, position: pos(TEXT, 7, "kids", 1) });
    expect(h.contents.value).toContain("**source** `kids`");
    expect(h.contents.value).toContain('source kids = builtin("gutenberg.children")');
    expect(h.contents.value).toContain("Declared on line 4");
    expect(h.contents.value).toContain("Children's books");
  });

  test("completion offers the keywords of the block at a statement start", async () => {
    // Line 14 column 4 is the start of `bacth`: a statement start in the train block.
    const items = await client.request("textDocument/completion", { textDocument: { uri: URI }, position: { line: 14, character: 4 } });
    const labels = (Array.isArray(items) ? items : items.items).map((i: { label: string }) => i.label);
    expect(labels).toEqual(expect.arrayContaining(["optimizer", "schedule", "batch", "clip"]));
    expect(labels).not.toContain("source");
  });

  test("completion offers declared sources in a mixture and corpora in builtin()", async () => {
    const items = await client.request("textDocument/completion", { textDocument: { uri: URI }, position: pos(TEXT, 8, "kids") });
    expect(items.map((i: { label: string }) => i.label)).toEqual(["kids", "facts"]);
    const corpora = await client.request("textDocument/completion", { textDocument: { uri: URI }, position: pos(TEXT, 3, "gutenberg", 3) });
    const children = corpora.find((i: { label: string }) => i.label === "gutenberg.children");
    expect(children.textEdit.range).toEqual({ start: pos(TEXT, 3, "gutenberg"), end: pos(TEXT, 3, "gutenberg", 3) });
  });

  test("definition of a curriculum, a source and a stage", async () => {
    const cur = await client.request("textDocument/definition", { textDocument: { uri: URI }, position: pos(TEXT, 10, "syllabus", 3) });
    expect(cur).toEqual([{ uri: URI, range: { start: { line: 6, character: 13 }, end: { line: 6, character: 21 } } }]);
    const src = await client.request("textDocument/definition", { textDocument: { uri: URI }, position: pos(TEXT, 8, "facts") });
    expect(src).toEqual([{ uri: URI, range: { start: { line: 4, character: 11 }, end: { line: 4, character: 16 } } }]);
  });

  test("document symbols nest stages under their curriculum", async () => {
    const symbols = await client.request("textDocument/documentSymbol", { textDocument: { uri: URI } });
    expect(symbols).toHaveLength(1);
    expect(symbols[0].name).toBe("demo");
    const names = symbols[0].children.map((s: { name: string }) => s.name);
    expect(names).toEqual(["kids", "facts", "syllabus", "shuffled"]);
    expect(symbols[0].children[2].children.map((s: { name: string }) => s.name)).toEqual(["early", "late"]);
  });

  test("didChange re-checks; formatting returns cgx fmt's output", async () => {
    const messy = "experiment   demo {\nseeds 1\n      data { context 64 ;  source kids = builtin( \"sotu\" ) }\n}\n";
    client.notify("textDocument/didChange", { textDocument: { uri: URI, version: 2 }, contentChanges: [{ text: messy }] });
    const params = await client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === URI && p.version === 2);
    expect(params.diagnostics.map((d: { code: string }) => d.code)).not.toContain("CGX0202");
    const edits = await client.request("textDocument/formatting", { textDocument: { uri: URI }, options: { tabSize: 2, insertSpaces: true } });
    const expected = format(messy);
    expect(expected.ok).toBe(true);
    expect(edits).toHaveLength(1);
    expect(edits[0].newText).toBe(expected.ok ? expected.text : "");
    expect(edits[0].range).toEqual({ start: { line: 0, character: 0 }, end: { line: 4, character: 0 } });
  });
});

test("the server is built", () => {
  // dist/ is built by `npm test` (scripts/test.mjs) before vitest runs.
  expect(existsSync(SERVER), `${SERVER} is missing: run npm run build`).toBe(true);
});
