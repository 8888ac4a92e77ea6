/**
 * Golden diagnostics: every `test/golden/diagnostics/NAME.cgx` is a small experiment with deliberate
 * mistakes; its rendered diagnostics must match `NAME.expected` byte for byte.
 *
 * To (re)write the .expected files after an intended change in wording or spans:
 *
 *     UPDATE_GOLDEN=1 npx vitest run test/compiler/golden.test.ts
 *
 * then read every changed file as a user would before committing it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODES, type Code } from "../../src/compiler/codes.js";
import { diagnose, ROOT } from "../helpers.js";

const DIR = join(ROOT, "test", "golden", "diagnostics");
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith(".cgx"))
  .sort()
  .map((f) => f.slice(0, -".cgx".length));

/**
 * Codes that no .cgx text can produce, each with the reason. Every other code in CODES must appear
 * in at least one .expected file. It is empty: every code has a golden case. (CGX0604 and CGX0803
 * used to be unreachable, shadowed by CGX0205 and CGX0202; CGX0103 was lexed as operators.)
 * A code added here must say why no input reaches it, e.g.
 *
 *     CGX0999: "reported only for plans built by hand, which never pass through the compiler",
 */
const UNREACHABLE: Partial<Record<Code, string>> = {};

describe("golden diagnostics", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const name of cases) {
    it(name, () => {
      const text = readFileSync(join(DIR, `${name}.cgx`), "utf8");
      const actual = diagnose(text, `${name}.cgx`);
      const expectedPath = join(DIR, `${name}.expected`);
      if (UPDATE) {
        writeFileSync(expectedPath, actual);
        return;
      }
      expect(existsSync(expectedPath), `${name}.expected is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(actual).toBe(readFileSync(expectedPath, "utf8"));
      // A golden case is a malformed input: it must report something.
      expect(actual).not.toBe("");
    });
  }

  it("has no .expected file without its .cgx", () => {
    const orphans = readdirSync(DIR).filter((f) => f.endsWith(".expected") && !cases.includes(f.slice(0, -".expected".length)));
    expect(orphans).toEqual([]);
  });

  it("covers every reachable code", () => {
    const seen = new Set<string>();
    for (const name of cases) {
      const path = join(DIR, `${name}.expected`);
      const text = existsSync(path) ? readFileSync(path, "utf8") : diagnose(readFileSync(join(DIR, `${name}.cgx`), "utf8"), `${name}.cgx`);
      for (const m of text.matchAll(/^(?:error|warning)\[(CGX\d{4})\]/gm)) seen.add(m[1]!);
    }
    const missing = Object.keys(CODES).filter((c) => !seen.has(c) && !(c in UNREACHABLE));
    expect(missing, "codes with no golden case (add one, or justify them in UNREACHABLE)").toEqual([]);
    // An allow-listed code that does show up is reachable after all: take it off the list.
    const listedButSeen = Object.keys(UNREACHABLE).filter((c) => seen.has(c));
    expect(listedButSeen).toEqual([]);
  });
});
