/**
 * The run plan: the only thing the runtime reads. Every cell is fully resolved: all times are in
 * tokens (and whole steps), every default is filled in, and nothing refers back to the source.
 * The JSON Schema in schema.ts describes exactly these types; keep the two in step.
 */

/** A count of training tokens. Branded so a step count cannot be passed where tokens are meant. */
export type Tokens = number & { readonly __unit?: "tokens" };

export const PLAN_FORMAT = "cgx-plan";
export const PLAN_VERSION = 1;

export interface Plan {
  readonly format: typeof PLAN_FORMAT;
  readonly version: typeof PLAN_VERSION;
  readonly experiment: string;
  /** sha256 of the source text, hex. */
  readonly source_hash: string;
  readonly compiler_version: string;
  readonly data: PlanData;
  readonly seeds: readonly number[];
  readonly cells: readonly Cell[];
  readonly analyses: readonly PlanAnalysis[];
  readonly totals: { readonly cells: number; readonly tokens: number; readonly flops: number };
  readonly positions: PlanPositions;
}

/** A 1-based line and column in the .cgx source. */
export interface PlanPosition {
  readonly line: number;
  readonly col: number;
}

/**
 * Where parts of the experiment are written in the .cgx, so errors found at run time (a filter that
 * leaves a source of a mix empty) can point at the source. Kept out of `data` and `cells`, which
 * name runs and cells: adding a comment line moves positions but must not retrain anything.
 */
export interface PlanPositions {
  readonly mixes: readonly PlanMixPosition[];
}

/** One mix of a curriculum or control: where each of its sources and its `where` filter are written. */
export interface PlanMixPosition {
  /** The curriculum's (or control's) name, as on the curriculum axis. */
  readonly curriculum: string;
  /** The stage of a staged curriculum; null for the other kinds and for controls. */
  readonly stage: string | null;
  readonly sources: readonly (PlanPosition & { readonly source: string })[];
  /** The `where` clause's first filter; null without one. */
  readonly where: PlanPosition | null;
}

export type PlanTokenizer =
  | { readonly kind: "bytes"; readonly vocab: number }
  | { readonly kind: "bpe"; readonly vocab: number }
  | { readonly kind: "pretrained"; readonly name: string; readonly vocab: number };

export type PlanSource =
  | { readonly name: string; readonly kind: "builtin"; readonly corpus: string }
  | {
      readonly name: string;
      readonly kind: "files";
      readonly glob: string;
      readonly format: "txt" | "jsonl";
      readonly text_field: string | null;
      readonly fields: readonly string[];
      readonly unit: "document" | "sentence" | "line";
    }
  | { readonly name: string; readonly kind: "synthetic"; readonly task: string; readonly params: Readonly<Record<string, number | { readonly min: number; readonly max: number }>> };

export type PlanMetric =
  | { readonly kind: "flesch_kincaid" | "dale_chall" | "length" | "rarity" | "compression" }
  | PlanPerplexity
  | { readonly kind: "field"; readonly field: string };

/**
 * `perplexity(...)`: every example's mean negative log-likelihood per token (nats) under a small
 * reference model that cgx trains first. Everything about that model is resolved here, so the
 * runtime trains exactly what the plan says.
 */
export interface PlanPerplexity {
  readonly kind: "perplexity";
  /** The size asked for (`ref:`), in non-embedding parameters; `model.params` is what it resolved to. */
  readonly ref_params: number;
  /** Training tokens: `steps` whole steps of `train.batch x model.context`. */
  readonly ref_tokens: Tokens;
  readonly steps: number;
  /** The sources whose training splits it trains on, in declaration order (never heldout text). */
  readonly on: readonly string[];
  readonly seed: number;
  readonly model: ModelShape;
  readonly train: PlanTrain;
}

export interface PlanData {
  readonly tokenizer: PlanTokenizer;
  readonly context: number;
  readonly heldout: number;
  readonly difficulty: PlanMetric;
  readonly sources: readonly PlanSource[];
}

export interface ModelShape {
  readonly layers: number;
  readonly width: number;
  readonly heads: number;
  /** MLP hidden width as a multiple of `width`. */
  readonly mlp: number;
  readonly vocab: number;
  readonly context: number;
  /** Non-embedding parameters (the Kaplan convention), including final LayerNorm. */
  readonly params: number;
  /** All parameters, with the tied token embedding and the learned positions. */
  readonly params_total: number;
  /** Training FLOPs per token: 3 x forward (2 x non-embedding params + attention + unembedding). */
  readonly flops_per_token: number;
}

export interface PlanFilter {
  readonly field: string;
  readonly op: "<=" | ">=" | "<" | ">" | "==" | "!=";
  readonly value: number;
}

export interface PlanMixPart {
  readonly source: string;
  readonly weight: number;
}

/**
 * A moment known only during training: once `share` (0..1] of source `source`'s training examples
 * have each been drawn at least once since the span it ends began (a stage's start, or the start
 * of training for a pace). Written `10% of easy` in the .cgx.
 */
export interface PlanDataUsed {
  readonly kind: "data_used";
  readonly source: string;
  readonly share: number;
}

