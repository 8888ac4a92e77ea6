/** Shared test helpers. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../src/compiler/index.js";
import { renderDiagnostics } from "../src/compiler/diagnostics.js";
import type { Io } from "../src/cli/io.js";

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
