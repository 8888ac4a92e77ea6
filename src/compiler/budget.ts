/**
 * The training budget of a cell. The `budget` statement gives the rule (tokens, tokens per
 * parameter, FLOPs or steps) and a value; the grid's `budget` axis gives other values in the same
 * unit. Here: the values a `budget log(...)` grid takes, how a value is shown in a cell's label, and
 * the cell's budget on whole steps.
 */
import type { AxisValue, Budget, Experiment } from "./ast.js";
import type { Reporter } from "./reporter.js";
import { distinctLabels, logPoints, sizeLabel } from "./shapes.js";
import type { Span } from "./span.js";
import type { ModelShape } from "../plan/types.js";

export type BudgetKind = Budget["kind"];

/** What a value on the `budget` axis counts under each rule, and a list of such values, for messages. */
export const BUDGET_UNITS: Readonly<Record<BudgetKind, { readonly unit: string; readonly example: string }>> = {
  tokens: { unit: "tokens", example: "[1M, 4M]" },
  tokens_per_param: { unit: "tokens per parameter", example: "[10, 20, 40]" },
  flops: { unit: "FLOPs", example: "[1e12, 1e13]" },
  steps: { unit: "steps", example: "[1000, 2000]" },
};

/**
 * `budget log(min..max, n)`: n values evenly spaced in log space, ends included, each rounded to 3
 * significant digits (more where 3 would merge two of them). So `log(1e12..1e14, 5)` is exactly
 * 1e12, 3.16e12, 1e13, 3.16e13, 1e14: the values the labels show and a `where` condition can name.
 * Undefined when even 17 digits cannot keep them apart (a range too narrow for n values).
 */
export function logBudgets(min: number, max: number, count: number): number[] | undefined {
  const raw = logPoints(min, max, count);
  // The values increase, so two merge only as neighbours; a pass stops at the first merge, which
  // keeps a long grid quick to round.
  for (let digits = 3; digits <= 17; digits++) {
    const values: number[] = [];
    for (const v of raw) {
      const r = Number(v.toPrecision(digits));
      if (values.length > 0 && r <= values[values.length - 1]!) break;
      values.push(r);
    }
    if (values.length === raw.length) return values;
  }
  return undefined;
}

/**
 * A budget value as a cell's label shows it, with `digits` significant digits, written as one would
 * write it in the file: FLOPs in powers of ten (`1e13`, `3.16e13`), tokens and steps like model sizes
 * (`500k`, `1M`, `2.5B`; below 1000 in full), tokens per parameter as a plain number (`20`, `2.5`).
 */
export function budgetLabel(kind: BudgetKind, value: number, digits = 3): string {
  const rounded = Number(value.toPrecision(Math.min(21, digits)));
  switch (kind) {
    case "flops":
      return rounded.toExponential().replace("e+", "e");
    case "tokens":
    case "steps":
      return sizeLabel(value, digits);
    case "tokens_per_param":
      return String(rounded).replace("e+", "e");
  }
}

/** Labels for the values of a `budget` axis: distinct values get distinct labels (more digits where needed). */
export function budgetLabels(kind: BudgetKind, values: readonly number[]): Map<number, string> {
  const labels = distinctLabels(values, (n, digits) => budgetLabel(kind, n, digits));
  return new Map(values.map((v, i) => [v, labels[i]!]));
}

/** The values of the experiment's `budget` axis with where each is written (a `log(...)` grid's share one span). */
export function budgetAxisSpans(exp: Experiment): Map<number, Span> {
  const spans = new Map<number, Span>();
  for (const g of exp.vary?.groups ?? []) {
    for (const a of g.kind === "single" ? [g.axis] : g.axes) {
      if (a.name.text !== "budget") continue;
      for (const v of a.values) if (typeof v.value === "number" && !spans.has(v.value)) spans.set(v.value, v.span);
    }
  }
  return spans;
}

/**
 * The budget rule of one grid point: the file's rule with the point's `budget` value where the
 * point has one (its span then points at that value, so a per-cell error shows which one).
 */
export function pointBudget(base: Budget, point: ReadonlyMap<string, AxisValue>, spans: ReadonlyMap<number, Span>): Budget {
  const v = point.get("budget");
  if (typeof v !== "number") return base;
  return { ...base, value: v, span: spans.get(v) ?? base.span };
}

/** A cell's budget in tokens (whole steps) and FLOPs, and what the runtime stops on. */
export interface CellBudget {
  readonly tokens: number;
  readonly flops: number;
  readonly stopOn: "tokens" | "flops";
}

/** The raw budget of a cell in tokens, before rounding down to whole steps. */
export function rawBudget(b: Budget, shape: ModelShape, tps: number): number {
  switch (b.kind) {
    case "tokens":
      return b.value;
    case "tokens_per_param":
      return b.value * shape.params;
    case "steps":
      return b.value * tps;
    case "flops":
      return b.value / shape.flops_per_token;
  }
}

export function wholeSteps(tokens: number, tps: number): number {
  return Math.floor(tokens / tps) * tps;
}

/**
 * The budget of a cell training `shape` under `b`, on whole steps of `tps` tokens. A budget of less
 * than one step, or of more tokens than a double counts exactly, is reported (at `b.span`, naming
 * `cell`) and gives undefined. Under a FLOP budget the cell's FLOPs are the budget itself and the
 * runtime stops on them; otherwise they are the tokens' FLOPs.
 */
export function cellBudget(b: Budget, shape: ModelShape, tps: number, rep: Reporter, cell: string): CellBudget | undefined {
  const tokens = rawBudget(b, shape, tps);
  const steps = Math.floor(tokens / tps);
  if (steps < 1) {
    rep.once("CGX0605", b.span, `the budget gives cell ${cell} (${shape.params} parameters) ${Math.floor(tokens)} tokens, less than one step of ${tps} tokens`, "raise the budget or lower `batch` or `context`");
    return undefined;
  }
  if (!(tokens <= Number.MAX_SAFE_INTEGER)) {
    rep.once("CGX0402", b.span, `the budget gives cell ${cell} (${shape.params} parameters) ${tokens.toExponential(2)} tokens, more than cgx can count exactly`, `keep a cell's budget below ${Number.MAX_SAFE_INTEGER} tokens`);
    return undefined;
  }
  const t = steps * tps;
  return { tokens: t, flops: b.kind === "flops" ? b.value : t * shape.flops_per_token, stopOn: b.kind === "flops" ? "flops" : "tokens" };
}
