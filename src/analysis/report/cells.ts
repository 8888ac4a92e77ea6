/** Cell-level views of a run shared by the analyses: groupings, final evals, curves, stages. */
import type { Cell, PlanStage } from "../../plan/types.js";
import type { CellRun, EvalRecord, RunData } from "../rundir.js";
import type { CurvePoint } from "../stats.js";

export type XKind = "params" | "flops" | "tokens";

export function curriculumOf(cell: Cell): string {
  const a = cell.axes["curriculum"];
  return a === undefined ? cell.curriculum.name : String(a);
}

/** The curricula of the plan, in plan order. */
export function curricula(run: RunData): string[] {
  return unique(run.plan.cells.map((c) => curriculumOf(c)));
}

export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Axes (other than curriculum) that take more than one value across the plan's cells. */
export function variedAxes(run: RunData): string[] {
  const keys = unique(run.plan.cells.flatMap((c) => Object.keys(c.axes))).filter((k) => k !== "curriculum");
  return keys.filter((k) => new Set(run.plan.cells.map((c) => String(c.axes[k] ?? ""))).size > 1);
}

/** An axis value as shown: large numbers (budgets) in exact exponent form, `5e11` rather than `500000000000`. */
export function axisText(v: string | number): string {
  return typeof v === "number" && Math.abs(v) >= 1e6 ? v.toExponential().replace("e+", "e") : String(v);
}

/** A cell's value for a `by` key that does not change the response (curriculum, seed, size, an axis); undefined when unknown. */
export function groupValue(cell: Cell, key: string): string | undefined {
  if (key === "curriculum") return curriculumOf(cell);
  if (key === "seed") return String(cell.seed);
  if (key === "size") return cell.size;
  const v = cell.axes[key];
  return v === undefined ? undefined : axisText(v);
}

/** A cell's value on a grid axis ("curriculum" included), as a string. */
export function axisValue(cell: Cell, axis: string): string {
  if (axis === "curriculum") return curriculumOf(cell);
  const v = cell.axes[axis];
  return v === undefined ? "" : String(v);
}

/**
 * Key of everything that identifies a cell but one axis (the curriculum by default), its size and
 * seed: cells with the same key may be compared along that axis.
 */
export function contextKey(cell: Cell, axis = "curriculum"): string {
  const keys = Object.keys(cell.axes).filter((k) => k !== axis);
  if (axis !== "curriculum" && !keys.includes("curriculum")) keys.push("curriculum");
  return keys
    .sort()
    .map((k) => `${k}=${k === "curriculum" ? curriculumOf(cell) : axisText(cell.axes[k]!)}`)
    .join(",");
}

export function finalEval(run: CellRun): EvalRecord | undefined {
  return run.evals.at(-1);
}

export function xOf(run: CellRun, kind: XKind, ev: EvalRecord | undefined = finalEval(run)): number {
  if (kind === "params") return run.cell.model.params;
  if (!ev) return NaN;
  return kind === "flops" ? ev.flops : ev.tokens;
}

/** Which loss of an eval record: the mean heldout loss, a source's, or a difficulty bucket's. */
export type LossSelector = { readonly kind: "mean" } | { readonly kind: "source"; readonly name: string } | { readonly kind: "bucket"; readonly label: string };

export function lossOf(ev: EvalRecord | undefined, sel: LossSelector): number {
  if (!ev) return NaN;
  switch (sel.kind) {
    case "mean":
      return ev.loss;
    case "source":
      return ev.by_source[sel.name] ?? NaN;
    case "bucket":
      return ev.by_bucket.find((b) => b.label === sel.label)?.loss ?? NaN;
  }
}

/** The eval curve of a cell against tokens or FLOPs, in increasing x, finite losses only. */
export function evalCurve(run: CellRun, x: "tokens" | "flops", sel: LossSelector = { kind: "mean" }): CurvePoint[] {
  return run.evals
    .map((e) => ({ x: x === "tokens" ? e.tokens : e.flops, y: lossOf(e, sel) }))
    .filter((p) => p.x > 0 && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x);
}

/** Difficulty bucket labels seen in a set of cells, in first-seen order (buckets are ordered easy to hard). */
export function bucketLabels(runs: readonly CellRun[]): string[] {
  return unique(runs.flatMap((r) => (finalEval(r)?.by_bucket ?? []).map((b) => b.label)));
}

/** A stage whose bounds the plan gives in tokens. */
export type TimedStage = PlanStage & { readonly start: number; readonly end: number };

/**
 * The stages of a cell with bounds in tokens. A stage that ends on data used, and the stages after
 * it, have their bounds only in the cell's records (`stage_end` events): they are left out here.
 */
export function stagesOf(cell: Cell): readonly TimedStage[] {
  return cell.curriculum.kind === "staged" ? cell.curriculum.stages.filter((s): s is TimedStage => typeof s.start === "number" && typeof s.end === "number") : [];
}

/** The eval nearest a token count (ties: the later one, which has seen the whole stage). */
export function evalNearest(run: CellRun, tokens: number): EvalRecord | undefined {
  let best: EvalRecord | undefined;
  for (const e of run.evals) {
    if (!Number.isFinite(e.loss)) continue;
    if (!best || Math.abs(e.tokens - tokens) < Math.abs(best.tokens - tokens) || (Math.abs(e.tokens - tokens) === Math.abs(best.tokens - tokens) && e.tokens > best.tokens)) best = e;
  }
  return best;
}

/** Sizes of the plan by parameter count, ascending. */
export function sizesOf(cells: readonly Cell[]): { size: string; params: number }[] {
  const m = new Map<string, number>();
  for (const c of cells) if (!m.has(c.size)) m.set(c.size, c.model.params);
  return [...m].map(([size, params]) => ({ size, params })).sort((a, b) => a.params - b.params);
}

/**
 * `cells` grouped by curriculum, the other settings (`contextKey`) and size, in plan order (sizes
 * ascending): the seeds that one row of a per-group table averages. Empty groups are left out.
 */
export function seedGroups(run: RunData, cells: readonly CellRun[]): { curriculum: string; context: string; size: string; cells: CellRun[] }[] {
  const out: { curriculum: string; context: string; size: string; cells: CellRun[] }[] = [];
  for (const curriculum of curricula(run)) {
    const ofCur = cells.filter((c) => curriculumOf(c.cell) === curriculum);
    for (const context of unique(ofCur.map((c) => contextKey(c.cell)))) {
      for (const { size } of sizesOf(run.plan.cells)) {
        const group = ofCur.filter((c) => c.cell.size === size && contextKey(c.cell) === context);
        if (group.length) out.push({ curriculum, context, size, cells: group });
      }
    }
  }
  return out;
}

/** A context key as a table shows it: the settings other than the curriculum, "" when none. */
export function contextLabel(context: string): string {
  return context
    .split(",")
    .filter((k) => k && !k.startsWith("curriculum="))
    .join(", ");
}

/**
 * The reference curriculum for gaps: the baseline of the plan's first compare, else a control of
 * kind "shuffled", else the first curriculum. null with fewer than two curricula.
 */
export function referenceCurriculum(run: RunData): { name: string; why: string } | null {
  const names = curricula(run);
  if (names.length < 2) return null;
  for (const a of run.plan.analyses) if (a.kind === "compare" && names.includes(a.baseline)) return { name: a.baseline, why: "the baseline of the plan's compare" };
  const shuffled = run.plan.cells.find((c) => c.curriculum.kind === "shuffled");
  if (shuffled) return { name: curriculumOf(shuffled), why: "the shuffled control" };
  return { name: names[0]!, why: "the first curriculum (the plan names no baseline)" };
}
