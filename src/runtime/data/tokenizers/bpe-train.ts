/**
 * A byte-level BPE trainer (no npm package trains BPE offline in pure JS: HuggingFace's trainer is
 * native, and gpt-tokenizer and tiktoken only encode). Classic algorithm, over distinct chunks:
 *   1. cut the texts into pre-token chunks and count each distinct chunk;
 *   2. repeatedly merge the most frequent adjacent pair of ids, counting each pair once per
 *      occurrence times the chunk's count; ties go to the smaller (left id, right id), so the
 *      merges are a pure function of the chunk counts: the same whatever the order of the texts;
 *   3. stop at vocabSize - 256 merges, or when no pair occurs twice.
 * Pair counts are updated incrementally (only chunks containing the merged pair are revisited),
 * and the best pair comes from a max-heap with lazy deletion of stale entries.
 */
import { pairKey, type Merge } from "./bpe.js";
import { chunks } from "./pretokenize.js";

const encoder = new TextEncoder();
const PAIR_BASE = 2097152;

/** Max-heap on (count desc, key asc), stored in two parallel arrays. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  private above(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { count: number; key: number } | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const top = { count: this.counts[0]!, key: this.keys[0]! };
    this.swap(0, n - 1);
    this.counts.pop();
    this.keys.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n - 1 && this.above(l, best)) best = l;
      if (r < n - 1 && this.above(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }
}

/** Distinct pre-token chunks of the texts with their counts. */
export function countChunks(texts: Iterable<string>): Map<string, number> {
  const freq = new Map<string, number>();
  for (const t of texts) for (const c of chunks(t)) freq.set(c, (freq.get(c) ?? 0) + 1);
  return freq;
}

function mergeIds(ids: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(id);
      i++;
    } else out.push(ids[i]!);
  }
  return out;
}

export function trainBpe(texts: Iterable<string>, vocabSize: number): Merge[] {
  if (!Number.isInteger(vocabSize) || vocabSize < 256 || vocabSize >= PAIR_BASE) throw new RangeError(`bpe: vocabulary ${vocabSize} is not in 256..${PAIR_BASE - 1}`);
  const words: number[][] = [];
  const counts: number[] = [];
  for (const [chunk, n] of countChunks(texts)) {
    const ids = Array.from(encoder.encode(chunk));
    if (ids.length < 2) continue; // a one-byte chunk has no pair to merge
    words.push(ids);
    counts.push(n);
  }

  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  words.forEach((ids, w) => {
    for (let i = 0; i + 1 < ids.length; i++) {
      const k = pairKey(ids[i]!, ids[i + 1]!);
      pairCount.set(k, (pairCount.get(k) ?? 0) + counts[w]!);
      let s = where.get(k);
      if (!s) where.set(k, (s = new Set()));
      s.add(w);
    }
  });
  const heap = new PairHeap();
  for (const [k, c] of pairCount) heap.push(c, k);

  const merges: Merge[] = [];
  while (256 + merges.length < vocabSize) {
    let top = heap.pop();
    while (top && pairCount.get(top.key) !== top.count) top = heap.pop(); // stale entry
    if (!top || top.count < 2) break;
    const a = Math.floor(top.key / PAIR_BASE);
    const b = top.key % PAIR_BASE;
    const id = 256 + merges.length;
    merges.push([a, b]);

    const delta = new Map<number, number>();
    const bump = (k: number, d: number) => delta.set(k, (delta.get(k) ?? 0) + d);
    for (const w of where.get(top.key) ?? []) {
      const ids = words[w]!;
      const n = counts[w]!;
      const merged = mergeIds(ids, a, b, id);
      if (merged.length === ids.length) continue; // stale: the pair left this chunk in an earlier merge
      for (let i = 0; i + 1 < ids.length; i++) bump(pairKey(ids[i]!, ids[i + 1]!), -n);
      for (let i = 0; i + 1 < merged.length; i++) {
        const k = pairKey(merged[i]!, merged[i + 1]!);
        bump(k, n);
        let s = where.get(k);
        if (!s) where.set(k, (s = new Set()));
        s.add(w);
      }
      words[w] = merged;
    }
    where.delete(top.key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const c = (pairCount.get(k) ?? 0) + d;
      if (c <= 0) pairCount.delete(k);
      else {
        pairCount.set(k, c);
        heap.push(c, k);
      }
    }
  }
  return merges;
}
