/**
 * The data layer's entry point: a plan's `data` block in, every source's train and heldout
 * examples (scored) and the tokenizer out.
 *
 *   sources  -> documents (builtin corpora cached per process; files read each call)
 *            -> heldout split (hash of the text, see split.ts)
 *            -> tokenizer (bpe trained on all sources' train splits, cached on disk)
 *            -> scores: grade, words, length, difficulty (cached on disk by content hash; for
 *               perplexity(...), after training its reference model, also cached)
 *            -> Example objects
 */
import type { PlanData, PlanMetric } from "../../plan/types.js";
import { activeBackend, type LoadedBackend } from "../backend.js";
import { DiskCache } from "./cache.js";
import { DataError } from "./errors.js";
import { hashParts, hashTexts, sha1 } from "./hash.js";
import { perplexityScores } from "./metrics/perplexity.js";
import { UnigramModel } from "./metrics/rarity.js";
import { compressionScores, lengthScores, rarityScores, readabilityScores, type ReadabilityScores } from "./metrics/scores.js";
import { sourceDocs } from "./sources.js";
import { maskFromPositions, splitPosition } from "./split.js";
import { makeTokenizer } from "./tokenizers/index.js";
import type { Tokenizer } from "./tokenizers/types.js";
import type { Example, RawDoc, SourceSplit } from "./types.js";

export interface LoadOptions {
  /** Where score arrays and trained tokenizers are cached (created if missing). */
  readonly cacheDir: string;
  /** What `files(...)` patterns are relative to. */
  readonly cwd: string;
  /** What trains the perplexity reference model; default: the backend this process trains on. */
  readonly backend?: LoadedBackend;
  /** Progress lines of the slow steps (training and scoring the perplexity reference); default: none. */
  readonly log?: (line: string) => void;
}

export interface SplitScores {
  readonly train: Float64Array;
  readonly heldout: Float64Array;
}

export interface ExperimentData {
  /** In the plan's source order. */
  readonly sources: ReadonlyMap<string, SourceSplit>;
  readonly tokenizer: Tokenizer;
  /**
   * Every example's score under any metric, aligned with `sources` (curricula may order by a
   * metric other than the experiment's difficulty). Cached on disk like `difficulty`.
   */
  score(metric: PlanMetric): ReadonlyMap<string, SplitScores>;
  /** Milliseconds per phase of this call, for benchmarks and logs. */
  readonly timings: Readonly<Record<string, number>>;
}

/** One source while loading: its documents in load order, with a heldout flag each. */
interface Loaded {
  readonly name: string;
  readonly docs: readonly RawDoc[];
  readonly texts: readonly string[];
  readonly hashes: readonly string[];
  readonly heldout: readonly boolean[];
  readonly contentHash: string;
  readonly trainHash: string;
}

/** The experiment's tokenizer alone (a bpe from the cache, or trained as a run would), without scoring anything. */
export async function experimentTokenizer(data: PlanData, opts: LoadOptions): Promise<Tokenizer> {
  return (await sourcesAndTokenizer(data, opts, new DiskCache(opts.cacheDir), (_phase, f) => f())).tokenizer;
}

/** Every source's documents with their heldout split, and the tokenizer trained on the train splits. */
async function sourcesAndTokenizer(data: PlanData, opts: LoadOptions, cache: DiskCache, time: <T>(phase: string, f: () => T) => T): Promise<{ loaded: Loaded[]; trainingHash: string; trainingTexts: () => Iterable<string>; tokenizer: Tokenizer; tokenizerMs: number }> {
  const loaded: Loaded[] = data.sources.map((src) => {
    const docs = time("load", () => sourceDocs(src, opts.cwd, cache));
    return time("split", () => {
      const { texts, positions, hashes, contentHash } = docFacts(docs);
      const heldout = maskFromPositions(positions, data.heldout);
      return { name: src.name, docs, texts, hashes, heldout, contentHash, trainHash: hashTexts(texts.filter((_, i) => !heldout[i])) };
    });
  });

  // Fail on an unusable difficulty now, before the costly steps (bpe training, scoring).
  if (data.difficulty.kind === "field") for (const s of loaded) fieldScores(s, data.difficulty.field);

  // Sorted, so listing the same sources in another order reuses the cached vocabulary.
  const trainingHash = hashParts(...loaded.map((s) => s.trainHash).sort());
  const trainingTexts = function* () {
    for (const s of loaded) for (let i = 0; i < s.texts.length; i++) if (!s.heldout[i]) yield s.texts[i]!;
  };
  const t0 = performance.now();
  const tokenizer = await makeTokenizer(data.tokenizer, { hash: trainingHash, texts: trainingTexts }, cache);
  return { loaded, trainingHash, trainingTexts, tokenizer, tokenizerMs: Math.round(performance.now() - t0) };
}

