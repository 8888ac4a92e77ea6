/**
 * CSV tables are read in place (fields kept as offsets into the text). They must read exactly as a
 * plain line-by-line split does: the reference below is the reader they replaced.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { groupColumn, numericColumn, readTable, splitQuoted, TableError } from "../../../src/analysis/fit/table.js";

/**
 * The reader before: lines split on \r?\n, fields on the separator, all trimmed. Lines with quotes
 * go through `splitQuoted`, which it used as well and which is unchanged.
 */
function reference(text: string): { columns: string[]; lines: number[]; cells: string[][] } | string {
  const split = (line: string, sep: string, lineNo: number): string[] | string => {
    if (!line.includes('"')) return line.split(sep).map((f) => f.trim());
    try {
      return splitQuoted(line, sep, lineNo);
    } catch (e) {
      if (e instanceof TableError) return e.message;
      throw e;
    }
  };
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0) return "the table is empty";
  const header = lines[first]!;
  const sep = !header.includes(",") && header.includes("\t") ? "\t" : ",";
  const columns = split(header, sep, first + 1);
  if (typeof columns === "string") return columns;
  const cells = columns.map((): string[] => []);
  const rowLines: number[] = [];
  for (let i = first + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === "") continue;
    const fields = split(l, sep, i + 1);
    if (typeof fields === "string") return fields;
    if (fields.length !== columns.length) return `line ${i + 1}: ${fields.length} fields, but the header has ${columns.length}`;
    fields.forEach((f, j) => cells[j]!.push(f));
    rowLines.push(i + 1);
  }
  return { columns, lines: rowLines, cells };
}

function read(text: string): ReturnType<typeof reference> {
  try {
    const t = readTable(text, "t.csv");
    // A repeated header name keeps its last column in both.
    const cells = t.columns.map((c) => {
      const col = t.values.get(c)!;
      return Array.from({ length: col.length }, (_, r) => col.at(r) as string);
    });
    return { columns: [...t.columns], lines: [...t.lines], cells };
  } catch (e) {
    if (e instanceof TableError) return e.message;
    throw e;
  }
}

function same(text: string): void {
  const want = reference(text);
  const got = read(text);
  if (typeof want === "string" || typeof got === "string") expect(got).toEqual(want);
  else {
    expect(got.columns).toEqual(want.columns);
    expect(got.lines).toEqual(want.lines);
    // A repeated header name keeps its last column.
    want.columns.forEach((c, j) => expect(got.cells[j]).toEqual(want.cells[want.columns.lastIndexOf(c)]));
  }
}

describe("CSV tables", () => {
  it.each([
    ["plain", "a,b\n1,2\n3,4\n"],
    ["no final newline", "a,b\n1,2\n3,4"],
    ["CRLF", "a,b\r\n1,2\r\n3,4\r\n"],
    ["blank and white lines", "\n  \na,b\n\n1,2\n \t \n3,4\n\n"],
    ["white space around fields", "a , b\n 1,2 \n\t3 ,  4\t\n"],
    ["a lone CR inside a line", "a,b\n1\r,2\n"],
    ["one column", "x\n1\n2\n3\n"],
    ["TSV", "a\tb\n1\t2\n"],
    ["quotes", 'a,"b, c"\n"1",2\n3,"x ""y"""\n'],
    ["an unclosed quote", 'a,b\n1,"2\n'],
    ["too few fields", "a,b\n1,2\n3\n"],
    ["too many fields", "a,b\n1,2,3\n"],
    ["empty fields", "a,b\n,\n1,\n"],
    ["a repeated header name", "a,a\n1,2\n"],
    ["empty", ""],
    ["only blank lines", "\n \n\r\n"],
    ["non-breaking space around a value", "a,b\n\u00a01,2\u00a0\n"],
  ])("%s", (_, text) => same(text));

  it("reads random tables as the line-by-line split does", () => {
    const field = fc.oneof(
      fc.constantFrom("1", "2.5e9", "abc", "", " ", "\t", '"q"', '"a, b"', '"x""y"', '"', "\u00a0", "\r"),
      fc.double({ noNaN: true }).map(String),
    );
    const pad = fc.constantFrom("", " ", "  ", "\t");
    const line = fc.array(fc.tuple(pad, field, pad).map(([a, f, b]) => a + f + b), { minLength: 0, maxLength: 4 }).map((fs) => fs.join(","));
    const table = fc.tuple(fc.array(line, { minLength: 0, maxLength: 8 }), fc.constantFrom("\n", "\r\n"), fc.boolean());
    fc.assert(
      fc.property(table, ([lines, nl, end]) => same(lines.join(nl) + (end ? nl : ""))),
      { numRuns: 2000, seed: 15 },
    );
  });

  it("converts columns with their line numbers in errors", () => {
    expect(numericColumn(readTable("x\n1e3\n\n 2.5 \n", "t.csv"), "x")).toEqual([1000, 2.5]);
    const t = readTable("x,g\n1e3, a \n\n 2.5 ,b\nzz,c\n", "t.csv");
    expect(() => numericColumn(t, "x")).toThrow("line 5: `x` is \"zz\", not a finite number");
    expect(groupColumn(t, "g")).toEqual(["a", "b", "c"]);
    const q = readTable('x,g\n"7","a ""b"""\n', "t.csv");
    expect(numericColumn(q, "x")).toEqual([7]);
    expect(groupColumn(q, "g")).toEqual(['a "b"']);
  });
});
