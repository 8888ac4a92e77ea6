import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import { tenThousandCellSource } from "../../bench/grid-source.js";

describe("a 10,000-cell grid", () => {
  it("compiles to 10,000 distinct, schema-valid cells", () => {
    const r = compile(tenThousandCellSource());
    expect(r.diagnostics).toEqual([]);
    expect(r.plan!.cells.length).toBe(10_000);
    expect(new Set(r.plan!.cells.map((c) => c.id)).size).toBe(10_000);
    expect(r.plan!.totals.cells).toBe(10_000);
  });
});
