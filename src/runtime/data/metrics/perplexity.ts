/**
 * `difficulty perplexity(...)`: trains the plan's reference model on the training splits of its
 * sources, then scores every example (train and heldout, every source) by its mean negative
 * log-likelihood per token in nats (the log of its perplexity). Both steps are cached on disk:
 *
 *   weights  <cacheDir>/data/reference/<key>.f32, key = hash(reference spec, its training texts,
 *            tokenizer, backend and kernels): numbers differ between backends in the last bits
 *   scores   <cacheDir>/data/perplexity/<key>.f64 per source, key = hash(sha256 of those weights,
 *            the source's texts)
 *
 * A second run with the same data reads both back and trains nothing.
 */
import { createHash } from "node:crypto";
import type { PlanPerplexity } from "../../../plan/types.js";
import type { LoadedBackend } from "../../backend.js";
import type { PoolExample } from "../../curriculum/sampler.js";
import { exampleNll } from "../../eval/nll.js";
import { Gpt } from "../../model/model.js";
import { initParams, type Params } from "../../model/params.js";
import { ReferenceDiverged, trainReference } from "../../training/reference.js";
import type { DiskCache } from "../cache.js";
import { DataError } from "../errors.js";
import { hashParts } from "../hash.js";
import { separatorOf } from "../tokenizers/index.js";
import type { Tokenizer } from "../tokenizers/types.js";

/** Bump when training or scoring changes, so old entries are no longer found. */
export const PERPLEXITY_VERSION = "1";
/** Windows per forward pass when scoring. Part of the version: batching may move the last bits. */
const SCORE_BATCH = 64;
/** Examples tokenized and scored together. */
const ENCODE_SLICE = 4096;

/** A source as the loader holds it: every document's text in load order, and which are heldout. */
export interface PerplexitySource {
  readonly name: string;
  readonly texts: readonly string[];
  readonly heldout: readonly boolean[];
  /** hashTexts(texts) */
  readonly contentHash: string;
  /** hashTexts of the training texts only */
  readonly trainHash: string;
}

export interface PerplexityContext {
  readonly cache: DiskCache;
  readonly tokenizer: Tokenizer;
  /** Asked for only when it is needed: a cache key names it. */
  readonly backend: () => Promise<LoadedBackend>;
  readonly log: (line: string) => void;
}

/** The training texts of the reference: the `on` sources' non-heldout documents, never heldout ones. */
export function referenceTexts(spec: PlanPerplexity, sources: readonly PerplexitySource[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of spec.on) {
    const s = sources.find((x) => x.name === name);
    if (!s) {
      throw new DataError(`difficulty perplexity(...) trains on source \`${name}\`, which the plan does not declare`, `name one of ${sources.map((x) => `\`${x.name}\``).join(", ")} in \`on\`, and compile the plan again`);
    }
    out.set(name, s.texts.filter((_, i) => !s.heldout[i]));
  }
  return out;
}

