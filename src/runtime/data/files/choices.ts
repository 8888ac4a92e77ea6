/**
 * A multiple-choice file (`benchmark NAME = choices("FILE.jsonl", ...)`): JSON Lines, one item per
 * line, in the layouts lm-eval-harness users know. The plan names the fields: the context, the
 * choices (one field listing them, or one field per choice) and the gold answer (an index, or with
 * `labels` one of the labels). Field paths are dotted, and a path through a list maps over its
 * elements (`question.choices.text`). Every error names the file and the line (`arc.jsonl:7: ...`),
 * and is raised when the file is read, before any training.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { PlanBenchmark } from "../../../plan/types.js";
import { DataError } from "../errors.js";
import { decodeText } from "../text/decode.js";
import { unixNewlines } from "../text/normalize.js";
import { matchFiles } from "./glob.js";

export interface ChoiceItem {
  /** 1-based line of the file. */
  readonly line: number;
  readonly context: string;
  readonly choices: readonly string[];
  /** Index of the right choice. */
  readonly gold: number;
}

export interface ChoiceFile {
  /** The path as messages show it. */
  readonly display: string;
  /** sha256 of the file's bytes: eval records carry it, so a report sees which version was scored. */
  readonly sha256: string;
  /** In file order; the first `limit` when the plan sets one. */
  readonly items: readonly ChoiceItem[];
}

const MISSING = Symbol("missing");
type Found = unknown | typeof MISSING;

/** The value at a dotted path; through a list, the list of the values at the rest of the path. */
export function fieldAt(value: unknown, path: string): Found {
  const walk = (v: unknown, parts: readonly string[]): Found => {
    if (parts.length === 0) return v;
    if (Array.isArray(v)) {
      const out = v.map((e) => walk(e, parts));
      return out.includes(MISSING) ? MISSING : out;
    }
    if (typeof v !== "object" || v === null || !Object.prototype.hasOwnProperty.call(v, parts[0]!)) return MISSING;
    return walk((v as Record<string, unknown>)[parts[0]!], parts.slice(1));
  };
  return walk(value, path.split("."));
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** A choice or a label: a string, or a number written as its decimal text. */
function asText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

export function loadChoiceFile(b: PlanBenchmark, cwd: string): ChoiceFile {
  const [file] = matchFiles(b.path, cwd);
  const bytes = readFileSync(file!.path);
  const items = parseChoiceItems(decodeText(bytes), b, file!.display);
  return { display: file!.display, sha256: createHash("sha256").update(bytes).digest("hex"), items };
}

/** Every item of the text of a choice file; `display` names it in errors. */
export function parseChoiceItems(text: string, b: PlanBenchmark, display: string): ChoiceItem[] {
  const items: ChoiceItem[] = [];
  const rows = unixNewlines(text).split("\n");
  for (let i = 0; i < rows.length && (b.limit === null || items.length < b.limit); i++) {
    const row = rows[i]!;
    if (!row.trim()) continue;
    items.push(parseItem(row, i + 1, b, display));
  }
  if (items.length === 0) throw new DataError(`${display} holds no item`, "a benchmark file has one JSON object per line, each a context, its choices and the right one");
  return items;
}

function parseItem(row: string, line: number, b: PlanBenchmark, display: string): ChoiceItem {
  const where = `${display}:${line}`;
  let value: unknown;
  try {
    value = JSON.parse(row);
  } catch (e) {
    throw new DataError(`${where}: bad JSON: ${(e as Error).message}`, "each line of a .jsonl file must be one complete JSON object");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new DataError(`${where}: not a JSON object`, "each line must be an object holding a context, its choices and the right one");
  const field = (path: string, arg: string): unknown => {
    const v = fieldAt(value, path);
    if (v === MISSING) {
      const keys = Object.keys(value as object);
      throw new DataError(`${where}: no field "${path}"`, `${keys.length ? `its fields are ${keys.map((k) => `"${k}"`).join(", ")}; ` : ""}name the field with \`${arg}: "FIELD"\` in choices(...)`);
    }
    return v;
  };
  const context = field(b.context, "context");
  if (typeof context !== "string") throw new DataError(`${where}: the context "${b.context}" is not a string: ${show(context)}`, "the context field must hold a string");
  const raw = b.choices.kind === "list" ? field(b.choices.field, "choices") : b.choices.fields.map((f) => field(f, "choices"));
  const choiceName = b.choices.kind === "list" ? `"${b.choices.field}"` : "the choice fields";
  if (!Array.isArray(raw)) throw new DataError(`${where}: the choices ${choiceName} are not a list: ${show(raw)}`, 'name a field that holds a list, like "choices", or one field per choice, like ["sol1", "sol2"]');
  if (raw.length < 2) throw new DataError(`${where}: ${raw.length === 0 ? "no choices" : "only one choice"} in ${choiceName}`, "a multiple-choice item needs at least two choices");
  const choices = raw.map((c, k) => {
    const t = asText(c);
    if (t === undefined) throw new DataError(`${where}: choice ${k + 1} is not a string: ${show(c)}`, "every choice must be a string");
    if (t === "") throw new DataError(`${where}: choice ${k + 1} is empty`, "an empty choice has no likelihood to compare (and no length to normalise by)");
    return t;
  });
  return { line, context, choices, gold: goldIndex(field(b.gold, "gold"), choices.length, b, where, (p) => field(p, "labels")) };
}

function goldIndex(gold: unknown, count: number, b: PlanBenchmark, where: string, field: (path: string) => unknown): number {
  if (b.labels !== null) {
    const labels = field(b.labels);
    if (!Array.isArray(labels) || labels.some((l) => asText(l) === undefined)) throw new DataError(`${where}: the labels "${b.labels}" are not a list of strings: ${show(labels)}`, 'name the field listing one label per choice, like "choices.label"');
    if (labels.length !== count) throw new DataError(`${where}: ${labels.length} labels for ${count} choices`, "give one label per choice");
    const g = asText(gold);
    const at = g === undefined ? -1 : labels.findIndex((l) => asText(l) === g);
    if (at < 0) throw new DataError(`${where}: the gold answer ${show(gold)} ("${b.gold}") is not one of the labels ${labels.map((l) => show(l)).join(", ")}`, "the gold field must hold one of the labels");
    return at;
  }
  const n = typeof gold === "number" ? gold : typeof gold === "string" && /^\s*\d+\s*$/.test(gold) ? Number(gold) : NaN;
  if (!Number.isInteger(n)) throw new DataError(`${where}: the gold answer "${b.gold}" is not an index: ${show(gold)}`, 'it must be the index of the right choice (0 for the first); for letter answers such as "B", name the labels with `labels: "FIELD"`');
  if (n < 0 || n >= count) throw new DataError(`${where}: the gold index ${n} is out of range for ${count} choices`, `indices count from 0, so the last choice is ${count - 1}`);
  return n;
}
