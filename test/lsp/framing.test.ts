/**
 * The language server against a broken client: a header block without Content-Length is dropped
 * and the server keeps answering; input that ends right after requests still gets their answers.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

const SERVER = join(ROOT, "dist", "src", "lsp", "main.js");
const frame = (o: unknown) => {
  const s = JSON.stringify(o);
  return `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`;
};
const initialize = (id: number) => frame({ jsonrpc: "2.0", id, method: "initialize", params: { capabilities: {} } });

function serve(write: (stdin: NodeJS.WritableStream) => void): Promise<{ code: number | null; out: string; err: string }> {
  const p = spawn("node", [SERVER], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  p.stdout.on("data", (d) => (out += d));
  p.stderr.on("data", (d) => (err += d));
  write(p.stdin);
  return new Promise((resolve) => p.on("exit", (code) => resolve({ code, out, err })));
}

describe("the language server's framing guard", () => {
  it("drops a header without Content-Length, says so, and answers the next request", async () => {
    const r = await serve((stdin) => {
      stdin.write("X-Junk: 1\r\n\r\n");
      setTimeout(() => stdin.end(initialize(1) + frame({ jsonrpc: "2.0", id: 2, method: "shutdown" })), 200);
    });
    expect(r.out).toContain('"id":1,"result":{"capabilities"');
    expect(r.out).toContain('"id":2');
    expect(r.err).toContain('dropped a header without Content-Length: "X-Junk: 1"');
  }, 30_000);

  it("answers every request it read before its input ended", async () => {
    const r = await serve((stdin) => stdin.end(initialize(7) + frame({ jsonrpc: "2.0", id: 8, method: "textDocument/documentSymbol", params: { textDocument: { uri: "file:///none.cgx" } } })));
    expect(r.out).toContain('"id":7');
    expect(r.out).toContain('"id":8');
  }, 30_000);
});
