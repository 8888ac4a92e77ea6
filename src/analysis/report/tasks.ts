/**
 * Task accuracy: the `tasks` field of eval records (exact-match accuracy by greedy decoding, per
 * task and per difficulty level), read from each finished cell's final eval and summarised per
 * task, setting and size. Also the helpers the fits of `accuracy` share: task keys and clipping.
 */
import type { Cell } from "../../plan/types.js";
import type { CellRun, RunData, TaskResult } from "../rundir.js";
import { type Estimate, tInterval } from "../stats.js";
import { curriculumOf, finalEval, sizesOf, unique, variedAxes } from "./cells.js";

/** A task record key split into its parts: "facts.qa on heldout_entities" is source facts, mode qa, split heldout_entities. */
export interface TaskKey {
  /** The record key as written. */
  readonly key: string;
  /** SOURCE.MODE. */
  readonly task: string;
  readonly source: string;
  readonly mode: string;
  readonly split: string;
}

export function parseTaskKey(key: string): TaskKey {
  const m = /^(.*?) on (\S+)$/.exec(key);
  const task = m ? m[1]! : key;
  const split = m ? m[2]! : "heldout";
  const dot = task.lastIndexOf(".");
  return { key, task, source: dot > 0 ? task.slice(0, dot) : task, mode: dot > 0 ? task.slice(dot + 1) : "", split };
}

/** The record key the runtime writes for a planned task. */
export function taskRecordKey(t: { readonly source: string; readonly mode: string; readonly split: string }): string {
  return t.split === "heldout" ? `${t.source}.${t.mode}` : `${t.source}.${t.mode} on ${t.split}`;
}

/**
 * An accuracy kept inside [1/(2n), 1 − 1/(2n)] (n items), so that the error rate 1 − accuracy has
 * a finite logarithm: 0 of n correct becomes half an item right, n of n half an item wrong.
 */
export function clipAccuracy(accuracy: number, n: number): { readonly value: number; readonly clipped: boolean } {
  const eps = 1 / (2 * Math.max(1, n));
  if (accuracy < eps) return { value: eps, clipped: true };
  if (accuracy > 1 - eps) return { value: 1 - eps, clipped: true };
  return { value: accuracy, clipped: false };
}

/** Does the plan evaluate any task? */
export function planHasTasks(run: RunData): boolean {
  return run.plan.cells.some((c) => (c.eval?.tasks?.length ?? 0) > 0);
}

/** Finished cells whose final eval holds task results. */
export function cellsWithTasks(run: RunData): CellRun[] {
  return run.cells.filter((c) => c.finished && finalEval(c)?.tasks !== undefined);
}

/** Why there is no accuracy to analyse, for a note. */
export function noAccuracyReason(run: RunData): string {
  if (!planHasTasks(run)) return "the plan evaluates no task (add `tasks SOURCE.MODE` to the eval block)";
  if (!run.cells.some((c) => c.finished)) return "no cell has finished yet";
  return "no finished cell's final eval holds task results (the cells may have been run before task evaluation was recorded; rerun them)";
}

export interface TaskCellValue {
  readonly cell: string;
  readonly seed: number;
  readonly accuracy: number;
  readonly n: number;
  readonly tokens: number;
}

export interface TaskLevelValue {
  readonly level: string;
  /** Over seeds. */
  readonly accuracy: Estimate;
  /** Items per cell at this level (the largest count when cells differ). */
  readonly n: number;
}

export interface TaskSizeRow {
  /** The record key ("facts.qa on heldout_entities"). */
  readonly key: string;
  readonly task: string;
  readonly split: string;
  /** The curriculum and the other axes that vary, e.g. "syllabus" or "syllabus, lr=0.001". */
  readonly context: string;
  readonly size: string;
  readonly params: number;
  readonly seeds: readonly number[];
  /** Over seeds (a t-interval with two or more). */
  readonly accuracy: Estimate;
  /** Items per cell (the largest count when cells differ). */
  readonly n: number;
  readonly cells: readonly TaskCellValue[];
  readonly levels: readonly TaskLevelValue[];
}

export interface TaskAccuracy {
  /** The plan evaluates tasks, or some eval record holds task results. */
  readonly present: boolean;
  /** Record keys seen, in plan order then first-seen order. */
  readonly keys: readonly string[];
  /** Difficulty levels seen, ascending. */
  readonly levels: readonly string[];
  readonly rows: readonly TaskSizeRow[];
  readonly notes: readonly string[];
}

