/**
 * Adapts the data layer to the trainer: loads the experiment's sources once per process, tokenizes
 * every example once, and hands each cell the pools its curriculum needs, scored by the metric that
 * curriculum orders by.
 */
import type { Cell, Plan, PlanMetric } from "../../plan/types.js";
import { loadExperimentData, type ExperimentData } from "../data/index.js";
import { taskItems, type TaskItem } from "../data/synthetic/index.js";
import type { Example } from "../data/types.js";
import type { PoolExample } from "./sampler.js";
import type { CellData } from "../training/trainer.js";

export interface ProviderOptions {
  readonly cacheDir: string;
  readonly cwd: string;
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
  return async (cell: Cell) => {
    loaded ??= (async () => {
      const data = await loadExperimentData(plan.data, opts);
      const train = new Map<string, Int32Array[]>();
      const heldout = new Map<string, Int32Array[]>();
      for (const [name, split] of data.sources) {
        train.set(name, split.train.map((e) => Int32Array.from(data.tokenizer.encode(e.text))));
        heldout.set(name, split.heldout.map((e) => Int32Array.from(data.tokenizer.encode(e.text))));
      }
      const sep = data.tokenizer.encode("\n");
      return { data, train, heldout, separator: sep[0] ?? 10 };
    })();
    const t = await loaded;
    // Evaluation buckets always use the experiment's difficulty; a curriculum may order by another metric.
    const metric: PlanMetric = "metric" in cell.curriculum ? cell.curriculum.metric : plan.data.difficulty;
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
    if (cell.eval.tasks.length === 0) return cd;
    const tk = JSON.stringify([cell.eval.tasks, cell.eval.samples]);
    let items = taskMemo.get(tk);
    if (!items) taskMemo.set(tk, (items = taskItems(plan.data, cell.eval.tasks, cell.eval.samples)));
    return { ...cd, tokenizer: t.data.tokenizer, tasks: items };
  };
}
