/** Reading a .cgx file and compiling it, with diagnostics printed the way the user asked. */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { compile, type CompileResult } from "../compiler/index.js";
import { diagnosticToJson, renderDiagnostics } from "../compiler/diagnostics.js";
import { type Io, UserError } from "./io.js";

export type DiagFormat = "human" | "json";

export function readSource(io: Io, file: string): { path: string; display: string; text: string } {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`cannot read \`${file}\`: no such file`, "check the path");
    if (code === "EISDIR") throw new UserError(`\`${file}\` is a directory, not a .cgx file`);
    throw new UserError(`cannot read \`${file}\`: ${(e as Error).message}`);
  }
  const display = relative(io.cwd, path) || file;
  return { path, display, text };
}

/** Compiles and prints diagnostics; returns the result and whether it had errors. */
export function compileAndReport(io: Io, file: string, format: DiagFormat, checkOnly = false): { result: CompileResult; ok: boolean; display: string } {
  const src = readSource(io, file);
  const result = compile(src.text, { checkOnly });
  const ok = !result.diagnostics.some((d) => d.severity === "error");
  if (format === "json") {
    if (result.diagnostics.length) io.err(JSON.stringify(result.diagnostics.map((d) => diagnosticToJson(d, src.display)), null, 2) + "\n");
  } else if (result.diagnostics.length) {
    io.err(renderDiagnostics(result.diagnostics, src.display, result.index));
  }
  return { result, ok, display: src.display };
}
