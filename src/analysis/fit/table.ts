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
  /** Each column's values, one per row. */
  readonly values: ReadonlyMap<string, Column>;
}

/**
 * A column's values: strings from CSV, any JSON value from JSON Lines (undefined when a row lacks
 * the key). A JSON Lines column is an array; a CSV column keeps where each value lies in the text
 * and slices it when asked, so that reading a million numbers makes no string that outlives its
 * conversion.
 */
export interface Column {
  readonly length: number;
  at(row: number): unknown;
}

class CsvColumn implements Column {
  constructor(
    private readonly text: string,
    private readonly from: Int32Array,
    private readonly to: Int32Array,
    /** Fields of the rows with quotes, split by `splitQuoted` (their values are not slices of the text). */
    private readonly quoted: ReadonlyMap<number, string>,
  ) {}
  get length(): number {
    return this.from.length;
  }
  at(row: number): string {
    return (this.quoted.size ? this.quoted.get(row) : undefined) ?? this.text.slice(this.from[row]!, this.to[row]!);
  }
}

/** Splits one CSV line with quotes in it; quotes may wrap a field, and "" inside quotes is a quote. */
export function splitQuoted(line: string, sep: string, lineNo: number): string[] {
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

/**
 * The lines of a CSV text are read in place, each field kept as its offsets in the text (white
 * space around it left out): no array of lines, of each line's fields or of strings per value in
 * between (a million-row table made several million strings and arrays that way, most of the time
 * of reading it). Lines end at `\n` or `\r\n`; blank lines are skipped.
 */
function parseCsv(text: string): Table {
  let pos = 0;
  let lineNo = 0;
  /** The next line's bounds (without its line break), or null at the end of the text. */
  const nextLine = (): [number, number] | null => {
    if (pos > text.length || (pos === text.length && lineNo > 0)) return null;
    const nl = text.indexOf("\n", pos);
    const stop = nl < 0 ? text.length : nl;
    const line: [number, number] = [pos, stop > pos && text.charCodeAt(stop - 1) === 13 ? stop - 1 : stop];
    pos = stop + 1;
    lineNo++;
    return line;
  };
  /** Whether a character may be white space (all else in a number or a name is printable ASCII). */
  const maybeSpace = (at: number) => text.charCodeAt(at) <= 32 || text.charCodeAt(at) >= 127;
  const blank = ([a, b]: [number, number]) => a === b || (maybeSpace(a) && text.slice(a, b).trim() === "");
  let head = nextLine();
  while (head && blank(head)) head = nextLine();
  if (!head) throw new TableError("the table is empty", "give a header line and one row per point");
  const header = text.slice(head[0], head[1]);
  const sep = !header.includes(",") && header.includes("\t") ? "\t" : ",";
  const columns = header.includes('"') ? splitQuoted(header, sep, lineNo) : header.split(sep).map((f) => f.trim());
  const width = columns.length;
  let from = new Int32Array(width * 1024);
  let to = new Int32Array(width * 1024);
  const quoted = columns.map(() => new Map<number, string>());
  const rowLines: number[] = [];
  // The next quote and separator at or after the current line: each search moves forward only, so
  // a table whose rows have no separator at all (one column) is still read in one pass.
  let quote = text.indexOf('"', pos);
  let next = text.indexOf(sep, pos);
  for (let line = nextLine(); line; line = nextLine()) {
    if (blank(line)) continue;
    const [a, b] = line;
    const row = rowLines.length;
    if ((row + 1) * width > from.length) {
      // Offsets are stored row-major and grow by doubling.
      const [f, t] = [new Int32Array(from.length * 2), new Int32Array(to.length * 2)];
      f.set(from), t.set(to);
      [from, to] = [f, t];
    }
    if (quote >= 0 && quote < a) quote = text.indexOf('"', a);
    let fields = 0;
    if (quote >= 0 && quote < b) {
      const split = splitQuoted(text.slice(a, b), sep, lineNo);
      fields = split.length;
      if (fields === width) split.forEach((f, j) => quoted[j]!.set(row, f));
    } else {
      for (let start = a; ; ) {
        if (next >= 0 && next < start) next = text.indexOf(sep, start);
        const stop = next < 0 || next > b ? b : next;
        if (fields < width) {
          let [s, e] = [start, stop];
          if (s < e && (maybeSpace(s) || maybeSpace(e - 1))) {
            const f = text.slice(s, e);
            [s, e] = [s + f.length - f.trimStart().length, e - (f.length - f.trimEnd().length)];
          }
          from[row * width + fields] = s;
          to[row * width + fields] = Math.max(s, e);
        }
        fields++;
        if (stop === b) break;
        start = stop + 1;
      }
    }
    if (fields !== width) throw new TableError(`line ${lineNo}: ${fields} fields, but the header has ${width}`, "every row needs one value per column");
    rowLines.push(lineNo);
  }
  const rows = rowLines.length;
  const column = (j: number) => {
    const [f, t] = [new Int32Array(rows), new Int32Array(rows)];
    for (let r = 0; r < rows; r++) (f[r] = from[r * width + j]!), (t[r] = to[r * width + j]!);
    return new CsvColumn(text, f, t, quoted[j]!);
  };
  // A repeated header name keeps its last column, as a row object would.
  return { columns, lines: rowLines, values: new Map(columns.map((c, j) => [c, column(j)])) };
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
    const x = raw.at(r);
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
  const raw = table.values.get(column)!;
  return Array.from({ length: raw.length }, (_, r) => String(raw.at(r) ?? ""));
}
