/**
 * Verifies what a finished cell left in the run directory before anyone trusts it: its final
 * checkpoint (every file against its checksum) and its metrics (one clean history that the
 * checkpoint agrees with, ending in an end record). `cgx status --verify`, the report and
 * `cgx run` (before it skips a finished cell) all ask this.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Cell } from "../plan/types.js";
import { CheckpointError, listCheckpoints, readCheckpoint, stepDir, type CheckpointManifest } from "./checkpoint-format.js";
import { checkRecords, TORN, type StepRecord } from "./records.js";

export { TORN };

/** Metrics records as {kind, step}, one per non-empty line; a line that does not parse is kind TORN. */
export function readStepRecords(path: string): StepRecord[] {
  if (!existsSync(path)) return [];
  const records: StepRecord[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as Record<string, unknown>;
      records.push({ kind: String(r["kind"]), step: typeof r["step"] === "number" ? r["step"] : null });
    } catch {
      records.push({ kind: TORN, step: null });
    }
  }
  return records;
}

/** Steps at which the plan asks for an eval (its eval points, in steps). */
export function evalStepsOf(cell: Cell): Set<number> {
  return new Set(cell.eval.points.map((p) => p / cell.budget.tokens_per_step));
}

/**
 * Whether the first `m.metricsLines` records agree with checkpoint `m`: there are that many, the
 * last of them is the eval the checkpoint was taken after, and none is an end record.
 */
export function metricsAgreeWith(records: readonly StepRecord[], m: Pick<CheckpointManifest, "step" | "metricsLines">): string | null {
  if (records.length < m.metricsLines) return `metrics.jsonl holds ${records.length} records where the checkpoint at step ${m.step} expects ${m.metricsLines}`;
  const lastRecord = records[m.metricsLines - 1];
  if (m.metricsLines > 0 && (lastRecord?.kind !== "eval" || lastRecord.step !== m.step)) {
    return `record ${m.metricsLines} of metrics.jsonl is not the eval at step ${m.step} that the checkpoint follows`;
  }
  if (records.slice(0, m.metricsLines).some((r) => r.kind === "end")) return `metrics.jsonl ends before the checkpoint at step ${m.step}`;
  return null;
}

/** Problems with the final checkpoint of a finished cell: it must verify, sit at the end step and agree with the metrics. */
export function verifyFinalCheckpoint(cellDir: string, records: readonly StepRecord[]): string[] {
  const root = join(cellDir, "checkpoints");
  const last = listCheckpoints(root).at(-1);
  if (last === undefined) return ["no checkpoint"];
  const end = records.filter((r) => r.kind === "end").at(-1);
  try {
    const { manifest } = readCheckpoint(stepDir(root, last));
    const problems: string[] = [];
    if (end && end.step !== null && manifest.step !== end.step) problems.push(`the last checkpoint is at step ${manifest.step}, the cell ended at step ${end.step}`);
    const disagree = metricsAgreeWith(records, manifest);
    if (disagree) problems.push(disagree);
    return problems;
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    return [e.message];
  }
}

/** Problems with a cell whose status says done; empty when its results can be trusted. */
export function verifyFinishedCell(cellDir: string, cell: Cell): string[] {
  const records = readStepRecords(join(cellDir, "metrics.jsonl"));
  const problems = checkRecords(records, { evalSteps: evalStepsOf(cell) }).map((p) => `metrics.jsonl: ${p}`);
  if (!records.some((r) => r.kind === "end")) problems.push("metrics.jsonl has no end record");
  return [...problems, ...verifyFinalCheckpoint(cellDir, records)];
}
