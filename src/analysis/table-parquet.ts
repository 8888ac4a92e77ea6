/**
 * A results table (table.ts) as a Parquet file, through hyparquet-writer (pure JavaScript, no
 * native code): one row group, every column nullable, strings as UTF-8 STRING, whole numbers as
 * INT32 (DOUBLE if one does not fit), other numbers as DOUBLE, flags as BOOLEAN.
 */
import { parquetWriteBuffer, type BasicType } from "hyparquet-writer";
import type { ColumnType, ResultsTable } from "./table.js";

const fitsInt32 = (v: unknown) => v === null || (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);

function parquetType(type: ColumnType, values: readonly unknown[]): BasicType {
  switch (type) {
    case "string":
      return "STRING";
    case "boolean":
      return "BOOLEAN";
    case "int":
      return values.every(fitsInt32) ? "INT32" : "DOUBLE";
    case "double":
      return "DOUBLE";
  }
}

export function toParquet(t: ResultsTable, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const columnData = t.columns.map((c, j) => {
    const data = t.rows.map((r) => r[j] ?? null);
    return { name: c.name, data, type: parquetType(c.type, data), nullable: true };
  });
  const kvMetadata = Object.entries(metadata).map(([key, value]) => ({ key, value }));
  // An empty key-value list is written as a list of bytes, which arrow-rs (pyarrow, parquet-wasm)
  // refuses ("Expected list element type of Struct"): leave the field out instead.
  return new Uint8Array(parquetWriteBuffer({ columnData, ...(kvMetadata.length ? { kvMetadata } : {}), createdBy: "cgx (hyparquet-writer)" }));
}