export function contextOf(run: RunData): (cell: Cell) => string {
  const varied = variedAxes(run);
  return (cell) => [curriculumOf(cell), ...varied.map((k) => `${k}=${String(cell.axes[k] ?? "")}`)].join(", ");
}

function levelOrder(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : a.localeCompare(b);
}

export function sortLevels(levels: Iterable<string>): string[] {
  return [...new Set(levels)].sort(levelOrder);
}

/** Final task accuracy of every finished cell, per task, setting and size (seeds pooled). */
export function taskAccuracy(run: RunData): TaskAccuracy {
  const notes: string[] = [];
  const planned = planHasTasks(run);
  const withTasks = cellsWithTasks(run);
  const anyRecorded = run.cells.some((c) => c.evals.some((e) => e.tasks));
  const present = planned || anyRecorded;
  if (!present) return { present, keys: [], levels: [], rows: [], notes };
  const plannedKeys = unique(run.plan.cells.flatMap((c) => (c.eval?.tasks ?? []).map(taskRecordKey)));
  const keys = unique([...plannedKeys, ...withTasks.flatMap((c) => Object.keys(finalEval(c)!.tasks!))]);
  const finished = run.cells.filter((c) => c.finished);
  const without = finished.filter((c) => !finalEval(c)?.tasks);
  if (!finished.length) notes.push("no cell has finished yet: task accuracy is read from the final eval of finished cells");
  else if (!withTasks.length) notes.push(`no task accuracy is recorded: ${noAccuracyReason(run)}`);
  else if (without.length) notes.push(`${without.length} finished cell${without.length === 1 ? "" : "s"} recorded no task results in the final eval and ${without.length === 1 ? "is" : "are"} left out: ${without.map((c) => c.cell.label).join(", ")}`);
  const missingKeys = plannedKeys.filter((k) => withTasks.length && !withTasks.some((c) => finalEval(c)!.tasks![k]));
  if (missingKeys.length) notes.push(`planned but never recorded: ${missingKeys.join(", ")}`);
  const context = contextOf(run);
  const sizes = sizesOf(run.plan.cells);
  const contexts = unique(run.plan.cells.map(context));
  const rows: TaskSizeRow[] = [];
  const levelsSeen: string[] = [];
  for (const key of keys) {
    const { task, split } = parseTaskKey(key);
    for (const ctx of contexts) {
      for (const { size, params } of sizes) {
        const found: { c: CellRun; r: TaskResult; tokens: number }[] = [];
        for (const c of withTasks) {
          if (c.cell.size !== size || context(c.cell) !== ctx) continue;
          const ev = finalEval(c)!;
          const r = ev.tasks![key];
          if (r) found.push({ c, r, tokens: ev.tokens });
        }
        if (!found.length) continue;
        const levels = sortLevels(found.flatMap((f) => Object.keys(f.r.by_level)));
        levelsSeen.push(...levels);
        rows.push({
          key,
          task,
          split,
          context: ctx,
          size,
          params,
          seeds: found.map((f) => f.c.cell.seed),
          accuracy: tInterval(found.map((f) => f.r.accuracy)),
          n: Math.max(...found.map((f) => f.r.n)),
          cells: found.map((f) => ({ cell: f.c.cell.label, seed: f.c.cell.seed, accuracy: f.r.accuracy, n: f.r.n, tokens: f.tokens })),
          levels: levels.map((level) => {
            const ls = found.flatMap((f) => (f.r.by_level[level] ? [f.r.by_level[level]] : []));
            return { level, accuracy: tInterval(ls.map((l) => l.accuracy)), n: Math.max(...ls.map((l) => l.n)) };
          }),
        });
      }
    }
  }
  const saturated = rows.filter((r) => r.cells.some((c) => c.accuracy === 0 || c.accuracy === 1)).length;
  if (saturated) notes.push(`${saturated} of ${rows.length} task × size rows hold an accuracy of exactly 0 or 1 in some cell: fits of accuracy clip these to [1/(2n), 1 − 1/(2n)] (n items)`);
  if (rows.length && sizes.length < 2) notes.push("one model size: accuracy cannot be followed across sizes");
  return { present, keys, levels: sortLevels(levelsSeen), rows, notes };
}