/** Where a stage starts when the stage before it ends on data used: at that stage's realised end. */
export interface PlanAfterStage {
  readonly kind: "after";
  readonly stage: string;
}

/** How examples are drawn: absent means with replacement (every draw from the whole eligible pool). */
export type PlanDraw = "without_replacement";

export interface PlanStage {
  readonly name: string;
  readonly start: Tokens | PlanAfterStage;
  readonly end: Tokens | PlanDataUsed;
  readonly mixture: readonly PlanMixPart[];
  readonly filters: readonly PlanFilter[];
  readonly order: "shuffled" | "easy_first" | "hard_first";
  /** Present when the stage's mixture weights move during training (absent: fixed weights). */
  readonly reweight?: PlanReweight;
}

/**
 * `reweight by loss(...)`: every `every` tokens of the stage (from its first step) the loss of each
 * source of its mix is measured on `samples` fixed sequences of the `on` split, and the sampling
 * weights take an exponentiated-gradient step of size `rate` on each source's excess loss (its loss
 * over its loss at the stage's first step for `initial`, the loss itself for `none`), mixed with a
 * `floor` share for every source. See src/runtime/curriculum/reweight.ts and docs/runtime.md.
 */
export interface PlanReweight {
  readonly rule: "loss";
  readonly every: Tokens;
  readonly rate: number;
  readonly floor: number;
  readonly on: "heldout" | "train";
  readonly against: "initial" | "none";
  readonly samples: number;
}

export type PlanPacingFn =
  | { readonly kind: "linear" | "exponential" | "competence" }
  | { readonly kind: "root"; readonly power: number }
  | { readonly kind: "step"; readonly steps: number };

export type PlanLevel =
  | { readonly kind: "value"; readonly value: number }
  | { readonly kind: "quantile"; readonly value: number }
  | { readonly kind: "min" }
  | { readonly kind: "max" };

/**
 * Every curriculum and control may carry `draw` (from `draw without replacement` in `data`); it is
 * absent for the default, with replacement, so plans that do not use it are unchanged.
 */
export type PlanCurriculum = PlanCurriculumBody & { readonly draw?: PlanDraw };

export type PlanCurriculumBody =
  | { readonly name: string; readonly kind: "staged"; readonly stages: readonly PlanStage[] }
  | {
      readonly name: string;
      readonly kind: "paced";
      readonly metric: PlanMetric;
      readonly from: PlanLevel;
      readonly to: PlanLevel;
      readonly start: Tokens;
      /** Where the ceiling reaches `to`: a token count, or once some share of a source has been used. */
      readonly end: Tokens | PlanDataUsed;
      readonly fn: PlanPacingFn;
      readonly mixture: readonly PlanMixPart[] | null;
      readonly filters: readonly PlanFilter[];
      /** `reweight by loss(...)` beside the mix: its weights move during training (absent: fixed). */
      readonly reweight?: PlanReweight;
    }
  | {
      readonly name: string;
      readonly kind: "competence";
      readonly metric: PlanMetric;
      readonly fn: PlanPacingFn;
      readonly start_competence: number;
      readonly full_at: Tokens;
      readonly descending: boolean;
      readonly mixture: readonly PlanMixPart[] | null;
      readonly filters: readonly PlanFilter[];
      /** `reweight by loss(...)` beside the mix: its weights move during training (absent: fixed). */
      readonly reweight?: PlanReweight;
    }
  | {
      readonly name: string;
      readonly kind: "ordered";
      readonly metric: PlanMetric;
      readonly descending: boolean;
      readonly mixture: readonly PlanMixPart[] | null;
      readonly filters: readonly PlanFilter[];
      /** `reweight by loss(...)` beside the mix: its weights move during training (absent: fixed). */
      readonly reweight?: PlanReweight;
    }
  | {
      /** Controls: `shuffled` draws the mixture uniformly at random; `anti` orders hardest first. */
      readonly name: string;
      readonly kind: "shuffled" | "anti";
      readonly metric: PlanMetric;
      /** null: every source, in proportion to its size. */
      readonly mixture: readonly PlanMixPart[] | null;
      readonly filters: readonly PlanFilter[];
    };

export interface PlanTrain {
  readonly optimizer: {
    readonly kind: "adamw" | "adam" | "sgd";
    readonly lr: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly eps: number;
    readonly weight_decay: number;
    readonly momentum: number;
  };
  readonly schedule: { readonly kind: "cosine" | "linear" | "constant"; readonly warmup: Tokens; readonly min_lr: number };
  /** Sequences per step; tokens per step = batch x context. */
  readonly batch: number;
  /** Max global gradient norm; 0 means no clipping. */
  readonly clip: number;
}

export type PlanGrowOp =
  | { readonly kind: "stack"; readonly factor: number; readonly init: "copy" | "zero" | "random" }
  | { readonly kind: "insert"; readonly position: "top" | "middle" | "bottom"; readonly layers: number; readonly init: "copy" | "zero" | "random" }
  | { readonly kind: "interleave"; readonly every: number; readonly init: "copy" | "zero" | "random" }
  | PlanDistilOp;

