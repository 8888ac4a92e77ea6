/**
 * `cgx export table`: a row per cell and eval record, as CSV and as Parquet. The Parquet file is
 * read back by parquet-wasm (the Rust arrow-rs implementation compiled to wasm, with apache-arrow
 * decoding its Arrow IPC output): a reader that shares no code or author with the writer
 * (hyparquet-writer), and must give exactly the values and types of the CSV, parsed here by hand.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRun, type RunData } from "../../src/analysis/rundir.js";
import { resultsTable, toCsv, type ResultsTable } from "../../src/analysis/table.js";
import { toParquet } from "../../src/analysis/table-parquet.js";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../helpers.js";
import { sentences } from "../runtime/fixtures.js";

async function cgx(args: string[], cwd: string) {
  const io = memoryIo(cwd);
  const code = await main(["node", "cgx", ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

/** RFC 4180, written from the RFC: CRLF records, quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): { header: string[]; rows: (string | null)[][] } {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let field: string | null;
    if (text[i] === '"') {
      let s = "";
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') (s += '"'), (i += 2);
        else if (text[i] === '"') {
          i++;
          break;
        } else s += text[i++];
      }
      field = s;
    } else {
      let j = i;
      while (j < text.length && text[j] !== "," && text[j] !== "\r") j++;
      field = j === i ? null : text.slice(i, j);
      i = j;
    }
    record.push(field);
    if (text[i] === ",") i++;
    else {
      expect(text.slice(i, i + 2)).toBe("\r\n");
      i += 2;
      records.push(record);
      record = [];
    }
  }
  const [header, ...rows] = records;
  return { header: header as string[], rows };
}

/** The Parquet file through parquet-wasm and apache-arrow: column names, Arrow types, rows. */
function readWithArrow(bytes: Uint8Array): { names: string[]; types: string[]; rows: unknown[][] } {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const names = table.schema.fields.map((f) => f.name);
  const rows = table.toArray().map((r) => {
    const o = r.toJSON() as Record<string, unknown>;
    return names.map((n) => o[n]);
  });
  return { names, types: table.schema.fields.map((f) => String(f.type)), rows };
}

const ARROW_TYPE = { string: "Utf8", int: "Int32", double: "Float64", boolean: "Bool" } as const;

/** Every cell of the Parquet file equals the CSV's text read as its column's type. */
function expectSameTable(csvText: string, parquet: Uint8Array, table: ResultsTable): void {
  const csv = parseCsv(csvText);
  const pq = readWithArrow(parquet);
  expect(pq.names).toEqual(csv.header);
  expect(pq.types).toEqual(table.columns.map((c) => ARROW_TYPE[c.type]));
  expect(pq.rows.length).toBe(csv.rows.length);
  csv.rows.forEach((row, r) => {
    row.forEach((text, j) => {
      const got = pq.rows[r]![j];
      const type = table.columns[j]!.type;
      const where = `row ${r}, ${csv.header[j]}`;
      if (text === null) expect(got, where).toBeNull();
      else if (type === "string") expect(got, where).toBe(text);
      else if (type === "boolean") expect(String(got), where).toBe(text);
      else expect(Object.is(got, Number(text)), `${where}: ${String(got)} vs ${text}`).toBe(true);
    });
  });
}

