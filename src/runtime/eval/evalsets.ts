/**
 * Fixed evaluation sequences from the heldout split: per source, and per difficulty bucket across
 * sources. They depend only on the data and the plan's eval settings (never on a cell's seed), so
 * every cell of an experiment is measured on exactly the same tokens.
 */
import { Rng } from "../rng.js";
import type { PoolExample } from "../curriculum/sampler.js";

export interface EvalSet {
  readonly label: string;
  /** Sequences of context + 1 tokens. */
  readonly sequences: readonly Int32Array[];
  /** Difficulty range of the examples in the set (buckets), for reports. */
  readonly lo: number;
  readonly hi: number;
}

const EVAL_SEED = 20240601;

/** Packs examples drawn (seeded by `key`) into `count` sequences of `length` tokens. */
export function packSequences(examples: readonly PoolExample[], count: number, length: number, separator: number, key: string): Int32Array[] {
  const usable = examples.filter((e) => e.tokens.length > 0);
  if (usable.length === 0) return [];
  const rng = Rng.for(EVAL_SEED, key);
  const out: Int32Array[] = [];
  for (let s = 0; s < count; s++) {
    const seq = new Int32Array(length);
    let filled = 0;
    while (filled < length) {
      const ex = usable[rng.int(usable.length)]!;
      const take = Math.min(length - filled, ex.tokens.length);
      const from = filled === 0 && ex.tokens.length > take ? rng.int(ex.tokens.length - take + 1) : 0;
      for (let i = 0; i < take; i++) seq[filled + i] = ex.tokens[from + i]!;
      filled += take;
      if (filled < length) seq[filled++] = separator;
    }
    out.push(seq);
  }
  return out;
}

export function sourceSets(heldout: ReadonlyMap<string, readonly PoolExample[]>, count: number, context: number, separator: number): EvalSet[] {
  return [...heldout.keys()].sort().map((name) => {
    const ex = heldout.get(name)!;
    // A loop, not Math.min(...): a source can hold more examples than the stack has frames.
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of ex) {
      if (e.difficulty < lo) lo = e.difficulty;
      if (e.difficulty > hi) hi = e.difficulty;
    }
    return { label: name, sequences: packSequences(ex, count, context + 1, separator, `source:${name}`), lo, hi };
  });
}

/** Equal-count difficulty buckets over all heldout examples. */
export function bucketSets(heldout: ReadonlyMap<string, readonly PoolExample[]>, buckets: number, count: number, context: number, separator: number): EvalSet[] {
  const all = [...heldout.keys()].sort().flatMap((k) => heldout.get(k)!).filter((e) => e.tokens.length > 0);
  all.sort((a, b) => a.difficulty - b.difficulty);
  const out: EvalSet[] = [];
  for (let b = 0; b < buckets; b++) {
    const part = all.slice(Math.floor((b * all.length) / buckets), Math.floor(((b + 1) * all.length) / buckets));
    if (part.length === 0) continue;
    out.push({
      label: `q${b + 1}`,
      sequences: packSequences(part, count, context + 1, separator, `bucket:${buckets}:${b}`),
      lo: part[0]!.difficulty,
      hi: part[part.length - 1]!.difficulty,
    });
  }
  return out;
}
