/**
 * Per-source score arrays, computed once and cached on disk. Each array lines up with a source's
 * documents (in load order), and its cache key hashes everything the scores depend on: the texts
 * (their content hash), the algorithm version, and for `length` the tokenizer, for `rarity` the
 * unigram model's training texts. A second run over the same data reads the arrays back.
 */
import type { DiskCache } from "../cache.js";
import { hashParts } from "../hash.js";
import type { Tokenizer } from "../tokenizers/types.js";
import { compressionRatio } from "./compression.js";
import type { UnigramModel } from "./rarity.js";
import { readability } from "./readability.js";

/** Bump when a scoring rule changes, so old cache entries are no longer found. */
export const SCORES_VERSION = "1";

export interface ReadabilityScores {
  readonly grade: Float64Array;
  readonly words: Float64Array;
  readonly daleChall: Float64Array;
}

/** Reads `kind` from the cache, or computes it with `f` per text and stores it. */
function cachedPerText(cache: DiskCache, kind: string, key: string, texts: readonly string[], width: number, f: (text: string, out: Float64Array, at: number) => void): Float64Array {
  const hit = cache.readFloats(kind, key, texts.length * width);
  if (hit) return hit;
  const out = new Float64Array(texts.length * width);
  texts.forEach((t, i) => f(t, out, i * width));
  cache.writeFloats(kind, key, out);
  return out;
}

/** Grade, words and Dale-Chall share of every text. `contentHash` is hashTexts(texts). */
export function readabilityScores(cache: DiskCache, texts: readonly string[], contentHash: string): ReadabilityScores {
  const flat = cachedPerText(cache, "readability", hashParts("readability", SCORES_VERSION, contentHash), texts, 3, (t, out, at) => {
    const r = readability(t);
    out[at] = r.grade;
    out[at + 1] = r.words;
    out[at + 2] = r.daleChall;
  });
  const n = texts.length;
  const grade = new Float64Array(n);
  const words = new Float64Array(n);
  const daleChall = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    grade[i] = flat[3 * i]!;
    words[i] = flat[3 * i + 1]!;
    daleChall[i] = flat[3 * i + 2]!;
  }
  return { grade, words, daleChall };
}

export function compressionScores(cache: DiskCache, texts: readonly string[], contentHash: string): Float64Array {
  return cachedPerText(cache, "compression", hashParts("compression", SCORES_VERSION, contentHash), texts, 1, (t, out, at) => {
    out[at] = compressionRatio(t);
  });
}

/** Length in tokens under the experiment's tokenizer. */
export function lengthScores(cache: DiskCache, texts: readonly string[], contentHash: string, tokenizer: Tokenizer): Float64Array {
  return cachedPerText(cache, "length", hashParts("length", SCORES_VERSION, contentHash, tokenizer.id), texts, 1, (t, out, at) => {
    out[at] = tokenizer.count(t);
  });
}

/** `model()` is only called on a cache miss: fitting it reads every training text. */
export function rarityScores(cache: DiskCache, texts: readonly string[], contentHash: string, modelHash: string, model: () => UnigramModel): Float64Array {
  const key = hashParts("rarity", SCORES_VERSION, contentHash, modelHash);
  const hit = cache.readFloats("rarity", key, texts.length);
  if (hit) return hit;
  const m = model();
  return cachedPerText(cache, "rarity", key, texts, 1, (t, out, at) => {
    out[at] = m.rarity(t);
  });
}
