/**
 * The typed AST of a .cgx experiment. Every node keeps the span of the text it came from, so the
 * checker can point at the smallest piece that is wrong. Values are still in the user's units
 * here; expand.ts resolves them per cell into the plan's tokens.
 */
import type { Span } from "./span.js";

export interface Name {
  readonly text: string;
  readonly span: Span;
}

export interface Spanned<T> {
  readonly value: T;
  readonly span: Span;
}

/** A point or length in training time, in the unit the user wrote. */
export type TimeExpr =
  | { readonly kind: "fraction"; readonly value: number; readonly span: Span } // 0..1 of the cell budget
  | { readonly kind: "tokens"; readonly value: number; readonly span: Span }
  | { readonly kind: "steps"; readonly value: number; readonly span: Span }
  | { readonly kind: "stage"; readonly stage: Name; readonly span: Span }; // the start of a stage

/** Lengths can't be stage boundaries. */
export type Duration = Exclude<TimeExpr, { kind: "stage" }>;

/**
 * A length measured in data: `10% of easy`, until that share of the source's training examples
 * have each been drawn at least once. Known only during training, so only a pace's `over` and a
 * stage's `for` take it.
 */
export interface DataUsed {
  readonly kind: "data_used";
  /** Fraction (0, 1]. */
  readonly share: number;
  readonly source: Name;
  readonly span: Span;
}

/** What a pace's `over` and a stage's `for` take: training time or data used. */
export type Length = Duration | DataUsed;

// ---------------------------------------------------------------- data

export type Tokenizer =
  | { readonly kind: "bytes"; readonly span: Span }
  | { readonly kind: "bpe"; readonly vocab: number; readonly span: Span }
  | { readonly kind: "pretrained"; readonly name: string; readonly span: Span };

export type SourceSpec =
  | { readonly kind: "builtin"; readonly corpus: Spanned<string> }
  | {
      readonly kind: "files";
      readonly glob: Spanned<string>;
      readonly format: "txt" | "jsonl";
      /** jsonl: the field holding the text. */
      readonly textField?: string;
      /** jsonl: metadata fields usable in `where` filters and `field(...)` difficulty. */
      readonly fields: readonly string[];
      /** txt: split into documents by blank lines, or into sentences. */
      readonly unit: "document" | "sentence" | "line";
    }
  | {
      readonly kind: "synthetic";
      readonly task: Spanned<string>;
      readonly params: readonly SyntheticParam[];
    };

export interface SyntheticParam {
  readonly name: Name;
  readonly value: number | string | { readonly min: number; readonly max: number };
  readonly span: Span;
}

export interface SourceDecl {
  readonly name: Name;
  readonly spec: SourceSpec;
  readonly span: Span;
}

export type DifficultyMetric =
  | { readonly kind: "flesch_kincaid" | "dale_chall" | "length" | "rarity" | "compression"; readonly span: Span }
  | {
      readonly kind: "perplexity";
      readonly refParams: Spanned<number>;
      readonly refTokens: number;
      /** The sources its reference model trains on; empty: every source. */
      readonly on: readonly Name[];
      readonly seed: number;
      readonly span: Span;
    }
  | { readonly kind: "field"; readonly field: Spanned<string>; readonly span: Span };

export interface DataSection {
  readonly tokenizer: Tokenizer;
  readonly context: Spanned<number>;
  readonly sources: readonly SourceDecl[];
  readonly difficulty: DifficultyMetric;
  /** Fraction (0..1) of every source held out for evaluation. */
  readonly heldout: Spanned<number>;
  /** `draw without replacement`; absent: with replacement (the default). */
  readonly draw?: Spanned<"without_replacement" | "with_replacement">;
  readonly span: Span;
}

// ---------------------------------------------------------------- curricula

export interface MixPart {
  readonly source: Name;
  /** Fraction 0..1. */
  readonly weight: Spanned<number>;
}

export type Comparison = "<=" | ">=" | "<" | ">" | "==" | "!=";

/** A filter on examples: `grade <= 4`. */
export interface Filter {
  readonly field: Name;
  readonly op: Comparison;
  readonly value: Spanned<number>;
  readonly span: Span;
}

export type Order = "shuffled" | "easy_first" | "hard_first";

export interface Mixture {
  readonly parts: readonly MixPart[];
  readonly filters: readonly Filter[];
  readonly span: Span;
}

