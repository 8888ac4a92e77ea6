/**
 * The layering of src/: compiler, runtime and analysis stay independent and meet only through the
 * plan (src/plan) and the run directory (src/store); store depends on nothing but plan; nothing
 * below the CLI imports the CLI.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

const SRC = join(ROOT, "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The top-level folders of src/ that a folder's files import. */
function importsOf(folder: string): Set<string> {
  const out = new Set<string>();
  for (const f of files(join(SRC, folder))) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)) {
      const target = relative(SRC, resolve(dirname(f), m[1]!)).split("/")[0]!;
      if (target !== folder && !target.startsWith("..") && !target.endsWith(".js")) out.add(target);
    }
  }
  return out;
}

describe("the layering of src/", () => {
  const allowed: Record<string, string[]> = {
    plan: [],
    store: ["plan"],
    compiler: ["plan"],
    runtime: ["plan", "store"],
    analysis: ["plan", "store"],
  };
  for (const [folder, may] of Object.entries(allowed)) {
    it(`${folder} imports only ${may.length ? may.join(", ") : "nothing else in src"}`, () => {
      expect([...importsOf(folder)].filter((t) => !may.includes(t)).sort()).toEqual([]);
    });
  }
});