/** Every document's score, by source name, in load order. */
export async function perplexityScores(spec: PlanPerplexity, sources: readonly PerplexitySource[], ctx: PerplexityContext): Promise<Map<string, Float64Array>> {
  const { cache, tokenizer } = ctx;
  const backend = await ctx.backend();
  const trainedOn = hashParts(...spec.on.map((n) => `${n}:${sources.find((s) => s.name === n)?.trainHash ?? ""}`));
  const weightsKey = hashParts("reference", PERPLEXITY_VERSION, JSON.stringify(spec), trainedOn, tokenizer.id, backend.name, backend.kernels);
  let flat = cache.readFloat32("reference", weightsKey, spec.model.params_total);
  if (!flat) {
    flat = flatten(await train(spec, sources, ctx, backend));
    cache.writeFloat32("reference", weightsKey, flat);
  }
  const weightsHash = createHash("sha256").update(new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength)).digest("hex");

  const out = new Map<string, Float64Array>();
  const missing: PerplexitySource[] = [];
  const keyOf = (s: PerplexitySource) => hashParts("perplexity", PERPLEXITY_VERSION, `${SCORE_BATCH}/${ENCODE_SLICE}`, weightsHash, s.contentHash);
  for (const s of sources) {
    const hit = cache.readFloats("perplexity", keyOf(s), s.texts.length);
    if (hit) out.set(s.name, hit);
    else missing.push(s);
  }
  if (missing.length === 0) return out;

  const t0 = performance.now();
  const model = new Gpt(backend.tf, spec.model, unflatten(spec, flat));
  try {
    for (const s of missing) {
      const scores = new Float64Array(s.texts.length);
      // Tokenized a slice at a time: a large corpus as token arrays all at once would take gigabytes.
      for (let from = 0; from < s.texts.length; from += ENCODE_SLICE) {
        const tokens = s.texts.slice(from, from + ENCODE_SLICE).map((t) => tokenizer.encode(t));
        scores.set(exampleNll(model, tokens, { context: spec.model.context, separator: separatorOf(tokenizer), batch: SCORE_BATCH }), from);
      }
      cache.writeFloats("perplexity", keyOf(s), scores);
      out.set(s.name, scores);
    }
  } finally {
    model.dispose();
  }
  const n = missing.reduce((a, s) => a + s.texts.length, 0);
  ctx.log(`perplexity: scored ${n.toLocaleString("en-US")} examples of ${missing.map((s) => s.name).join(", ")} in ${seconds(t0)} s`);
  return out;
}

async function train(spec: PlanPerplexity, sources: readonly PerplexitySource[], ctx: PerplexityContext, backend: LoadedBackend): Promise<Params> {
  const texts = referenceTexts(spec, sources);
  const pools = new Map<string, PoolExample[]>();
  for (const [name, list] of texts) pools.set(name, list.map((t) => ({ tokens: ctx.tokenizer.encode(t), difficulty: 0, fields: {} })));
  if (![...pools.values()].some((p) => p.some((e) => e.tokens.length > 0))) {
    throw new DataError(`the perplexity reference model has no training text: ${spec.on.map((n) => `\`${n}\``).join(", ")} hold only heldout or empty examples`, "train it on larger sources (`on: [...]`), or lower `heldout`");
  }
  const m = spec.model;
  ctx.log(
    `perplexity: training the reference model (${m.params.toLocaleString("en-US")} parameters, ${m.layers} x ${m.width}) on ${spec.ref_tokens.toLocaleString("en-US")} tokens of ${spec.on.join(", ")}, on ${backend.name}`,
  );
  const t0 = performance.now();
  try {
    const r = await trainReference(spec, pools, separatorOf(ctx.tokenizer), backend);
    ctx.log(`perplexity: reference model trained in ${seconds(t0)} s, final loss ${r.finalLoss.toFixed(3)} nats per token`);
    return r.params;
  } catch (e) {
    if (e instanceof ReferenceDiverged) {
      throw new DataError(`the perplexity reference model diverged: ${e.message}`, "try another `seed:` in perplexity(...), or a larger `ref:`");
    }
    throw e;
  }
}

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** The weights back to back, in the model's parameter order (initParams's). */
function flatten(params: Params): Float32Array {
  let n = 0;
  for (const a of params.values()) n += a.data.length;
  const out = new Float32Array(n);
  let at = 0;
  for (const a of params.values()) {
    out.set(a.data, at);
    at += a.data.length;
  }
  return out;
}

/** The inverse of flatten: names and shapes come from the spec's own initialisation. */
function unflatten(spec: PlanPerplexity, flat: Float32Array): Params {
  const out: Params = new Map();
  let at = 0;
  for (const [name, a] of initParams(spec.model, spec.model.layers, spec.seed)) {
    out.set(name, { name, shape: a.shape, data: flat.slice(at, at + a.data.length) });
    at += a.data.length;
  }
  return out;
}
