/** File helpers for the run directory: durable writes come from src/store, reads are forgiving. */
import { readFileSync } from "node:fs";
import { appendWhole } from "../../store/durable.js";

export { writeAtomic, writeJsonAtomic } from "../../store/durable.js";

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

export function tryReadJson<T>(path: string): T | undefined {
  try {
    return readJson<T>(path);
  } catch {
    return undefined;
  }
}

/** Appends one JSON line, whole or not at all; the file is cut back to a checkpoint's line count on resume. */
export function appendJsonLine(path: string, value: unknown): void {
  appendWhole(path, JSON.stringify(value) + "\n");
}
