/**
 * The plan's `data` section: sources with every parameter filled in, the tokenizer's vocabulary,
 * and the difficulty metric, including the fully resolved reference model of `perplexity(...)`;
 * and the multiple-choice files of `evaluate` (`benchmark NAME = choices(...)`).
 */
import type { BenchmarkRef, DifficultyMetric, Experiment } from "./ast.js";
import { SYNTHETIC_TASKS } from "./catalog.js";
import { PRETRAINED_VOCAB, shapeForParams } from "./shapes.js";
import type { PlanBenchmark, PlanData, PlanMetric, PlanPerplexity, PlanTokenizer, Tokens } from "../plan/types.js";

/**
 * The reference model's settings that the `.cgx` does not write (docs/language.md#difficulty-metrics).
 * Chosen so a reference of 20k-50k parameters trains on a few hundred thousand tokens in seconds on
 * one CPU core and still ranks plain text below hard text; they belong to the data, not to the
 * `models` or `train` blocks, so changing how the experiment's models train keeps the scores.
 */
export const REFERENCE = {
  heads: 2,
  mlp: 4,
  /** Width per layer in the shape rule, as `aspect` in `models`. */
  aspect: 32,
  /** The reference reads at most this many tokens at a time: attention cost grows with the context. */
  maxContext: 64,
  batch: 16,
  lr: 3e-3,
  /** Warmup as a share of its steps, then cosine decay to `minLr` of the peak. */
  warmup: 0.05,
  minLr: 0.1,
  clip: 1,
} as const;

export function planData(exp: Experiment): PlanData {
  const d = exp.data;
  const tokenizer: PlanTokenizer =
    d.tokenizer.kind === "bytes"
      ? { kind: "bytes", vocab: 256 }
      : d.tokenizer.kind === "bpe"
        ? { kind: "bpe", vocab: d.tokenizer.vocab }
        : { kind: "pretrained", name: d.tokenizer.name, vocab: PRETRAINED_VOCAB[d.tokenizer.name]! };
  const sources = d.sources.map((s) => {
    const spec = s.spec;
    switch (spec.kind) {
      case "builtin":
        return { name: s.name.text, kind: "builtin" as const, corpus: spec.corpus.value };
      case "files":
        return { name: s.name.text, kind: "files" as const, glob: spec.glob.value, format: spec.format, text_field: spec.textField ?? null, fields: [...spec.fields], unit: spec.unit };
      case "synthetic": {
        // Every parameter of the task, written or defaulted, sorted by name: the plan leaves nothing to defaults.
        const written = new Map(spec.params.map((p) => [p.name.text, typeof p.value === "string" ? Number(p.value) : p.value]));
        const info = SYNTHETIC_TASKS[spec.task.value]!;
        const params: Record<string, number | { min: number; max: number }> = {};
        for (const name of Object.keys(info.params).sort()) {
          const v = written.get(name) ?? info.params[name]!.default;
          params[name] = typeof v === "number" ? v : { min: v.min, max: v.max };
        }
        return { name: s.name.text, kind: "synthetic" as const, task: spec.task.value, params };
      }
    }
  });
  const difficulty = planMetric(d.difficulty, { vocab: tokenizer.vocab, context: d.context.value, sources: sources.map((s) => s.name) });
  return { tokenizer, context: d.context.value, heldout: d.heldout.value, difficulty, sources };
}

interface DataFacts {
  readonly vocab: number;
  readonly context: number;
  /** Every source's name, in declaration order. */
  readonly sources: readonly string[];
}

function planMetric(m: DifficultyMetric, data: DataFacts): PlanMetric {
  switch (m.kind) {
    case "perplexity":
      return reference(m, data);
    case "field":
      return { kind: "field", field: m.field.value };
    default:
      return { kind: m.kind };
  }
}

function reference(m: Extract<DifficultyMetric, { kind: "perplexity" }>, data: DataFacts): PlanPerplexity {
  const context = Math.min(data.context, REFERENCE.maxContext);
  // `ref` is at least 1000 (the reader's bound), which always has a shape with 2 heads.
  const model = shapeForParams(m.refParams.value, REFERENCE.heads, REFERENCE.mlp, REFERENCE.aspect, data.vocab, context)!;
  const tps = REFERENCE.batch * context;
  const steps = Math.max(1, Math.round(m.refTokens / tps));
  const named = new Set(m.on.map((n) => n.text));
  return {
    kind: "perplexity",
    ref_params: m.refParams.value,
    ref_tokens: (steps * tps) as Tokens,
    steps,
    // Declaration order whatever order `on` lists them in: the same sources train the same model.
    on: named.size ? data.sources.filter((s) => named.has(s)) : [...data.sources],
    seed: m.seed,
    model,
    train: {
      optimizer: { kind: "adamw", lr: REFERENCE.lr, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, momentum: 0 },
      schedule: { kind: "cosine", warmup: (Math.round(REFERENCE.warmup * steps) * tps) as Tokens, min_lr: REFERENCE.minLr },
      batch: REFERENCE.batch,
      clip: REFERENCE.clip,
    },
  };
}

/** A `benchmark` of `evaluate`, every default filled in. */
export function planBenchmark(b: BenchmarkRef): PlanBenchmark {
  return {
    name: b.name.text,
    path: b.path.value,
    context: b.context.value,
    choices: b.choices.kind === "list" ? { kind: "list", field: b.choices.field.value } : { kind: "fields", fields: b.choices.fields.map((f) => f.value) },
    gold: b.gold.value,
    labels: b.labels?.value ?? null,
    delimiter: b.delimiter.value,
    limit: b.limit?.value ?? null,
  };
}
