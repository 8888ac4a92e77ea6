/**
 * Adapts the data layer to the trainer: loads the experiment's sources once per process, tokenizes
 * every example once, checks every mix against the data (before any cell trains), and hands each
 * cell the pools its curriculum needs, scored by the metric that curriculum orders by.
 */
import type { Cell, Plan, PlanMetric } from "../../plan/types.js";
import type { LoadedBackend } from "../backend.js";
import { loadExperimentData, type ExperimentData } from "../data/index.js";
import { taskItems, type TaskItem } from "../data/synthetic/index.js";
import { separatorOf } from "../data/tokenizers/index.js";
import type { Example } from "../data/types.js";
import { checkMixes } from "./mixcheck.js";
import type { PoolExample } from "./sampler.js";
import type { CellData } from "../training/trainer.js";

export interface ProviderOptions {
  readonly cacheDir: string;
  readonly cwd: string;
  /** What trains the perplexity reference model; default: the backend this process trains on. */
  readonly backend?: LoadedBackend;
  /**
   * Progress lines of slow data steps (the perplexity reference model). Default: standard error,
   * so a run that trains a reference model for a minute says so.
   */
  readonly log?: (line: string) => void;
}

interface Tokenized {
  readonly data: ExperimentData;
  readonly train: Map<string, Int32Array[]>;
  readonly heldout: Map<string, Int32Array[]>;
  readonly separator: number;
}

function pools(examples: Map<string, readonly Example[]>, tokens: Map<string, Int32Array[]>, scores?: ReadonlyMap<string, Float64Array>): Map<string, PoolExample[]> {
  const out = new Map<string, PoolExample[]>();
  for (const [name, list] of examples) {
    const toks = tokens.get(name)!;
    const s = scores?.get(name);
    out.set(
      name,
      list.map((e, i) => ({ tokens: toks[i]!, difficulty: s ? s[i]! : e.difficulty, fields: { ...e.meta, grade: e.grade, length: e.length, words: e.words } })),
    );
  }
  return out;
}

export function experimentDataProvider(plan: Plan, opts: ProviderOptions): (cell: Cell) => Promise<CellData> {
  let loaded: Promise<Tokenized> | undefined;
  const byMetric = new Map<string, CellData>();
  const taskMemo = new Map<string, TaskItem[]>();
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  /** Train and heldout pools with train examples scored by `metric` (evaluation buckets keep the experiment's difficulty). */
  const poolsFor = (t: Tokenized, metric: PlanMetric): CellData => {
    const key = JSON.stringify(metric);
    let cd = byMetric.get(key);
    if (!cd) {
      const trainEx = new Map([...t.data.sources].map(([n, s]) => [n, s.train] as const));
      const heldEx = new Map([...t.data.sources].map(([n, s]) => [n, s.heldout] as const));
      const same = key === JSON.stringify(plan.data.difficulty);
      const scores = same ? undefined : new Map([...t.data.score(metric)].map(([n, s]) => [n, s.train] as const));
      cd = { train: pools(trainEx, t.train, scores), heldout: pools(heldEx, t.heldout), separator: t.separator };
      byMetric.set(key, cd);
    }
    return cd;
  };
  return async (cell: Cell) => {
    loaded ??= (async () => {
      const data = await loadExperimentData(plan.data, { cacheDir: opts.cacheDir, cwd: opts.cwd, log, ...(opts.backend ? { backend: opts.backend } : {}) });
      const train = new Map<string, Int32Array[]>();
      const heldout = new Map<string, Int32Array[]>();
      const tk = data.tokenizer;
      const ids = tk.encodeInt32 ? (text: string) => tk.encodeInt32!(text) : (text: string) => Int32Array.from(tk.encode(text));
      for (const [name, split] of data.sources) {
        train.set(name, split.train.map((e) => ids(e.text)));
        heldout.set(name, split.heldout.map((e) => ids(e.text)));
      }
      const t: Tokenized = { data, train, heldout, separator: separatorOf(data.tokenizer) };
      checkMixes(plan, (metric) => poolsFor(t, metric).train);
      return t;
    })();
    const t = await loaded;
    const metric: PlanMetric = "metric" in cell.curriculum ? cell.curriculum.metric : plan.data.difficulty;
    const cd = poolsFor(t, metric);
    // The tokenizer goes with every cell's data: benchmarks (eval/benchmark-data.ts) encode with it too.
    if (cell.eval.tasks.length === 0) return { ...cd, tokenizer: t.data.tokenizer };
    const tk = JSON.stringify([cell.eval.tasks, cell.eval.samples]);
    let items = taskMemo.get(tk);
    if (!items) taskMemo.set(tk, (items = taskItems(plan.data, cell.eval.tasks, cell.eval.samples)));
    return { ...cd, tokenizer: t.data.tokenizer, tasks: items };
  };
}
