/** Hostile shapes of input: deep nesting, long lines, thousands of errors. Each is a clear error, never a crash. */
import { describe, expect, it } from "vitest";
import { compile, renderDiagnostics } from "../../src/compiler/index.js";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../helpers.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("limits", () => {
  it("nesting thousands deep is one positioned error, in check and in fmt", async () => {
    const text = `experiment x { models { params ${"[".repeat(5000)}1${"]".repeat(5000)} } }\n`;
    const r = compile(text);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["CGX0106"]);
    // Two braces and 62 brackets are 64 levels: the 63rd bracket (column 32 + 62) is one too many.
    expect(r.diagnostics[0]!.span.col).toBe(32 + 62);
    const dir = mkdtempSync(join(tmpdir(), "cgx-limits-"));
    writeFileSync(join(dir, "deep.cgx"), `experiment x {${" data {".repeat(2000)}${"}".repeat(2000)}}\n`);
    for (const cmd of ["check", "fmt"]) {
      const io = memoryIo(dir);
      expect(await main(["node", "cgx", cmd, "deep.cgx"], io)).toBe(1);
      expect(io.stderr).toContain("error[CGX0106]");
      expect(io.stderr).not.toContain("internal error");
    }
  });

  it("a 60 KB line is shown as a window around the error, and thousands of errors as the first 50", () => {
    const sizes = Array.from({ length: 10_000 }, (_, i) => 1000 + i).join(", ");
    const text = `experiment x {\n  data {\n    context 16\n    source t = builtin("simple.sentences")\n  }\n  control shuffled\n  models { params [${sizes}] }\n  budget tokens 10k\n}\n`;
    const r = compile(text, { checkOnly: true });
    expect(r.diagnostics.length).toBeGreaterThan(1000);
    const out = renderDiagnostics(r.diagnostics, "sizes.cgx", r.index);
    expect(out.length).toBeLessThan(30_000);
    expect(out).toMatch(/\.\.\. and \d+ more \(`--format json` lists all\)/);
    for (const line of out.split("\n")) expect(line.length).toBeLessThan(200);
  });
});

describe("rounding at scale", () => {
  it("50,000 stages of one source give its shuffled control a weight of exactly 1, not a schema failure", () => {
    const n = 50_000;
    const stages = Array.from({ length: n - 1 }, (_, i) => `    stage s${i} for ${100 / n}% { mix t 100% }`).join("\n");
    const text = `experiment x {\n  data {\n    context 16\n    source t = builtin("simple.sentences")\n  }\n  curriculum c {\n${stages}\n    stage last { mix t 100% }\n  }\n  control shuffled like c\n  models { params [10k] }\n  budget tokens 1000M\n}\n`;
    const r = compile(text);
    expect(r.diagnostics).toEqual([]);
    const control = r.plan!.cells.find((c) => c.curriculum.kind === "shuffled")!.curriculum;
    expect(control.kind === "shuffled" && control.mixture).toEqual([{ source: "t", weight: 1 }]);
  }, 60_000);
});
