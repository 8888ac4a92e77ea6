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

/**
 * Stored by column, not as one object per row: a million-row table is then a few arrays, not a
 * million maps for the garbage collector to trace.
 */
export interface Table {
  readonly columns: readonly string[];
  /** The line in the file of each row. */
  readonly lines: readonly number[];
  /** Each column's values, one per row: strings from CSV, any JSON value from JSON Lines (undefined when a row lacks the key). */
  readonly values: ReadonlyMap<string, readonly unknown[]>;
}

/** Splits one CSV line; quotes may wrap a field, and "" inside quotes is a quote. */
function splitCsv(line: string, sep: string, lineNo: number): string[] {
  // Most lines quote nothing: split them natively.
  if (!line.includes('"')) return line.split(sep).map((f) => f.trim());
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
  const cells = columns.map((): string[] => []);
  const rowLines: number[] = [];
  for (let i = first + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === "") continue;
    const fields = splitCsv(l, sep, i + 1);
    if (fields.length !== columns.length) throw new TableError(`line ${i + 1}: ${fields.length} fields, but the header has ${columns.length}`, "every row needs one value per column");
    for (let j = 0; j < fields.length; j++) cells[j]!.push(fields[j]!);
    rowLines.push(i + 1);
  }
  // A repeated header name keeps its last column, as a row object would.
  return { columns, lines: rowLines, values: new Map(columns.map((c, j) => [c, cells[j]!])) };
}

function parseJsonl(text: string): Table {
  const columns: string[] = [];
  const values = new Map<string, unknown[]>();
  const rowLines: number[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (l.trim() === "") return;
    let obj: unknown;
    try {
      obj = JSON.parse(l);
    } catch (e) {
      throw new TableError(`line ${i + 1}: not valid JSON (${(e as Error).message})`, "JSON Lines holds one JSON object per line");
    }
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new TableError(`line ${i + 1}: not a JSON object`, "JSON Lines holds one JSON object per line");
    const row = rowLines.length;
    for (const [k, v] of Object.entries(obj)) {
      let col = values.get(k);
      if (!col) {
        // A key first seen on a later row: the rows before lack it.
        col = new Array<unknown>(row).fill(undefined);
        values.set(k, col);
        columns.push(k);
      }
      col[row] = v;
    }
    rowLines.push(i + 1);
  });
  if (!rowLines.length) throw new TableError("the table is empty", "give one JSON object per point");
  // Rows after a key's last appearance lack it too.
  for (const col of values.values()) while (col.length < rowLines.length) col.push(undefined);
  return { columns, lines: rowLines, values };
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
  const raw = table.values.get(column)!;
  const out = new Array<number>(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const x = raw[r];
    const v = typeof x === "number" ? x : typeof x === "string" && x.trim() !== "" ? Number(x) : NaN;
    if (!Number.isFinite(v)) {
      const shown = x === undefined ? "missing" : x === "" ? "empty" : JSON.stringify(x);
      throw new TableError(`line ${table.lines[r]}: \`${column}\` is ${shown}, not a finite number`, "fix or remove that row");
    }
    out[r] = v;
  }
  return out;
}

/** A column as group ids (any value). */
export function groupColumn(table: Table, column: string): string[] {
  requireColumn(table, column);
  return table.values.get(column)!.map((v) => String(v ?? ""));
}
