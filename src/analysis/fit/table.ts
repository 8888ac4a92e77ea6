/**
 * Tables to fit: CSV (or TSV) with a header line, or JSON Lines of objects. Every row remembers
 * its line in the file, so that a bad value is reported where the user can find it.
 */

/** A malformed table or a bad value, with the line where it is. */
export class TableError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly { readonly line: number; readonly values: ReadonlyMap<string, unknown> }[];
}

/** Splits one CSV line; quotes may wrap a field, and "" inside quotes is a quote. */
function splitCsv(line: string, sep: string, lineNo: number): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.trim() === "") quoted = true;
    else if (ch === sep) out.push(field), (field = "");
    else field += ch;
  }
  if (quoted) throw new TableError(`line ${lineNo}: a quoted field is not closed`, "fields may not span lines");
  out.push(field);
  return out.map((f) => f.trim());
}

function parseCsv(text: string): Table {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) throw new TableError("the table is empty", "give a header line and one row per point");
  const header = lines[first]!;
  const sep = !header.includes(",") && header.includes("\t") ? "\t" : ",";
  const columns = splitCsv(header, sep, first + 1);
  const rows: Table["rows"][number][] = [];
  for (let i = first + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === "") continue;
    const fields = splitCsv(l, sep, i + 1);
    if (fields.length !== columns.length) throw new TableError(`line ${i + 1}: ${fields.length} fields, but the header has ${columns.length}`, "every row needs one value per column");
    rows.push({ line: i + 1, values: new Map(columns.map((c, j) => [c, fields[j]])) });
  }
  return { columns, rows };
}

function parseJsonl(text: string): Table {
  const columns: string[] = [];
  const seen = new Set<string>();
  const rows: Table["rows"][number][] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() === "") return;
    let obj: unknown;
    try {
      obj = JSON.parse(l);
    } catch (e) {
      throw new TableError(`line ${i + 1}: not valid JSON (${(e as Error).message})`, "JSON Lines holds one JSON object per line");
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new TableError(`line ${i + 1}: not a JSON object`, "JSON Lines holds one JSON object per line");
    const values = new Map(Object.entries(obj));
    for (const k of values.keys()) if (!seen.has(k)) seen.add(k), columns.push(k);
    rows.push({ line: i + 1, values });
  });
  if (!rows.length) throw new TableError("the table is empty", "give one JSON object per point");
  return { columns, rows };
}

/** Parses by file name (.jsonl/.ndjson/.json as JSON Lines), else by the first character. */
export function readTable(text: string, name: string): Table {
  const lower = name.toLowerCase();
  const jsonl = /\.(jsonl|ndjson|json)$/.test(lower) || (!/\.(csv|tsv|txt)$/.test(lower) && text.trimStart().startsWith("{"));
  return jsonl ? parseJsonl(text) : parseCsv(text);
}

export function requireColumn(table: Table, column: string): void {
  if (!table.columns.includes(column)) throw new TableError(`no column \`${column}\``, `the columns are: ${table.columns.join(", ")}`);
}

/** A column as finite numbers; a value that is not one is an error naming its line. */
export function numericColumn(table: Table, column: string): number[] {
  requireColumn(table, column);
  return table.rows.map(({ line, values }) => {
    const raw = values.get(column);
    const v = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
    if (!Number.isFinite(v)) {
      const shown = raw === undefined ? "missing" : raw === "" ? "empty" : JSON.stringify(raw);
      throw new TableError(`line ${line}: \`${column}\` is ${shown}, not a finite number`, "fix or remove that row");
    }
    return v;
  });
}

/** A column as group ids (any value). */
export function groupColumn(table: Table, column: string): string[] {
  requireColumn(table, column);
  return table.rows.map(({ values }) => String(values.get(column) ?? ""));
}
