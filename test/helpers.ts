/** Shared test helpers. */
import { readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import { join } from "node:path";
import { compile } from "../src/compiler/index.js";
import { renderDiagnostics } from "../src/compiler/diagnostics.js";
import type { Io } from "../src/cli/io.js";
import type { Cell } from "../src/plan/types.js";

export const ROOT = new URL("..", import.meta.url).pathname;

export function exampleFiles(): { name: string; path: string; text: string }[] {
  const dir = join(ROOT, "experiments");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cgx"))
    .sort()
    .map((name) => ({ name, path: join(dir, name), text: readFileSync(join(dir, name), "utf8") }));
}

/** Compiles and renders diagnostics as the CLI would. */
export function diagnose(text: string, file = "input.cgx"): string {
  const r = compile(text);
  return renderDiagnostics(r.diagnostics, file, r.index);
}

/**
 * A small experiment for compiler tests, with `body` spliced in: two builtin sources (`a`, `b`),
 * context 64, and the given `models` and `train` blocks. With `batch 16` one step is 1024 tokens.
 */
export function smallExperiment(body: string, models: string, train = "batch 16"): string {
  return `experiment t {
  data {
    context 64
    source a = builtin("gutenberg.children")
    source b = builtin("gutenberg.adult")
  }
  models { ${models} }
  train { ${train} }
  ${body}
}
`;
}

/** The cells of a text that must compile without diagnostics. */
export function compiledCells(text: string): Cell[] {
  const r = compile(text);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return [...r.plan!.cells];
}

/** Every diagnostic of a text, as `CODE message`. */
export function diagnosticLines(text: string): string[] {
  return compile(text).diagnostics.map((d) => `${d.code} ${d.message}`);
}

/** An in-memory Io for running CLI commands inside a test. */
export function memoryIo(cwd = ROOT): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    cwd,
    color: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}
