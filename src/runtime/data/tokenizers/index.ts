/**
 * The experiment's tokenizer from the plan. A bpe vocabulary is trained on the experiment's
 * training split (every source's train examples, never heldout) and cached on disk under a hash
 * of those texts and the vocabulary size, so every cell and every later run shares it.
 */
import type { PlanTokenizer } from "../../../plan/types.js";
import type { DiskCache } from "../cache.js";
import { DataError } from "../errors.js";
import { hashParts } from "../hash.js";
import { BpeTokenizer, type Merge } from "./bpe.js";
import { trainBpe } from "./bpe-train.js";
import { bytesTokenizer } from "./bytes.js";
import { pretrainedTokenizer } from "./pretrained.js";
import type { Tokenizer } from "./types.js";

/** Bump when the trainer or pre-tokenizer changes. */
export const BPE_VERSION = "1";

export interface TrainingText {
  /** A hash of the training texts (the cache key). */
  readonly hash: string;
  readonly texts: () => Iterable<string>;
}

export async function makeTokenizer(spec: PlanTokenizer, training: TrainingText, cache: DiskCache): Promise<Tokenizer> {
  switch (spec.kind) {
    case "bytes":
      return bytesTokenizer;
    case "pretrained":
      return pretrainedTokenizer(spec.name, spec.vocab);
    case "bpe": {
      if (!Number.isInteger(spec.vocab) || spec.vocab <= 256) {
        throw new DataError(`bpe(vocab: ${spec.vocab}) leaves no room for merges`, "a byte-level BPE needs a vocabulary above 256 (its first 256 ids are the bytes); try bpe(vocab: 2048)");
      }
      const key = hashParts("bpe", BPE_VERSION, training.hash, String(spec.vocab));
      let merges = cache.readJson<Merge[]>("bpe", key);
      if (!merges) {
        merges = trainBpe(training.texts(), spec.vocab);
        cache.writeJson("bpe", key, merges);
      }
      return new BpeTokenizer(merges, spec.vocab);
    }
  }
}

export type { Tokenizer } from "./types.js";
export { BpeTokenizer } from "./bpe.js";
export { trainBpe } from "./bpe-train.js";
export { bytesTokenizer } from "./bytes.js";

/** The token placed between packed examples: the tokenizer's "\n" (the sampler separates examples with it). */
export function separatorOf(tokenizer: Tokenizer): number {
  return tokenizer.encode("\n")[0] ?? 10;
}
