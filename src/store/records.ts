/**
 * Checks that a cell's metrics records are one clean history: steps never go back, no record is
 * written twice, no train record is missing between two others, and every planned eval point up
 * to the last record is there exactly once. Used by the runtime before it resumes (with the exact
 * logging interval it uses) and by readers of a run (which infer the interval).
 */

/** The kind given to a line that does not parse. */
export const TORN = "torn";

export interface StepRecord {
  readonly kind: string;
  readonly step: number | null;
}

export interface RecordExpectations {
  /** Steps between train records; inferred from the records (their most common gap) when absent. */
  readonly trainEvery?: number;
  /** Steps at which an eval record is due. */
  readonly evalSteps?: ReadonlySet<number>;
}

/** Problems found, in words ("train record at step 40 written twice"); empty when the history is clean. */
export function checkRecords(records: readonly StepRecord[], expect: RecordExpectations = {}): string[] {
  const problems: string[] = [];
  const train: number[] = [];
  const evals: number[] = [];
  let last = -Infinity;
  let prev = -Infinity;
  let reversals = 0;
  let ends = 0;
  let torn = 0;
  for (const r of records) {
    if (r.kind === TORN) {
      torn++;
      continue;
    }
    if (r.kind === "end") {
      ends++;
      continue;
    }
    if (r.step === null) continue;
    if (r.step < prev) reversals++;
    prev = r.step;
    last = Math.max(last, r.step);
    if (r.kind === "train") train.push(r.step);
    else if (r.kind === "eval") evals.push(r.step);
  }
  if (torn) problems.push(`${torn} unreadable line${torn === 1 ? "" : "s"}`);
  if (reversals) problems.push(`steps go back ${reversals} time${reversals === 1 ? "" : "s"}`);
  if (ends > 1) problems.push(`${ends} end records`);
  const dupes = (xs: number[], what: string) => {
    const seen = new Set<number>();
    const twice = new Set<number>();
    for (const x of xs) (seen.has(x) ? twice : seen).add(x);
    if (twice.size) problems.push(`${what} records written twice at step${twice.size === 1 ? "" : "s"} ${[...twice].slice(0, 5).join(", ")}${twice.size > 5 ? ", ..." : ""}`);
  };
  dupes(train, "train");
  dupes(evals, "eval");
  const sortedTrain = [...new Set(train)].sort((a, b) => a - b);
  const every = expect.trainEvery ?? mostCommonGap(sortedTrain);
  if (every !== undefined && every > 0) {
    const missing: number[] = [];
    // Train records sit at multiples of the interval (and at the last step); one that should be there and is not is a gap.
    const first = expect.trainEvery ? every : Math.ceil((sortedTrain[0] ?? 0) / every) * every;
    const upTo = sortedTrain.at(-1) ?? 0;
    const have = new Set(sortedTrain);
    for (let s = first; s <= upTo; s += every) if (!have.has(s)) missing.push(s);
    if (missing.length) problems.push(`train records missing at step${missing.length === 1 ? "" : "s"} ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}`);
  }
  if (expect.evalSteps) {
    const upTo = Math.max(last, -1);
    const have = new Set(evals);
    const missing = [...expect.evalSteps].filter((s) => s <= upTo && !have.has(s)).sort((a, b) => a - b);
    if (missing.length) problems.push(`eval records missing at step${missing.length === 1 ? "" : "s"} ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}`);
  }
  return problems;
}

function mostCommonGap(steps: readonly number[]): number | undefined {
  if (steps.length < 3) return undefined;
  const counts = new Map<number, number>();
  for (let i = 1; i < steps.length; i++) {
    const g = steps[i]! - steps[i - 1]!;
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  let best: number | undefined;
  let n = 0;
  for (const [g, c] of counts) if (c > n || (c === n && g < best!)) [best, n] = [g, c];
  // Only trust an inferred interval that most gaps share.
  return best !== undefined && n * 2 >= steps.length - 1 ? best : undefined;
}