describe("cgx export table", () => {
  let dir: string;
  let run: RunData;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cgx-table-"));
    writeFileSync(join(dir, "corpus.txt"), sentences(300));
    writeFileSync(
      join(dir, "exp.cgx"),
      `experiment tab {
  seeds 2
  data {
    context 32
    source text = files("corpus.txt", unit: line)
    source arith = synthetic.arithmetic(steps: 1..2, max: 9)
    difficulty length
    heldout 10%
  }
  curriculum easy_first {
    stage early for 50% { mix text 100% }
    stage late { mix text 50%, arith 50% }
  }
  control shuffled like easy_first
  models { shape s(layers: 1, width: 16, heads: 2) }
  train {
    optimizer adamw(lr: 3e-3)
    batch 4
  }
  budget steps 24
  evaluate every 50% {
    loss on heldout by source, by difficulty_bucket(3)
    tasks arith.answer
    samples 8
  }
}
`,
    );
    const r = await cgx(["run", "exp.cgx", "--runs", "runs", "--no-report", "--jobs", "1"], dir);
    expect(r.code, r.err).toBe(0);
    run = loadRun((await import("../../src/analysis/rundir.js")).findRunDirs(join(dir, "runs"))[0]!);
  }, 120_000);

  it("writes a row per cell and eval point with the grid, size, budget and every loss and accuracy; the Parquet file equals the CSV", async () => {
    const csv = await cgx(["export", "table", "runs", "-o", "results.csv"], dir);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out).toBe("wrote results.csv: 8 rows (4 cells), 33 columns\n");
    const pq = await cgx(["export", "table", "runs", "-o", "results.parquet"], dir);
    expect(pq.code, pq.err).toBe(0);
    const text = readFileSync(join(dir, "results.csv"), "utf8");
    const table = resultsTable(run);
    expect(table.columns.map((c) => c.name)).toEqual([
      ...["cell_id", "cell_index", "label", "curriculum", "size", "seed", "params", "params_total", "layers", "layers_at_eval", "width", "heads", "context", "vocab"],
      ...["budget_tokens", "budget_flops", "state", "finished", "step", "tokens", "flops", "stage", "final", "loss"],
      ...["loss.source.text", "loss.source.arith", "loss.bucket.q1", "loss.bucket.q2", "loss.bucket.q3", "task.arith.answer.accuracy", "task.arith.answer.n", "used.text", "used.arith"],
    ]);
    expectSameTable(text, new Uint8Array(readFileSync(join(dir, "results.parquet"))), table);

    // The values are the metrics' own: a row per eval record, in the cells' plan order.
    const { header, rows } = parseCsv(text);
    const col = (name: string) => header.indexOf(name);
    const records = run.cells.flatMap((c) => c.evals.map((e) => ({ c, e })));
    expect(rows.length).toBe(records.length);
    records.forEach(({ c, e }, r) => {
      const row = rows[r]!;
      expect(row[col("cell_id")]).toBe(c.cell.id);
      expect(row[col("curriculum")]).toBe(c.cell.curriculum.name);
      expect(Number(row[col("seed")])).toBe(c.cell.seed);
      expect(Number(row[col("tokens")])).toBe(e.tokens);
      expect(Number(row[col("flops")])).toBe(e.flops);
      expect(Number(row[col("loss")])).toBe(e.loss);
      expect(Number(row[col("loss.source.arith")])).toBe(e.by_source["arith"]);
      expect(Number(row[col("loss.bucket.q2")])).toBe(e.by_bucket[1]!.loss);
      expect(Number(row[col("task.arith.answer.accuracy")])).toBe(e.tasks!["arith.answer"]!.accuracy);
      expect(row[col("stage")]).toBe(e.stage);
      expect(row[col("final")]).toBe(String(e === c.evals.at(-1)));
    });
    expect(new Set(rows.map((r) => r[col("curriculum")]))).toEqual(new Set(["easy_first", "shuffled"]));

    // --final: only the last eval of each finished cell.
    const fin = await cgx(["export", "table", "runs", "--final", "-o", "final.csv"], dir);
    expect(fin.code, fin.err).toBe(0);
    const finals = parseCsv(readFileSync(join(dir, "final.csv"), "utf8")).rows;
    expect(finals.map((r) => r[col("step")])).toEqual(["24", "24", "24", "24"]);
  });

  it("quotes what needs quoting, keeps missing values apart from empty strings, and the Parquet file still equals the CSV", () => {
    // The same run with awkward names: a comma, quotes, a line break, an empty label, a missing stage, a NaN loss.
    const cells = run.cells.map((c, i) => ({
      ...c,
      cell: { ...c.cell, label: ['a, "quoted" label', "two\r\nlines", "", "plain"][i]!, axes: { ...c.cell.axes, note: i === 0 ? "x,y" : i } },
      evals: c.evals.map((e, k) => ({ ...e, stage: i === 1 ? null : e.stage, loss: i === 2 && k === 0 ? NaN : e.loss })),
    }));
    const odd: RunData = { ...run, cells, plan: { ...run.plan, cells: cells.map((c) => c.cell) } };
    const table = resultsTable(odd);
    const text = toCsv(table);
    expect(text).toContain('"a, ""quoted"" label"');
    expect(text).toContain('"two\r\nlines"');
    const parsed = parseCsv(text);
    const label = parsed.header.indexOf("label");
    expect(parsed.rows.map((r) => r[label])).toEqual(['a, "quoted" label', 'a, "quoted" label', "two\r\nlines", "two\r\nlines", "", "", "plain", "plain"]);
    expect(parsed.rows[2]![parsed.header.indexOf("stage")]).toBeNull();
    expect(parsed.header).toContain("axis.note");
    expect(table.columns.find((c) => c.name === "axis.note")!.type).toBe("string");
    expectSameTable(text, toParquet(table), table);
  });

  it("explains an unknown format, a run without evals and a bad output path", async () => {
    const fmt = await cgx(["export", "table", "runs", "-o", "results.xlsx"], dir);
    expect(fmt.code).toBe(1);
    expect(fmt.err).toContain("error: cannot tell the format of `results.xlsx` from its extension");
    const empty = mkdtempSync(join(tmpdir(), "cgx-table-empty-"));
    writeFileSync(join(empty, "plan.lock.json"), JSON.stringify({ plan: run.plan }));
    const none = await cgx(["export", "table", empty, "-o", "r.csv"], empty);
    expect(none.code).toBe(1);
    expect(none.err).toContain("error: no cell of tab has an eval record yet (4 cells)");
    const bad = await cgx(["export", "table", "runs", "-o", join(dir, "corpus.txt", "r.csv")], dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/error: cannot (create|write) \S+corpus.txt\S*: (a part of the path is a file, not a directory \(ENOTDIR\)|a file is in the way \(EEXIST\))/);
    expect(bad.err).not.toContain("internal error");
  });
});
