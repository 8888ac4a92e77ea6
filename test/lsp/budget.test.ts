/**
 * The language server compiles for diagnostics off its connection's thread, under a time budget:
 * a compile that takes long neither holds back hover nor runs on forever (issue: hover blocked 60 s
 * and more behind a grid that collapsed 2e9 combinations).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "../helpers.js";
import { LspClient } from "./client.js";

const SERVER = join(ROOT, "dist", "src", "lsp", "main.js");
const URI = "file:///work/slow.cgx";

/** A grid of 80,000 cells: checking every cell takes about 0.3 s here, far past the test's budget of 50 ms. */
const SLOW = `experiment slow {
  data {
    context 64
    source kids = builtin("gutenberg.children")
  }
  curriculum syllabus {
    stage early for 30% { mix kids 100% }
    stage late { mix kids 100% }
  }
  models { params log(100k..10M, 20) }
  budget tokens 20 x params
  vary {
    lr [${Array.from({ length: 200 }, (_, i) => (1e-4 * 100 ** (i / 199)).toPrecision(3)).join(", ")}]
    warmup [${Array.from({ length: 20 }, (_, i) => `${i + 1}%`).join(", ")}]
  }
}
`;
const QUICK = `experiment quick {
  data {
    context 64
    source kids = builtin("gutenberg.children")
  }
  curriculum syllabus {
    stage early for 30% { mix kids 100% }
    stage late { mix kids 100% }
  }
  models { params [10k] }
  budget tokens 20 x params
  train { bacth 32 }
}
`;

describe.skipIf(!existsSync(SERVER))("cgx lsp under a slow compile", () => {
  let client: LspClient;

  beforeAll(async () => {
    client = new LspClient(process.execPath, [SERVER], ROOT, { CGX_LSP_CHECK_MS: "50" });
    await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
    client.notify("initialized", {});
  });

  afterAll(async () => {
    if (client) expect(await client.close()).toBe(0);
  });

  test("hover is answered while the file is being checked, and the check stops at its budget", async () => {
    const order: string[] = [];
    client.notify("textDocument/didOpen", { textDocument: { uri: URI, languageId: "cgx", version: 1, text: SLOW } });
    const published = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === URI, 30_000).then((p) => {
      order.push("diagnostics");
      return p;
    });
    const hover = await client.request("textDocument/hover", { textDocument: { uri: URI }, position: { line: 6, character: 5 } });
    order.push("hover");
    expect(hover.contents.value).toContain("stage NAME [for DURATION]");
    const p = await published;
    expect(order).toEqual(["hover", "diagnostics"]);
    expect(p.diagnostics).toHaveLength(1);
    expect(p.diagnostics[0].severity).toBe(2);
    expect(p.diagnostics[0].message).toContain("cgx did not check this file: checking took longer than 0.05 s and was stopped");
    expect(p.diagnostics[0].message).toContain("cgx check FILE");
  });

  test("an edit to a quick file is checked normally afterwards", async () => {
    client.notify("textDocument/didChange", { textDocument: { uri: URI, version: 2 }, contentChanges: [{ text: QUICK }] });
    const p = await client.waitFor("textDocument/publishDiagnostics", (d) => d.uri === URI && d.version === 2, 30_000);
    expect(p.diagnostics.map((d: { code: string }) => d.code)).toEqual(["CGX0202"]);
  });
});
