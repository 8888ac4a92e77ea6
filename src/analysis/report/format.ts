/** The report's table and section types, and how numbers, intervals and estimates are written in them. */
import type { Interval } from "../fit/types.js";
import type { Estimate } from "../stats.js";
import type { RatioEstimate } from "./compare.js";

export interface Table {
  readonly title?: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Right-aligned column indexes. */
  readonly right?: readonly number[];
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly intro: readonly string[];
  readonly tables: readonly Table[];
  readonly notes: readonly string[];
  /** Plots that belong with this section (ids in the HTML). */
  readonly plots: readonly string[];
}

export const DASH = "–";

export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : v.toFixed(digits);
}

export function fmtSigned(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const s = Math.abs(v).toFixed(digits);
  return Number(s) === 0 ? s : `${v < 0 ? "−" : "+"}${s}`;
}

export function fmtSig(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(digits - 1).replace("e+", "e");
  return Number(v.toPrecision(digits)).toString();
}

export function fmtInterval(iv: Interval | null | undefined, f: (v: number) => string = (v) => fmtSig(v)): string {
  return iv ? `[${f(iv[0])}, ${f(iv[1])}]` : "";
}

/** "−0.012 [−0.030, +0.006]", or "+0.038; CI n/a (1 seed)" (just the mean when `quiet`). */
export function fmtEstimate(e: Estimate, signed = true, digits = 3, quiet = false): string {
  const f = (v: number) => (signed ? fmtSigned(v, digits) : fmt(v, digits));
  if (!Number.isFinite(e.mean)) return e.method.startsWith("n/a") ? e.method : DASH;
  if (e.lo === null || e.hi === null) return quiet ? f(e.mean) : `${f(e.mean)}; CI ${e.method}`;
  return `${f(e.mean)} [${f(e.lo)}, ${f(e.hi)}]`;
}

export function fmtRatio(r: RatioEstimate): string {
  if (!Number.isFinite(r.mean)) return r.censored ? "n/a (censored both ways)" : "n/a";
  const v = `${r.mean.toFixed(2)}×`;
  if (r.bound) return `${r.bound} ${v} (${r.bound === ">" ? "lower" : "upper"} bound: censored in ${r.censored} seed${r.censored === 1 ? "" : "s"})`;
  if (r.lo === null || r.hi === null) return `${v}; CI ${r.method}`;
  return `${v} [${r.lo.toFixed(2)}, ${r.hi.toFixed(2)}]`;
}

