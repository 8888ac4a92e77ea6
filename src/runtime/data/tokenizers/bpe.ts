/**
 * A byte-level BPE tokenizer from an ordered list of merges. Ids 0-255 are bytes; merge i makes id
 * 256 + i from two earlier ids. Encoding applies, within each pre-token chunk, the lowest-ranked
 * merge present until none applies (as GPT-2 does), so it reproduces the training merges exactly.
 */
import { hashParts } from "../hash.js";
import { chunks } from "./pretokenize.js";
import type { Tokenizer } from "./types.js";

export type Merge = readonly [number, number];

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Pair key: ids stay below 2^21, so a * 2^21 + b is exact in a double. */
export const pairKey = (a: number, b: number): number => a * 2097152 + b;

export class BpeTokenizer implements Tokenizer {
  readonly kind = "bpe" as const;
  readonly id: string;
  readonly vocabSize: number;
  private readonly ranks = new Map<number, number>();
  private readonly bytesOf: Uint8Array[] = [];
  private readonly memo = new Map<string, readonly number[]>();

  /** `vocabSize` is the plan's; it may exceed 256 + merges when the training text ran out of pairs. */
  constructor(readonly merges: readonly Merge[], vocabSize: number) {
    if (256 + merges.length > vocabSize) throw new Error(`bpe: ${merges.length} merges do not fit a vocabulary of ${vocabSize}`);
    this.vocabSize = vocabSize;
    this.id = `bpe:${vocabSize}:${hashParts(...merges.map(([a, b]) => `${a},${b}`)).slice(0, 16)}`;
    for (let i = 0; i < 256; i++) this.bytesOf.push(Uint8Array.of(i));
    merges.forEach(([a, b], i) => {
      this.ranks.set(pairKey(a, b), i);
      const x = this.bytesOf[a]!;
      const y = this.bytesOf[b]!;
      const both = new Uint8Array(x.length + y.length);
      both.set(x);
      both.set(y, x.length);
      this.bytesOf.push(both);
    });
  }

  private encodeChunk(chunk: string): readonly number[] {
    const hit = this.memo.get(chunk);
    if (hit) return hit;
    let ids = Array.from(encoder.encode(chunk));
    while (ids.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(pairKey(ids[i]!, ids[i + 1]!));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const [a, b] = this.merges[bestRank]!;
      const next: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
          next.push(256 + bestRank);
          i++;
        } else next.push(ids[i]!);
      }
      ids = next;
    }
    // Bound the memo: long-tail chunks (numbers, names) would otherwise grow it without limit.
    if (this.memo.size < 500_000) this.memo.set(chunk, ids);
    return ids;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    for (const c of chunks(text)) for (const id of this.encodeChunk(c)) out.push(id);
    return out;
  }

  count(text: string): number {
    let n = 0;
    for (const c of chunks(text)) n += this.encodeChunk(c).length;
    return n;
  }

  decode(ids: readonly number[]): string {
    let len = 0;
    for (const id of ids) len += this.bytesOf[id]?.length ?? 0;
    const buf = new Uint8Array(len);
    let at = 0;
    for (const id of ids) {
      const b = this.bytesOf[id];
      if (!b) throw new RangeError(`bpe: token id ${id} is not in the vocabulary (${this.bytesOf.length} ids)`);
      buf.set(b, at);
      at += b.length;
    }
    return decoder.decode(buf);
  }
}
