/**
 * The multiple-choice files of a plan's `evaluate` (`benchmark NAME = choices(...)`), added to the
 * data each cell trains with. Every file of every cell is read and checked on the first call, before
 * the experiment's data loads, so a bad file stops the run before any training; items are tokenized
 * once per process.
 */
import type { Cell, Plan, PlanBenchmark } from "../../plan/types.js";
import { experimentTokenizer } from "../data/index.js";
import { loadChoiceFile, type ChoiceFile } from "../data/files/choices.js";
import type { Tokenizer } from "../data/tokenizers/index.js";
import type { CellData } from "../training/trainer.js";
import { encodeQuestions, type EncodedQuestion } from "./choices.js";

/** A benchmark ready to score: its questions tokenized with the experiment's tokenizer. */
export interface LoadedBenchmark {
  readonly name: string;
  readonly sha256: string;
  readonly questions: readonly EncodedQuestion[];
}

export interface BenchmarkDataOptions {
  /** What benchmark paths are relative to: the run's working directory, as for `files(...)`. */
  readonly cwd: string;
  readonly cacheDir: string;
}

export type DataProvider = (cell: Cell) => Promise<CellData>;

const keyOf = (b: PlanBenchmark) => JSON.stringify(b);

export function withBenchmarks(provider: DataProvider, plan: Plan, opts: BenchmarkDataOptions): DataProvider {
  const planned = plan.cells.flatMap((c) => c.eval.benchmarks ?? []);
  if (planned.length === 0) return provider;
  let files: Map<string, ChoiceFile> | undefined;
  let tokenizer: Promise<Tokenizer> | undefined;
  const encoded = new Map<string, LoadedBenchmark>();
  return async (cell) => {
    files ??= new Map(planned.map((b) => [keyOf(b), loadChoiceFile(b, opts.cwd)] as const));
    const data = await provider(cell);
    const wanted = cell.eval.benchmarks ?? [];
    if (wanted.length === 0) return data;
    const tok = await (tokenizer ??= data.tokenizer ? Promise.resolve(data.tokenizer) : experimentTokenizer(plan.data, { cacheDir: opts.cacheDir, cwd: opts.cwd }));
    const benchmarks = wanted.map((b) => {
      let lb = encoded.get(keyOf(b));
      if (!lb) {
        const f = files!.get(keyOf(b))!;
        encoded.set(keyOf(b), (lb = { name: b.name, sha256: f.sha256, questions: encodeQuestions(f.items, tok, b.delimiter, [data.separator]) }));
      }
      return lb;
    });
    return { ...data, benchmarks };
  };
}