/** The operators that reshape the current model's weights (all but `distil`, which starts a new one). */
export type PlanLayerOp = Exclude<PlanGrowOp, PlanDistilOp>;

/**
 * Growth by distillation: a freshly initialised student of the new depth replaces the model, and
 * for `span` tokens trains on (1 - weight)·CE(data) + weight·T²·KL(softmax(teacher/T) ‖ softmax(student/T)),
 * the teacher being the model as it was; then the teacher is dropped.
 */
export interface PlanDistilOp {
  readonly kind: "distil";
  /** The student's depth; null when it is `factor` × the depth before. Exactly one of the two is set. */
  readonly layers: number | null;
  readonly factor: number | null;
  /** Tokens (whole steps, at least one) the student trains against the teacher. */
  readonly span: Tokens;
  /** T, above 0. */
  readonly temperature: number;
  /** Share of the distillation term, 0..1. */
  readonly weight: number;
}

export type PlanTrigger =
  | { readonly kind: "at"; readonly token: Tokens }
  | { readonly kind: "plateau"; readonly window: Tokens; readonly min_drop: number; readonly not_before: Tokens; readonly times: number };

export interface PlanGrowth {
  readonly start_layers: number;
  /**
   * Depth once every event has fired (plateau events `times` times), applying the operators in the
   * order of `events`; equals `model.layers`. It comes from `start_layers` and the operators, not
   * from the size grid: the size sets only the width and heads of a growing cell.
   */
  readonly final_layers: number;
  /** In the order they fire: by token, a plateau event at its `not_before`; ties in source order. */
  readonly events: readonly { readonly trigger: PlanTrigger; readonly op: PlanGrowOp }[];
  readonly freeze: Tokens;
  readonly optimizer: "carry" | "reset";
  readonly rewarm: Tokens;
}

export type PlanPruneRule =
  | {
      readonly kind: "magnitude";
      readonly pattern: string;
      readonly sparsity: number;
      readonly interpolation: "cubic" | "linear" | "exponential";
      readonly start: Tokens;
      readonly end: Tokens;
      readonly every: Tokens;
      readonly scope: "global" | "per_layer";
    }
  | { readonly kind: "heads" | "layers"; readonly keep: number; readonly at: Tokens };

export interface PlanEval {
  /** Token counts at which to evaluate, ascending; always ends with the budget. */
  readonly points: readonly Tokens[];
  readonly loss_by: readonly ({ readonly kind: "source" } | { readonly kind: "difficulty_bucket"; readonly buckets: number })[];
  readonly tasks: readonly { readonly source: string; readonly mode: string; readonly split: string }[];
  readonly samples: number;
  /** Multiple-choice files scored by log-likelihood; absent when there are none (older plans keep their bytes). */
  readonly benchmarks?: readonly PlanBenchmark[];
}

/**
 * `benchmark NAME = choices(...)`, every default filled in. Field paths are dotted; a path through a
 * list maps over its elements. The file is read by the runtime (relative to the run's working
 * directory, like `files(...)`), which records its sha256 in every eval record.
 */
export interface PlanBenchmark {
  readonly name: string;
  readonly path: string;
  readonly context: string;
  /** One field listing the choices, or one field per choice. */
  readonly choices: { readonly kind: "list"; readonly field: string } | { readonly kind: "fields"; readonly fields: readonly string[] };
  /** An index into the choices (a whole number, or a string of digits), or, with `labels`, one of the labels. */
  readonly gold: string;
  readonly labels: string | null;
  readonly delimiter: string;
  /** Score only the first N items; null: all. */
  readonly limit: number | null;
}

export interface Cell {
  /** Stable: a hash of everything below but `index` and `label`. */
  readonly id: string;
  readonly index: number;
  readonly label: string;
  readonly seed: number;
  /** The grid coordinates of this cell, for grouping in analysis. */
  readonly axes: Readonly<Record<string, string | number>>;
  readonly size: string;
  readonly model: ModelShape;
  readonly budget: { readonly tokens: Tokens; readonly steps: number; readonly tokens_per_step: number; readonly flops: number; readonly stop_on: "tokens" | "flops" };
  readonly curriculum: PlanCurriculum;
  readonly train: PlanTrain;
  readonly growth: PlanGrowth | null;
  readonly pruning: readonly PlanPruneRule[];
  readonly eval: PlanEval;
}

export type PlanAnalysis =
  | { readonly kind: "fit"; readonly law: "power_law" | "chinchilla"; readonly y: string; readonly xs: readonly string[]; readonly by: readonly string[] }
  | { readonly kind: "breaks"; readonly y: string; readonly x: string; readonly max: number; readonly by: readonly string[] }
  | {
      readonly kind: "compare";
      /** The grid axis compared along: "curriculum", or e.g. "grow" for grown against from-scratch. */
      readonly axis: string;
      /** Values of that axis (as strings) compared with the baseline value. */
      readonly subjects: readonly string[];
      readonly baseline: string;
      readonly at: "flops" | "tokens";
      readonly target: number | null;
    }
  | { readonly kind: "progression"; readonly y: string; readonly x: string };
