/**
 * A run's results as one flat table: a row per cell and eval record of its metrics.jsonl, with the
 * cell's grid coordinates and size beside every loss and accuracy, for pandas, R, DuckDB or a
 * spreadsheet (`cgx export table`). Pure: a RunData in, typed columns and rows out; columns are
 * documented in docs/interop.md and keep their names and order from one cgx version to the next
 * (new ones are added, never renamed).
 */
import type { Cell } from "../plan/types.js";
import type { CellRun, EvalRecord, RunData } from "./rundir.js";

export type ColumnType = "string" | "int" | "double" | "boolean";
export type Value = string | number | boolean | null;

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

export interface ResultsTable {
  readonly columns: readonly Column[];
  /** One array per row, aligned with `columns`; null where a row has no value. */
  readonly rows: readonly (readonly Value[])[];
}

export interface TableOptions {
  /** Only the last eval record of each finished cell (the points fits and comparisons use). */
  readonly finalOnly?: boolean;
}

type Getter = (c: CellRun, e: EvalRecord, final: boolean) => Value;

/** The columns every table has, in order. */
const FIXED: readonly (Column & { readonly get: Getter })[] = [
  { name: "cell_id", type: "string", get: (c) => c.cell.id },
  { name: "cell_index", type: "int", get: (c) => c.cell.index },
  { name: "label", type: "string", get: (c) => c.cell.label },
  { name: "curriculum", type: "string", get: (c) => c.cell.curriculum.name },
  { name: "size", type: "string", get: (c) => c.cell.size },
  { name: "seed", type: "int", get: (c) => c.cell.seed },
];

/** After the grid axes: the model, the budget and the cell's state, then the eval point. */
const MODEL_AND_POINT: readonly (Column & { readonly get: Getter })[] = [
  { name: "params", type: "double", get: (c) => c.cell.model.params },
  { name: "params_total", type: "double", get: (c) => c.cell.model.params_total },
  { name: "layers", type: "int", get: (c) => c.cell.model.layers },
  { name: "layers_at_eval", type: "int", get: (_, e) => e.layers ?? null },
  { name: "width", type: "int", get: (c) => c.cell.model.width },
  { name: "heads", type: "int", get: (c) => c.cell.model.heads },
  { name: "context", type: "int", get: (c) => c.cell.model.context },
  { name: "vocab", type: "int", get: (c) => c.cell.model.vocab },
  { name: "budget_tokens", type: "double", get: (c) => c.cell.budget.tokens },
  { name: "budget_flops", type: "double", get: (c) => c.cell.budget.flops },
  { name: "state", type: "string", get: (c) => c.state },
  { name: "finished", type: "boolean", get: (c) => c.finished },
  { name: "step", type: "int", get: (_, e) => e.step },
  { name: "tokens", type: "double", get: (_, e) => e.tokens },
  { name: "flops", type: "double", get: (_, e) => e.flops },
  { name: "stage", type: "string", get: (_, e) => e.stage ?? null },
  { name: "final", type: "boolean", get: (_, __, final) => final },
  { name: "loss", type: "double", get: (_, e) => e.loss },
];

/** Names in order of first appearance. */
function firstSeen(lists: Iterable<Iterable<string>>): string[] {
  const seen = new Set<string>();
  for (const l of lists) for (const n of l) seen.add(n);
  return [...seen];
}

/** Grid axes other than the curriculum (its own column): numeric where every cell's value is a number. */
function axisColumns(cells: readonly Cell[]): (Column & { readonly get: Getter })[] {
  const names = firstSeen(cells.map((c) => Object.keys(c.axes))).filter((n) => n !== "curriculum");
  return names.map((n) => {
    const numeric = cells.every((c) => c.axes[n] === undefined || typeof c.axes[n] === "number");
    return { name: `axis.${n}`, type: numeric ? "double" : "string", get: (c) => (c.cell.axes[n] === undefined ? null : numeric ? (c.cell.axes[n] as number) : String(c.cell.axes[n])) };
  });
}

export function resultsTable(run: RunData, opts: TableOptions = {}): ResultsTable {
  const points: { c: CellRun; e: EvalRecord; final: boolean }[] = [];
  for (const c of run.cells) {
    c.evals.forEach((e, i) => {
      const final = c.finished && i === c.evals.length - 1;
      if (!opts.finalOnly || final) points.push({ c, e, final });
    });
  }
  const evals = points.map((p) => p.e);
  const sources = firstSeen([run.plan.data.sources.map((s) => s.name), ...evals.map((e) => Object.keys(e.by_source))]);
  const buckets = firstSeen(evals.map((e) => e.by_bucket.map((b) => b.label)));
  const tasks = firstSeen(evals.map((e) => Object.keys(e.tasks ?? {}))).sort();
  const benchmarks = firstSeen(evals.map((e) => Object.keys(e.benchmarks ?? {}))).sort();
  const used = firstSeen([run.plan.data.sources.map((s) => s.name), ...evals.map((e) => Object.keys(e.used ?? {}))]);
  const present = (has: (e: EvalRecord) => boolean) => evals.some(has);

  const columns: (Column & { readonly get: Getter })[] = [
    ...FIXED,
    ...axisColumns(run.plan.cells),
    ...MODEL_AND_POINT,
    ...sources.filter((s) => present((e) => s in e.by_source)).map((s): Column & { get: Getter } => ({ name: `loss.source.${s}`, type: "double", get: (_, e) => e.by_source[s] ?? null })),
    ...buckets.map((b): Column & { get: Getter } => ({ name: `loss.bucket.${b}`, type: "double", get: (_, e) => e.by_bucket.find((x) => x.label === b)?.loss ?? null })),
    ...tasks.flatMap((t): (Column & { get: Getter })[] => [
      { name: `task.${t}.accuracy`, type: "double", get: (_, e) => e.tasks?.[t]?.accuracy ?? null },
      { name: `task.${t}.n`, type: "int", get: (_, e) => e.tasks?.[t]?.n ?? null },
    ]),
    ...benchmarks.flatMap((b): (Column & { get: Getter })[] => [
      ...(["accuracy", "acc_norm", "acc_tok", "chance"] as const).map((k): Column & { get: Getter } => ({ name: `benchmark.${b}.${k}`, type: "double", get: (_, e) => e.benchmarks?.[b]?.[k] ?? null })),
      { name: `benchmark.${b}.n`, type: "int", get: (_, e) => e.benchmarks?.[b]?.n ?? null },
    ]),
    ...used.filter((s) => present((e) => e.used?.[s] !== undefined)).map((s): Column & { get: Getter } => ({ name: `used.${s}`, type: "double", get: (_, e) => e.used?.[s] ?? null })),
  ];
  return {
    columns: columns.map(({ name, type }) => ({ name, type })),
    rows: points.map(({ c, e, final }) => columns.map((col) => col.get(c, e, final))),
  };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, or is an empty string. */
function csvField(v: Value): string {
  if (v === null) return "";
  const s = typeof v === "string" ? v : String(v);
  return typeof v === "string" && (s === "" || /[",\r\n]/.test(s)) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The table as CSV (RFC 4180): a header line, CRLF line ends, fields quoted where needed. A missing
 * value is an empty field; an empty string is `""`. Numbers are written so they read back exactly
 * (JavaScript's shortest round-trip form; NaN for a loss that was not a number).
 */
export function toCsv(t: ResultsTable): string {
  const line = (vals: readonly Value[]) => `${vals.map(csvField).join(",")}\r\n`;
  return line(t.columns.map((c) => c.name)) + t.rows.map(line).join("");
}
