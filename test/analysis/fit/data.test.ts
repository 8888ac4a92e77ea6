/**
 * Point ids (the groups of the lack-of-fit test): equal predictor tuples, and only those, share an
 * id. Resampling units: a unit per group id, numbered in order of first appearance.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pointIds, unitPoints, unitsOf } from "../../../src/analysis/fit/data.js";

/** What the ids must mean, by strings: tuple i and tuple j are equal exactly when their ids are. */
function expectGroups(columns: number[][], n: number): void {
  const { ids, count } = pointIds(columns, n);
  const key = (i: number) => columns.map((c) => String(c[i] === 0 ? 0 : c[i])).join(",");
  const byKey = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (!byKey.has(k)) byKey.set(k, byKey.size);
    // Numbered in order of first appearance.
    expect(ids[i]).toBe(byKey.get(k));
  }
  expect(count).toBe(byKey.size);
}

describe("pointIds", () => {
  it("groups equal values of one or two columns, -0 with 0", () => {
    expectGroups([[3, 1, 3, 2, 1, -0, 0]], 7);
    expectGroups([[1, 1, 2, 2, 1], [5, 6, 5, 5, 5]], 5);
    expect(pointIds([], 3)).toEqual({ ids: new Int32Array(3), count: 1 });
    expect(pointIds([[]], 0).count).toBe(0);
  });

  it("groups random tables, with many repeats and none", () => {
    const value = fc.oneof(fc.constantFrom(1, 2, 1e6, 1e9 + 1, 0.1, 0.3), fc.double({ min: 1e-3, max: 1e12, noNaN: true }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.array(fc.tuple(value, value), { maxLength: 300 }), (m, rows) => {
        const columns = Array.from({ length: m }, (_, c) => rows.map((r) => r[c]!));
        expectGroups(columns, rows.length);
      }),
      { numRuns: 300, seed: 15 },
    );
    // A million distinct values and a million in 1,000 groups.
    const n = 1_000_000;
    const distinct = Array.from({ length: n }, (_, i) => 1e6 + i * 0.37);
    expect(pointIds([distinct], n).count).toBe(n);
    const grouped = pointIds([distinct.map((_, i) => i % 1000), distinct.map((_, i) => (i % 1000) * 2)], n);
    expect(grouped.count).toBe(1000);
    expect(grouped.ids[1003]).toBe(3);
  });
});

describe("unitsOf", () => {
  it("numbers units by first appearance, and lists each unit's points in order", () => {
    const units = unitsOf(6, ["b", "a", "b", 3, "a", "c"]);
    expect(units).toEqual({ count: 4, of: Int32Array.from([0, 1, 0, 2, 1, 3]) });
    expect(unitPoints(units)).toEqual([[0, 2], [1, 4], [3], [5]]);
    expect(unitsOf(3, undefined)).toEqual({ count: 3, of: Int32Array.from([0, 1, 2]) });
    expect(() => unitsOf(3, ["a"])).toThrow("groups has 1 ids but there are 3 points");
  });
});
