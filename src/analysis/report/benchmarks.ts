/**
 * Multiple-choice benchmarks: the `benchmarks` field of eval records (accuracy, acc_norm and acc_tok
 * by log-likelihood, src/runtime/eval/choices.ts), read from each finished cell's final eval, one
 * row per benchmark and cell, with a 95% Wilson interval for each accuracy and the chance level.
 */
import type { RunData } from "../rundir.js";
import { wilsonInterval } from "../stats.js";
import { finalEval, unique } from "./cells.js";
import { contextOf } from "./tasks.js";

export interface Proportion {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

export interface BenchmarkRow {
  readonly benchmark: string;
  readonly cell: string;
  /** The curriculum and the other axes that vary. */
  readonly context: string;
  readonly size: string;
  readonly params: number;
  readonly seed: number;
  readonly tokens: number;
  readonly n: number;
  readonly chance: number;
  readonly accuracy: Proportion;
  readonly acc_norm: Proportion;
  readonly acc_tok: Proportion;
  /** Where the accuracy's interval lies against the chance level. */
  readonly versus_chance: "above" | "at" | "below";
}

export interface BenchmarkAccuracy {
  /** The plan names benchmarks, or some eval record holds benchmark scores. */
  readonly present: boolean;
  readonly names: readonly string[];
  readonly rows: readonly BenchmarkRow[];
  readonly notes: readonly string[];
}

const proportion = (value: number, n: number): Proportion => ({ value, ...wilsonInterval(value, n) });

export function benchmarkAccuracy(run: RunData): BenchmarkAccuracy {
  const planned = unique(run.plan.cells.flatMap((c) => (c.eval.benchmarks ?? []).map((b) => b.name)));
  const recorded = run.cells.flatMap((c) => c.evals.flatMap((e) => Object.keys(e.benchmarks ?? {})));
  const names = unique([...planned, ...recorded]);
  const notes: string[] = [];
  if (names.length === 0) return { present: false, names, rows: [], notes };
  const context = contextOf(run);
  const finished = run.cells.filter((c) => c.finished);
  if (!finished.length) notes.push("no cell has finished yet: benchmark accuracy is read from the final eval of finished cells");
  const rows: BenchmarkRow[] = [];
  for (const name of names) {
    const hashes = new Set<string>();
    for (const c of finished) {
      const ev = finalEval(c);
      const r = ev?.benchmarks?.[name];
      for (const e of c.evals) if (e.benchmarks?.[name]?.sha256) hashes.add(e.benchmarks[name]!.sha256!);
      if (!ev || !r) continue;
      const accuracy = proportion(r.accuracy, r.n);
      rows.push({
        benchmark: name,
        cell: c.cell.label,
        context: context(c.cell),
        size: c.cell.size,
        params: c.cell.model.params,
        seed: c.cell.seed,
        tokens: ev.tokens,
        n: r.n,
        chance: r.chance,
        accuracy,
        acc_norm: proportion(r.acc_norm, r.n),
        acc_tok: proportion(r.acc_tok, r.n),
        versus_chance: accuracy.lo > r.chance ? "above" : accuracy.hi < r.chance ? "below" : "at",
      });
    }
    const missing = finished.filter((c) => !finalEval(c)?.benchmarks?.[name]);
    if (missing.length) notes.push(`${name}: ${missing.length} finished cell${missing.length === 1 ? "" : "s"} recorded no score in the final eval and ${missing.length === 1 ? "is" : "are"} left out: ${missing.map((c) => c.cell.label).join(", ")}`);
    if (hashes.size > 1) notes.push(`${name}: the evals scored ${hashes.size} different versions of the file (sha256 ${[...hashes].map((h) => h.slice(0, 12)).join(", ")}): the file changed during the run, so its scores are not comparable across evals; score the new version in a new run`);
  }
  return { present: true, names, rows, notes };
}
