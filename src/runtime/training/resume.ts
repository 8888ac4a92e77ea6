/**
 * Where a cell resumes: the newest checkpoint that loads (every file matches its checksum) and
 * that metrics.jsonl agrees with (it holds every record the checkpoint counted, the last of them
 * the eval the checkpoint followed, with no gap or duplicate before it). Records after that
 * point are cut; checkpoints after it are moved aside. When no checkpoint qualifies the cell
 * trains from the start. Every fallback is said through `warn`, never taken silently.
 */
import { checkRecords, type RecordExpectations } from "../../store/records.js";
import { metricsAgreeWith, readStepRecords } from "../../store/verify.js";
import { CheckpointError, listCheckpoints, loadCheckpoint, rejectCheckpointsAfter } from "./checkpoint.js";
import { truncateMetrics, type CellPaths } from "../running/rundir.js";

export function resumePoint<S>(paths: CellPaths, expect: RecordExpectations, warn: (message: string) => void): ReturnType<typeof loadCheckpoint<S>> | undefined {
  const records = readStepRecords(paths.metrics);
  const steps = listCheckpoints(paths.checkpoints).reverse();
  // Why newer checkpoints were passed over; said once, with where the cell resumes.
  const passed: string[] = [];
  for (const s of steps) {
    let cp: ReturnType<typeof loadCheckpoint<S>>;
    try {
      cp = loadCheckpoint<S>(paths.checkpoints, s);
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      passed.push(e.message);
      continue;
    }
    const disagree = metricsAgreeWith(records, cp.manifest) ?? checkRecords(records.slice(0, cp.manifest.metricsLines), expect)[0] ?? null;
    if (disagree) {
      passed.push(`${disagree} (checkpoint at step ${s})`);
      continue;
    }
    const rejected = rejectCheckpointsAfter(paths.checkpoints, s);
    if (passed.length) warn(`${passed.join("; ")}; resuming from an earlier one, at step ${s}${rejected.length ? ` (the newer one${rejected.length === 1 ? " is" : "s are"} kept in checkpoints/rejected/)` : ""}`);
    truncateMetrics(paths.metrics, cp.manifest.metricsLines);
    return cp;
  }
  const rejected = rejectCheckpointsAfter(paths.checkpoints, -1);
  if (passed.length) warn(`${passed.join("; ")}; no checkpoint agrees with metrics.jsonl, so the cell trains again from the start${rejected.length ? " (its checkpoints are kept in checkpoints/rejected/)" : ""}`);
  else if (records.some((r) => r.kind === "eval")) warn("metrics.jsonl holds evals but no checkpoint is left; the cell trains again from the start");
  truncateMetrics(paths.metrics, 0);
  return undefined;
}
