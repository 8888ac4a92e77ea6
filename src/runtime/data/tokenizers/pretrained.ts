/**
 * Pretrained vocabularies from gpt-tokenizer (pure JS, ranks bundled in the package, no network):
 * r50k_base (GPT-2/3), p50k_base, cl100k_base (GPT-3.5/4), o200k_base (GPT-4o). Each is imported
 * only when an experiment names it (cl100k's ranks alone are ~1 MB of JS to parse).
 *
 * Text that looks like a special token ("<|endoftext|>") is encoded as ordinary text: the corpora
 * are data, not prompts, and the library would otherwise throw on it.
 *
 * vocabSize is the plan's (max id + 1, e.g. 100277 for cl100k_base), which is what the embedding
 * table needs; gpt-tokenizer's `vocabularySize` counts tokens instead (100264), since the special
 * tokens' ids have gaps.
 */
import { DataError } from "../errors.js";
import type { Tokenizer } from "./types.js";

interface Encoding {
  encode(text: string, opts?: { disallowedSpecial?: Set<string> }): number[];
  decode(ids: Iterable<number>): string;
}

const LOADERS: Readonly<Record<string, () => Promise<Encoding>>> = {
  r50k_base: () => import("gpt-tokenizer/encoding/r50k_base"),
  p50k_base: () => import("gpt-tokenizer/encoding/p50k_base"),
  cl100k_base: () => import("gpt-tokenizer/encoding/cl100k_base"),
  o200k_base: () => import("gpt-tokenizer/encoding/o200k_base"),
};

export const PRETRAINED_NAMES: readonly string[] = Object.keys(LOADERS);

export async function pretrainedTokenizer(name: string, vocabSize: number): Promise<Tokenizer> {
  const load = LOADERS[name];
  if (!load) throw new DataError(`unknown pretrained tokenizer "${name}"`, `use one of ${PRETRAINED_NAMES.join(", ")}`);
  const enc = await load();
  const asText = { disallowedSpecial: new Set<string>() };
  return {
    kind: "pretrained",
    id: `pretrained:${name}`,
    vocabSize,
    encode: (text) => enc.encode(text, asText),
    decode: (ids) => enc.decode(ids),
    count: (text) => enc.encode(text, asText).length,
  };
}
