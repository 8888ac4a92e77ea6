import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../src/compiler/index.js";
import { ROOT } from "./helpers.js";

/**
 * Every complete experiment shown in the user docs compiles: a ```cgx block that starts with
 * `experiment` must give no errors, unless a `<!-- expect: CODE ... -->` line right above it names
 * the codes it is meant to show. Fragments (blocks without `experiment`) are left to the docs harness.
 */
function blocks(file: string): { line: number; text: string; expect: string[] }[] {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const out: { line: number; text: string; expect: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```cgx") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== "```") end++;
    const marker = /<!--\s*expect:\s*([^>]*?)\s*-->/.exec(lines[i - 1] ?? "") ?? /<!--\s*expect:\s*([^>]*?)\s*-->/.exec(lines[i - 2] ?? "");
    out.push({ line: start, text: lines.slice(start, end).join("\n") + "\n", expect: marker ? marker[1]!.split(/\s+/) : [] });
    i = end;
  }
  return out;
}

describe("experiments in the docs", () => {
  for (const file of ["README.md", "docs/tutorial.md", "docs/language.md"]) {
    const complete = blocks(file).filter((b) => /^\s*(\/\/[^\n]*\n\s*)*experiment\s/.test(b.text));
    it(`${file}: ${complete.length} complete experiments compile as the text says`, () => {
      expect(complete.length).toBeGreaterThan(0);
      for (const b of complete) {
        const codes = [...new Set(compile(b.text).diagnostics.filter((d) => d.severity === "error").map((d) => d.code))].sort();
        expect(codes, `${file}:${b.line}`).toEqual([...b.expect].sort());
      }
    });
  }
});
