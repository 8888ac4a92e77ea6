/**
 * JSON Lines files: one JSON object per line, with a text field (default "text") and the numeric
 * metadata fields the source lists in `fields: [...]`. Every error names the file and the line.
 * A number may also be written as a numeric string ("4.5"), as spreadsheets often export them.
 * For `document` units each line is one example (its text normalised); `sentence` and `line` split
 * the text field and give every piece the line's metadata.
 */
import type { RawDoc } from "../types.js";
import { DataError } from "../errors.js";
import { normalizeText, unixNewlines } from "../text/normalize.js";
import { unitsOf, type Unit } from "./txt.js";

export interface JsonlOptions {
  readonly textField: string;
  readonly fields: readonly string[];
  readonly unit: Unit;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

export function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function jsonlDocs(text: string, opts: JsonlOptions, display: string): RawDoc[] {
  const out: RawDoc[] = [];
  const rows = unixNewlines(text).split("\n");
  rows.forEach((row, i) => {
    const n = i + 1;
    if (!row.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (e) {
      throw new DataError(`bad JSON on line ${n} of ${display}: ${(e as Error).message}`, "each line of a .jsonl file must be one complete JSON object");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DataError(`line ${n} of ${display} is not a JSON object`, 'each line must be an object like {"text": "...", ...}');
    }
    const obj = value as Record<string, unknown>;
    const body = obj[opts.textField];
    if (body === undefined) {
      const keys = Object.keys(obj);
      throw new DataError(
        `line ${n} of ${display} has no text field "${opts.textField}"`,
        keys.length
          ? `its fields are ${keys.map((k) => `"${k}"`).join(", ")}; name the text field with files("...", text: "FIELD")`
          : `name the text field with files("...", text: "FIELD")`,
      );
    }
    if (typeof body !== "string") {
      throw new DataError(`the text field "${opts.textField}" on line ${n} of ${display} is not a string: ${show(body)}`, "the text field must hold a string");
    }
    const meta: Record<string, number> = {};
    for (const f of opts.fields) {
      if (!(f in obj)) {
        throw new DataError(`line ${n} of ${display} has no field "${f}"`, `every line needs every field in fields: [...]; add "${f}" to the line or drop it from the list`);
      }
      const num = toNumber(obj[f]);
      if (num === undefined) {
        throw new DataError(`the field "${f}" on line ${n} of ${display} is not a number: ${show(obj[f])}`, "fields listed in fields: [...] must be numbers (or numeric strings)");
      }
      meta[f] = num;
    }
    const frozen = Object.freeze(meta);
    const origin = `${display}:${n}`;
    const pieces = opts.unit === "document" ? [normalizeText(body)] : unitsOf(body, opts.unit);
    for (const t of pieces) if (t) out.push({ text: t, meta: frozen, origin });
  });
  return out;
}