export interface Stage {
  readonly name: Name;
  /** Absent only on the last stage, which takes what is left. */
  readonly duration?: Length;
  readonly mixture: Mixture;
  readonly order: Spanned<Order>;
  /** `reweight by loss(...)`: the mixture's weights move during the stage. */
  readonly reweight?: Reweight;
  readonly span: Span;
}

/**
 * `reweight by loss(every: 10%, rate: 1, floor: 1%, on: heldout, against: initial, samples: 64)`:
 * every `every`, the loss of each source of the stage's mix is measured and the sampling weights
 * take an exponentiated-gradient step towards the sources with the highest excess loss.
 */
export interface Reweight {
  readonly every: Duration;
  readonly rate: Spanned<number>;
  /** Least weight of each source, a fraction. */
  readonly floor: Spanned<number>;
  readonly on: Spanned<"heldout" | "train">;
  readonly against: Spanned<"initial" | "none">;
  readonly samples: Spanned<number>;
  readonly span: Span;
}

export type PacingFn =
  | { readonly kind: "linear"; readonly span: Span }
  | { readonly kind: "root"; readonly power: number; readonly span: Span }
  | { readonly kind: "exponential"; readonly span: Span }
  | { readonly kind: "step"; readonly steps: number; readonly span: Span }
  | { readonly kind: "competence"; readonly span: Span };

/** The difficulty ceiling: a metric value, a quantile of the data, or the extremes. */
export type Level =
  | { readonly kind: "value"; readonly value: number; readonly span: Span }
  | { readonly kind: "quantile"; readonly value: number; readonly span: Span }
  | { readonly kind: "min"; readonly span: Span }
  | { readonly kind: "max"; readonly span: Span };

/** Where a curriculum draws its examples from: named sources with weights, or all of them. */
export type SourceSelection =
  | { readonly kind: "all"; readonly span: Span }
  | { readonly kind: "mix"; readonly mixture: Mixture };

export type CurriculumBody =
  | { readonly kind: "staged"; readonly stages: readonly Stage[] }
  | {
      /** A rising difficulty ceiling: examples with difficulty under the ceiling are eligible. */
      readonly kind: "paced";
      readonly metric: Name;
      readonly from: Level;
      readonly to: Level;
      readonly over: Length;
      readonly fn: PacingFn;
      readonly sources: SourceSelection;
    }
  | {
      /** Competence-based pacing (Platanios et al. 2019): the easiest fraction c(t) of the data is eligible. */
      readonly kind: "competence";
      readonly metric: Name;
      readonly fn: PacingFn;
      readonly start: Spanned<number>;
      readonly fullAt: Duration;
      readonly descending: boolean;
      readonly sources: SourceSelection;
    }
  | {
      /** A full sort of the data by difficulty. */
      readonly kind: "ordered";
      readonly metric: Name;
      readonly descending: boolean;
      readonly sources: SourceSelection;
    };

export interface CurriculumDecl {
  readonly name: Name;
  readonly body: CurriculumBody;
  /** `reweight by loss(...)` beside the `mix` of a pace, pacing or order (stages carry their own). */
  readonly reweight?: Reweight;
  readonly span: Span;
}

export interface ControlDecl {
  readonly kind: Spanned<"shuffled" | "anti">;
  /** Its name in `vary` and reports; defaults to its kind. */
  readonly name: Name;
  /** `like NAME`: match the source totals of that curriculum. */
  readonly like?: Name;
  readonly sources?: SourceSelection;
  readonly span: Span;
}

// ---------------------------------------------------------------- models and budget

export interface ShapeDecl {
  readonly name: Name;
  readonly layers: Spanned<number>;
  readonly width: Spanned<number>;
  /** Default: the models block's `heads`. */
  readonly heads: Spanned<number>;
  /** Default: the models block's `mlp`. */
  readonly mlp: Spanned<number>;
  readonly span: Span;
}

/** `log(MIN..MAX, COUNT)`: COUNT points evenly spaced in log space, ends included. */
export interface LogGrid {
  readonly min: Spanned<number>;
  readonly max: Spanned<number>;
  readonly count: Spanned<number>;
  readonly span: Span;
}

export type SizeGrid = ({ readonly kind: "log" } & LogGrid) | { readonly kind: "list"; readonly values: readonly Spanned<number>[]; readonly span: Span };

