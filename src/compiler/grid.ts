/**
 * The grid of `vary`: its dimensions (the implicit curriculum axis, each axis, each zip), its points
 * (with conditional axes falling back to the rest of the file's values), and whether sizes x points
 * x seeds stays within the cell limit, found without listing points where their count is known.
 */
import type { AxisValue, Condition, Experiment } from "./ast.js";
import type { AxisName } from "./catalog.js";

/** The most cells cgx plans (CGX0809): a plan of 100,000 cells is already ~130 MB of JSON, and past ~400,000 it no longer fits in one JavaScript string. */
export const MAX_CELLS = 100_000;

/** A grid point: the value of each axis that applies there. */
export type Assignment = ReadonlyMap<AxisName | string, AxisValue>;

/** The value an axis has where it is not varied (or its condition failed): the rest of the file's. */
function baseValue(exp: Experiment, axis: string): AxisValue | undefined {
  const t = exp.train;
  switch (axis) {
    case "lr":
      return t.optimizer.lr.value;
    case "schedule":
      return t.schedule.kind;
    case "batch":
      return t.batch.value;
    case "weight_decay":
      return t.optimizer.weightDecay;
    case "warmup":
      return t.schedule.warmup.kind === "fraction" ? t.schedule.warmup.value : undefined;
    case "clip":
      return t.clip.value;
    case "grow":
      return exp.grow ? "on" : "off";
    case "prune":
      return exp.prune ? "on" : "off";
    case "budget":
      return exp.budget.value;
    default:
      // `curriculum` always has a value: its axis cannot be conditional (CGX0802).
      return undefined;
  }
}

function conditionHolds(c: Condition, value: (axis: string) => AxisValue | undefined): boolean {
  const v = value(c.axis.text);
  const hit = c.values.some((x) => x.value === v);
  return c.op === "!=" ? !hit : hit;
}

/** One value of a dimension of the grid: the axes it sets (several for a zip), with their conditions. */
type Choice = Array<readonly [string, AxisValue, readonly Condition[]]>;

/** The grid's dimensions: the implicit curriculum axis (when `vary` has none), each axis, each zip. */
function gridDims(exp: Experiment): Choice[][] {
  const groups = exp.vary?.groups ?? [];
  const hasCurriculumAxis = groups.some((g) => (g.kind === "single" ? [g.axis] : g.axes).some((a) => a.name.text === "curriculum"));
  const dims: Choice[][] = [];
  if (!hasCurriculumAxis) {
    dims.push([...exp.curricula.map((c) => c.name.text), ...exp.controls.map((c) => c.name.text)].map((n) => [["curriculum", n, []]]));
  }
  for (const g of groups) {
    if (g.kind === "single") dims.push(g.axis.values.map((v) => [[g.axis.name.text, v.value, g.axis.when]]));
    else {
      const n = g.axes[0]!.values.length;
      const rows: Choice[] = [];
      for (let i = 0; i < n; i++) rows.push(g.axes.map((a) => [a.name.text, a.values[i]!.value, a.when] as const));
      dims.push(rows);
    }
  }
  return dims;
}

/**
 * Bounds on the number of grid points, found without listing them. Only conditions merge points, so
 * without any the count is the product of the dimensions; with some, the dimensions that hold an
 * axis without a condition still tell every point apart, and their product is a lower bound.
 */
export function gridBounds(exp: Experiment): { readonly lower: number; readonly upper: number } {
  let lower = 1;
  let upper = 1;
  for (const d of gridDims(exp)) {
    upper *= d.length;
    if (d[0]?.some(([, , conds]) => conds.length === 0)) lower *= d.length;
  }
  return { lower, upper };
}

/**
 * Grid points in a stable order: axes in declaration order, values in list order. In each point, an
 * axis whose conditions fail falls back to its base value, and conditions are evaluated on the
 * point's final values (where a fallen-back axis has its base value). Points that become identical
 * are merged, keeping the first. At most `limit + 1` points are listed: one more than the limit
 * says that it is passed.
 */
export function gridPoints(exp: Experiment, limit = MAX_CELLS): Assignment[] {
  const dims = gridDims(exp);
  const bases = new Map<string, AxisValue | undefined>();
  const base = (axis: string) => {
    if (!bases.has(axis)) bases.set(axis, baseValue(exp, axis));
    return bases.get(axis);
  };
  const out: Assignment[] = [];
  const seen = new Set<string>();
  // One point's choices, extended and cut back as the enumeration goes: no copy per point.
  const acc: Choice = [];
  const rec = (i: number) => {
    if (out.length > limit) return;
    if (i === dims.length) {
      const active = applying(acc, base);
      const kept = acc.filter((_, idx) => active[idx]).map(([k, v]) => [k, v] as const);
      const key = JSON.stringify(kept);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(new Map(kept));
      }
      return;
    }
    for (const choice of dims[i]!) {
      acc.push(...choice);
      rec(i + 1);
      acc.length -= choice.length;
    }
  };
  rec(0);
  return out;
}

/**
 * Which of a point's axes apply: those whose conditions hold on the point's final values, in which an
 * axis that does not apply has its base value. Conditions cannot form cycles (CGX0802), so iterating
 * from "every axis applies" settles, at the latest once per axis, on the one such assignment.
 */
function applying(acc: Choice, base: (axis: string) => AxisValue | undefined): boolean[] {
  let active = acc.map(() => true);
  if (acc.every(([, , conds]) => conds.length === 0)) return active;
  for (let round = 0; round <= acc.length; round++) {
    const now = active;
    const value = (axis: string): AxisValue | undefined => {
      for (let j = 0; j < acc.length; j++) if (now[j] && acc[j]![0] === axis) return acc[j]![1];
      return base(axis);
    };
    const next = acc.map(([, , conds]) => conds.every((c) => conditionHolds(c, value)));
    if (next.every((v, idx) => v === now[idx])) break;
    active = next;
  }
  return active;
}

/** A grid's points, or the number of cells (as words) when sizes x points x seeds passes the limit. */
export type BoundedGrid = { readonly kind: "points"; readonly points: Assignment[] } | { readonly kind: "too_large"; readonly cells: string };

/**
 * The grid's points when `perPoint` cells each (sizes x seeds) stay within MAX_CELLS. The bounds
 * mostly decide without listing a point; otherwise points are listed, no more than the limit allows,
 * and the count of a grid past it is "more than" the limit.
 */
export function gridWithin(exp: Experiment, perPoint: number): BoundedGrid {
  const { lower, upper } = gridBounds(exp);
  if (lower * perPoint > MAX_CELLS) return { kind: "too_large", cells: lower === upper ? `${upper * perPoint}` : `at least ${lower * perPoint}` };
  const points = gridPoints(exp, Math.floor(MAX_CELLS / Math.max(1, perPoint)));
  if (points.length * perPoint > MAX_CELLS) return { kind: "too_large", cells: `more than ${MAX_CELLS}` };
  return { kind: "points", points };
}
