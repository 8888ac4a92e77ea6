/**
 * `cgx check` (and the editor) compile with `checkOnly`: every check, including the per-cell ones in
 * the expansion, but no cell is built, serialised or hashed. Its diagnostics must be exactly those of
 * a full compile, on every example, every golden case and a file of hundreds of cells.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import { ROOT } from "../helpers.js";

function files(dir: string): Array<[string, string]> {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cgx"))
    .sort()
    .map((f) => [f, readFileSync(join(dir, f), "utf8")]);
}

const cases = [...files(join(ROOT, "experiments")), ...files(join(ROOT, "test", "golden", "diagnostics"))];

describe("checkOnly gives the diagnostics of a full compile", () => {
  it("has cases", () => expect(cases.length).toBeGreaterThan(50));

  it.each(cases)("%s", (_, text) => {
    const full = compile(text);
    const checked = compile(text, { checkOnly: true });
    expect(checked.diagnostics).toEqual(full.diagnostics);
    expect(checked.plan).toBeUndefined();
  });

  it("on hundreds of cells, with per-cell problems reported once each", () => {
    // Every curriculum's stages overrun the smallest cell's budget (CGX0502), once per curriculum.
    const curricula = Array.from({ length: 300 }, (_, i) => `  curriculum c${i} {\n    stage early for 30M tok { mix kids 100% }\n    stage late { mix kids 100% }\n  }`);
    const text = `experiment long {\n  data {\n    context 64\n    source kids = builtin("gutenberg.children")\n  }\n${curricula.join("\n")}\n  models { params [10k, 100k] }\n  budget tokens 20 x params\n}\n`;
    const full = compile(text);
    expect(full.diagnostics.filter((d) => d.code === "CGX0502")).toHaveLength(300);
    expect(compile(text, { checkOnly: true }).diagnostics).toEqual(full.diagnostics);
  });
});
