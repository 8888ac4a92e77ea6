/** Degenerate input: a FitError with a clear message, never a crash or a silent nonsense fit. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fitBroken, fitChinchilla, FitError, fitPowerLaw } from "../../../src/analysis/fit/index.js";
import { logspace } from "./planted.js";

const X = logspace(1e6, 1e9, 6);
const Y = X.map((x) => 2 + 400 * x ** -0.3);

function fitError(f: () => unknown): FitError {
  try {
    f();
  } catch (e) {
    if (e instanceof FitError) return e;
    throw new Error(`expected a FitError, got ${String(e)}`);
  }
  throw new Error("expected a FitError, but the fit succeeded");
}

describe("degenerate input", () => {
  it("rejects fewer points than parameters", () => {
    expect(fitError(() => fitPowerLaw(X.slice(0, 3), Y.slice(0, 3))).message).toBe("3 points cannot determine the 3 parameters of a power-law fit");
    expect(fitError(() => fitChinchilla(X.slice(0, 4), X.slice(0, 4).reverse(), Y.slice(0, 4))).message).toMatch(/4 points cannot determine the 5 parameters/);
    expect(fitError(() => fitBroken([], [])).message).toMatch(/0 points cannot determine/);
  });

  it("rejects flat data", () => {
    const e = fitError(() => fitPowerLaw(X, X.map(() => 3.2)));
    expect(e.message).toBe("y is constant (3.2): there is no trend to fit");
    expect(e.help).not.toBe("");
    expect(fitError(() => fitBroken(X, X.map(() => 3.2))).message).toMatch(/constant/);
  });

  it("rejects NaN, infinities and non-positive values, naming the point", () => {
    expect(fitError(() => fitPowerLaw(X, [...Y.slice(0, 2), NaN, ...Y.slice(3)])).message).toBe("y is not a finite number at point 3 (NaN)");
    expect(fitError(() => fitPowerLaw([Infinity, ...X.slice(1)], Y)).message).toMatch(/x is not a finite number at point 1/);
    expect(fitError(() => fitPowerLaw(X, [-1, ...Y.slice(1)])).message).toMatch(/y must be positive, but point 1 is -1/);
    expect(fitError(() => fitPowerLaw([0, ...X.slice(1)], Y, { labels: { x: "params" } })).message).toBe("params must be positive, but point 1 is 0");
  });

  it("rejects one size only", () => {
    const one = X.map(() => 1e8);
    expect(fitError(() => fitPowerLaw(one, Y)).message).toBe("x takes a single value (100000000), so no exponent can be estimated");
    expect(fitError(() => fitChinchilla(one, X, Y)).message).toMatch(/N takes a single value/);
    expect(fitError(() => fitChinchilla(X, one, Y)).message).toMatch(/D takes a single value/);
    expect(fitError(() => fitBroken(one, Y)).message).toMatch(/single value/);
    expect(fitError(() => fitPowerLaw([1e6, 1e6, 1e7, 1e7], [3, 3.1, 2.5, 2.6])).message).toMatch(/only 2 distinct values/);
  });

  it("rejects tokens that move with parameters (one tokens-per-parameter ratio)", () => {
    const e = fitError(() => fitChinchilla(X, X.map((n) => 20 * n), Y));
    expect(e.message).toMatch(/N and D move together/);
  });

  it("rejects data that rise with x instead of fitting a meaningless law", () => {
    const e = fitError(() => fitPowerLaw(X, [...Y].reverse()));
    expect(e.message).toMatch(/y does not decrease with x/);
  });

  it("rejects mismatched lengths and bad options", () => {
    expect(fitError(() => fitPowerLaw(X, Y.slice(1))).message).toMatch(/x has 6 values but there are 5 points/);
    expect(fitError(() => fitPowerLaw(X, Y, { groups: ["a"] })).message).toMatch(/groups has 1 ids/);
    expect(fitError(() => fitBroken(X, Y, { maxBreaks: -1 })).message).toMatch(/maxBreaks/);
    expect(fitError(() => fitPowerLaw(X, Y, { huberDelta: 0 })).message).toMatch(/huberDelta/);
  });

  it("never crashes and never returns non-finite parameters on arbitrary small tables", () => {
    const value = fc.oneof(fc.double({ min: 1e-3, max: 1e12, noNaN: true }), fc.constantFrom(NaN, 0, -1, 1, 1e6, Infinity));
    const table = fc.integer({ min: 0, max: 9 }).chain((n) => fc.tuple(fc.array(value, { minLength: n, maxLength: n }), fc.array(value, { minLength: n, maxLength: n })));
    fc.assert(
      fc.property(table, ([x, y]) => {
        for (const fit of [() => fitPowerLaw(x, y, { bootstrap: 5 }), () => fitBroken(x, y, { bootstrap: 0, maxBreaks: 1 })]) {
          try {
            const r = fit();
            const values = r.law === "broken" ? Object.values(r.params) : [r.E, r.A, r.alpha];
            expect(values.every(Number.isFinite)).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(FitError);
          }
        }
      }),
      { numRuns: 40, seed: 1 },
    );
  });
});