export interface ModelsSection {
  readonly params?: SizeGrid;
  readonly shapes: readonly ShapeDecl[];
  readonly heads: Spanned<number>;
  readonly mlp: Spanned<number>;
  /** Width per layer used by the shape rule. */
  readonly aspect: Spanned<number>;
  readonly span: Span;
}

export type Budget =
  | { readonly kind: "tokens"; readonly value: number; readonly span: Span }
  | { readonly kind: "tokens_per_param"; readonly value: number; readonly span: Span }
  | { readonly kind: "flops"; readonly value: number; readonly span: Span }
  | { readonly kind: "steps"; readonly value: number; readonly span: Span };

// ---------------------------------------------------------------- training

export interface Optimizer {
  readonly kind: "adamw" | "adam" | "sgd";
  readonly lr: Spanned<number>;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly span: Span;
}

export interface Schedule {
  readonly kind: "cosine" | "linear" | "constant";
  readonly warmup: Duration;
  /** Final LR as a fraction of the peak, for cosine and linear decay. */
  readonly minLr: number;
  readonly span: Span;
}

export interface TrainSection {
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  readonly batch: Spanned<number>;
  readonly clip: Spanned<number>;
  readonly span: Span;
}

// ---------------------------------------------------------------- growth

export type Init = "copy" | "zero" | "random";
export type InsertPosition = "top" | "middle" | "bottom";

export type GrowOp =
  | { readonly kind: "stack"; readonly factor: Spanned<number>; readonly init: Init; readonly span: Span }
  | { readonly kind: "insert"; readonly position: InsertPosition; readonly layers: Spanned<number>; readonly init: Init; readonly span: Span }
  | { readonly kind: "interleave"; readonly every: Spanned<number>; readonly init: Init; readonly span: Span }
  | DistilOp;

/**
 * `distil(layers: N | factor: F, span: D, temperature: T, weight: W)`: a fresh model of the new
 * depth trains for D against the current one's predictions, then alone (docs/language.md#grow).
 */
export interface DistilOp {
  readonly kind: "distil";
  /** The student's depth: absolute (`layers: N`) or a multiple of the depth before (`factor: F`). */
  readonly depth: { readonly kind: "layers" | "factor"; readonly value: number; readonly span: Span };
  /** How long the student trains against the teacher (the `span:` argument). */
  readonly duration: Duration;
  readonly temperature: Spanned<number>;
  /** Share of the distillation term in the loss, 0..1. */
  readonly weight: Spanned<number>;
  readonly span: Span;
}

export type GrowTrigger =
  | { readonly kind: "at"; readonly when: TimeExpr; readonly span: Span }
  | {
      readonly kind: "plateau";
      readonly window: Duration;
      /** Relative drop of the windowed mean loss (0.005 for 0.5%) below which training has plateaued. */
      readonly minDrop: Spanned<number>;
      readonly notBefore?: TimeExpr;
      readonly times: Spanned<number>;
      readonly span: Span;
    };

export interface GrowEvent {
  readonly trigger: GrowTrigger;
  readonly op: GrowOp;
  readonly span: Span;
}

export interface GrowSection {
  /** Starting depth: absolute, or a fraction of the size grid's depth. */
  readonly startLayers: Spanned<{ readonly kind: "layers" | "fraction"; readonly value: number }>;
  readonly events: readonly GrowEvent[];
  readonly freeze?: Duration;
  readonly optimizer: Spanned<"carry" | "reset">;
  readonly rewarm?: Duration;
  readonly span: Span;
}

// ---------------------------------------------------------------- pruning

export type Interpolation = "cubic" | "linear" | "exponential";

export type PruneRule =
  | {
      readonly kind: "magnitude";
      readonly pattern: Spanned<string>;
      readonly sparsity: Spanned<number>; // 0..1
      readonly interpolation: Interpolation;
      readonly from: TimeExpr;
      readonly to: TimeExpr;
      readonly every: Duration;
      readonly scope: "global" | "per_layer";
      readonly span: Span;
    }
  | { readonly kind: "heads"; readonly keep: Spanned<number>; readonly at: TimeExpr; readonly span: Span }
  | { readonly kind: "layers"; readonly keep: Spanned<number>; readonly at: TimeExpr; readonly span: Span };

export interface PruneSection {
  readonly rules: readonly PruneRule[];
  readonly span: Span;
}

// ---------------------------------------------------------------- evaluation