export async function loadExperimentData(data: PlanData, opts: LoadOptions): Promise<ExperimentData> {
  const timings: Record<string, number> = {};
  const time = <T>(phase: string, f: () => T): T => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      timings[phase] = (timings[phase] ?? 0) + Math.round(performance.now() - t0);
    }
  };
  const cache = new DiskCache(opts.cacheDir);
  const { loaded, trainingHash, trainingTexts, tokenizer, tokenizerMs } = await sourcesAndTokenizer(data, opts, cache, time);
  timings.tokenizer = tokenizerMs;

  const readability = new Map<string, ReadabilityScores>();
  const lengths = new Map<string, Float64Array>();
  for (const s of loaded) {
    readability.set(s.name, time("readability", () => readabilityScores(cache, s.texts, s.contentHash)));
    lengths.set(s.name, time("length", () => lengthScores(cache, s.texts, s.contentHash, tokenizer)));
  }

  // The one perplexity metric a plan can have is its difficulty (curricula name it `difficulty`).
  let perplexity: Map<string, Float64Array> | undefined;
  if (data.difficulty.kind === "perplexity") {
    const t1 = performance.now();
    perplexity = await perplexityScores(data.difficulty, loaded, {
      cache,
      tokenizer,
      backend: async () => opts.backend ?? activeBackend(),
      log: opts.log ?? (() => undefined),
    });
    timings.perplexity = Math.round(performance.now() - t1);
  }

  let unigrams: UnigramModel | undefined;
  /** Scores of every document of every source, in load order. */
  const scoreAll = (metric: PlanMetric): Map<string, Float64Array> => {
    const out = new Map<string, Float64Array>();
    for (const s of loaded) {
      const r = readability.get(s.name)!;
      switch (metric.kind) {
        case "flesch_kincaid":
          out.set(s.name, r.grade);
          break;
        case "dale_chall":
          out.set(s.name, r.daleChall);
          break;
        case "length":
          out.set(s.name, lengths.get(s.name)!);
          break;
        case "compression":
          out.set(s.name, compressionScores(cache, s.texts, s.contentHash));
          break;
        case "rarity":
          out.set(s.name, rarityScores(cache, s.texts, s.contentHash, trainingHash, () => (unigrams ??= UnigramModel.fit(trainingTexts()))));
          break;
        case "field":
          out.set(s.name, fieldScores(s, metric.field));
          break;
        case "perplexity":
          if (!perplexity || JSON.stringify(metric) !== JSON.stringify(data.difficulty)) throw perplexityElsewhere();
          out.set(s.name, perplexity.get(s.name)!);
          break;
      }
    }
    return out;
  };

  const difficulty = time("difficulty", () => scoreAll(data.difficulty));

  const sources = time("examples", () => {
    const out = new Map<string, SourceSplit>();
    for (const s of loaded) {
      const r = readability.get(s.name)!;
      const len = lengths.get(s.name)!;
      const diff = difficulty.get(s.name)!;
      const train: Example[] = [];
      const heldout: Example[] = [];
      s.docs.forEach((d, i) => {
        const e: Example = {
          id: `${s.name}:${s.hashes[i]}`,
          text: d.text,
          source: s.name,
          difficulty: diff[i]!,
          grade: r.grade[i]!,
          length: len[i]!,
          words: r.words[i]!,
          meta: d.meta,
          origin: d.origin,
        };
        (s.heldout[i] ? heldout : train).push(e);
      });
      out.set(s.name, { train, heldout });
    }
    return out;
  });

  const score = (metric: PlanMetric): ReadonlyMap<string, SplitScores> => {
    const all = scoreAll(metric);
    const out = new Map<string, SplitScores>();
    for (const s of loaded) {
      const v = all.get(s.name)!;
      const nHeld = s.heldout.filter(Boolean).length;
      const train = new Float64Array(v.length - nHeld);
      const held = new Float64Array(nHeld);
      let t = 0;
      let h = 0;
      for (let i = 0; i < v.length; i++) {
        if (s.heldout[i]) held[h++] = v[i]!;
        else train[t++] = v[i]!;
      }
      out.set(s.name, { train, heldout: held });
    }
    return out;
  };

  return { sources, tokenizer, score, timings };
}

/**
 * Texts, split positions and content hash of a document list, remembered per list: a builtin
 * corpus's list is the same object for the whole process, so a second experiment (or cell) in the
 * process does not hash its texts again.
 */
interface DocFacts {
  readonly texts: readonly string[];
  /** Each text's position for the heldout split (split.ts). */
  readonly positions: Float64Array;
  /** Each text's sha1, first 16 hex digits: the example id after the source name. */
  readonly hashes: readonly string[];
  readonly contentHash: string;
}

const factsMemo = new WeakMap<readonly RawDoc[], DocFacts>();

function docFacts(docs: readonly RawDoc[]): DocFacts {
  let f = factsMemo.get(docs);
  if (!f) {
    const texts = docs.map((d) => d.text);
    f = {
      texts,
      positions: Float64Array.from(docs, (d) => splitPosition(d.splitKey ?? d.text)),
      hashes: texts.map((t) => sha1(t).slice(0, 16)),
      contentHash: hashTexts(texts),
    };
    factsMemo.set(docs, f);
  }
  return f;
}

function perplexityElsewhere(): DataError {
  return new DataError(
    "a curriculum orders by a perplexity(...) metric that is not the experiment's difficulty",
    "set it as the data block's `difficulty perplexity(...)` and order by `difficulty`",
  );
}

/** field("x"): every document of the source must carry x (jsonl sources list it in fields: [...]). */
function fieldScores(s: Loaded, field: string): Float64Array {
  const out = new Float64Array(s.docs.length);
  s.docs.forEach((d, i) => {
    const v = d.meta[field];
    if (v === undefined) {
      throw new DataError(
        `difficulty field("${field}") needs that field on every example, but source "${s.name}" has examples without it (first: ${d.origin})`,
        `list "${field}" in the source's fields: [...] (jsonl sources), or choose another difficulty metric`,
      );
    }
    out[i] = v;
  });
  return out;
}