export type EvalGrouping = { readonly kind: "source" } | { readonly kind: "difficulty_bucket"; readonly buckets: number };

export interface TaskRef {
  readonly source: Name;
  readonly mode: Name;
  readonly split: "heldout" | "heldout_entities" | "heldout_tasks" | "train";
  readonly span: Span;
}

/**
 * `benchmark NAME = choices("PATH", ...)`: a multiple-choice file scored by log-likelihood. Field
 * paths are dotted (`choices.text`); a path through a list maps over its elements.
 */
export interface BenchmarkRef {
  readonly name: Name;
  readonly path: Spanned<string>;
  readonly context: Spanned<string>;
  /** One field holding the list of choices, or one field per choice (PIQA's `sol1`, `sol2`). */
  readonly choices: { readonly kind: "list"; readonly field: Spanned<string> } | { readonly kind: "fields"; readonly fields: readonly Spanned<string>[]; readonly span: Span };
  readonly gold: Spanned<string>;
  /** A list of labels beside the choices; the gold field then holds one of them (ARC's `answerKey`). */
  readonly labels?: Spanned<string>;
  /** Put between the context and every choice. */
  readonly delimiter: Spanned<string>;
  /** Score only the first N items of the file. */
  readonly limit?: Spanned<number>;
  readonly span: Span;
}

export interface EvalSection {
  readonly every?: Duration;
  readonly at: readonly TimeExpr[];
  readonly lossBy: readonly Spanned<EvalGrouping>[];
  readonly tasks: readonly TaskRef[];
  readonly benchmarks: readonly BenchmarkRef[];
  /** Examples per source (or task) per evaluation. */
  readonly samples: Spanned<number>;
  readonly span: Span;
}

// ---------------------------------------------------------------- grid

export type AxisValue = number | string;

export interface Condition {
  readonly axis: Name;
  readonly op: "==" | "!=" | "in";
  readonly values: readonly Spanned<AxisValue>[];
  readonly span: Span;
}

/** A value on an axis; `percent` when it was written as a percentage (stored as a fraction). */
export interface AxisItem extends Spanned<AxisValue> {
  readonly percent?: true;
}

export interface Axis {
  readonly name: Name;
  /** For `budget log(...)`, the grid's values, each with the span of the `log(...)` call. */
  readonly values: readonly AxisItem[];
  /** Where the values came from a `log(...)` grid (the `budget` axis only). */
  readonly log?: LogGrid;
  readonly when: readonly Condition[];
  readonly span: Span;
}

export type AxisGroup =
  | { readonly kind: "single"; readonly axis: Axis }
  | { readonly kind: "zip"; readonly axes: readonly Axis[]; readonly span: Span };

export interface VarySection {
  readonly groups: readonly AxisGroup[];
  readonly span: Span;
}

// ---------------------------------------------------------------- analysis

export type Analysis =
  | {
      readonly kind: "fit";
      readonly law: Spanned<"power_law" | "chinchilla">;
      readonly y: Name;
      readonly xs: readonly Name[];
      readonly by: readonly Name[];
      readonly span: Span;
    }
  | { readonly kind: "breaks"; readonly y: Name; readonly x: Name; readonly max: Spanned<number>; readonly by: readonly Name[]; readonly span: Span }
  | {
      readonly kind: "compare";
      /** The axis compared along (`compare grow: on vs off`); absent means the curriculum axis. */
      readonly axis?: Name;
      readonly subject: Name;
      readonly baseline: Name;
      readonly at: Spanned<"flops" | "tokens">;
      readonly target?: Spanned<number>;
      readonly span: Span;
    }
  | { readonly kind: "progression"; readonly y: Name; readonly x: Name; readonly span: Span };

export interface AnalyzeSection {
  readonly analyses: readonly Analysis[];
  readonly span: Span;
}

// ---------------------------------------------------------------- experiment

export interface Experiment {
  readonly name: Name;
  readonly seeds: Spanned<readonly number[]>;
  readonly data: DataSection;
  readonly curricula: readonly CurriculumDecl[];
  readonly controls: readonly ControlDecl[];
  readonly models: ModelsSection;
  readonly budget: Budget;
  readonly train: TrainSection;
  readonly grow?: GrowSection;
  readonly prune?: PruneSection;
  readonly evaluate: EvalSection;
  readonly vary?: VarySection;
  readonly analyze?: AnalyzeSection;
  readonly span: Span;
}
