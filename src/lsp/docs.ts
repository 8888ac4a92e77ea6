/**
 * Short documentation for hover and completion: one entry per statement keyword (per block where
 * a keyword means different things in different blocks), plus the words that appear inside
 * statements. docs/language.md is the full reference; each entry names its section there.
 */
import {
  BUILTIN_CORPORA,
  DIFFICULTY_METRICS,
  SYNTHETIC_TASKS,
} from "../compiler/catalog.js";

export interface KeywordDoc {
  /** The statement's forms, as in docs/language.md. */
  readonly forms: readonly string[];
  readonly text: string;
  /** The section of docs/language.md. */
  readonly section: string;
}

const d = (section: string, forms: string[], text: string): KeywordDoc => ({ forms, text, section });

/** Keyed by `BLOCK.keyword` (block as in catalog.ts's BLOCK_KEYWORDS) or by the bare keyword. */
export const KEYWORD_DOCS: Readonly<Record<string, KeywordDoc>> = {
  experiment: d("experiment", ["experiment NAME { STATEMENTS }"], "The one experiment of the file: data, curricula and controls, models, budget, training, growth, pruning, evaluation, the grid and the analyses."),
  "experiment.seeds": d("seeds", ["seeds N", "seeds [SEED, SEED, ...]"], "The seeds every cell is trained with: `seeds 3` is seeds 0, 1 and 2. Default `seeds [0]`."),
  "experiment.data": d("data", ["data { STATEMENTS }"], "The tokenizer, the context length, the sources, the difficulty metric and the heldout share. Required."),
  "experiment.curriculum": d("curriculum", ["curriculum NAME { STATEMENTS }", "curriculum NAME = pacing(FN, start: P%, full_at: DURATION) by METRIC", "curriculum NAME = order by METRIC [ascending | descending]"], "Which examples are trained on when: stages, a rising difficulty ceiling (`pace`), competence-based pacing, or a full sort by difficulty."),
  "experiment.control": d("control", ["control shuffled [NAME] [like CURRICULUM]", "control shuffled [NAME] { sources ... | mix ... }", "control anti [NAME] [{ sources ... | mix ... }]"], "A baseline: `shuffled` draws examples uniformly at random, `anti` orders them hardest first. Named after its kind unless given a name."),
  "experiment.models": d("models", ["models { STATEMENTS }"], "The model sizes: a `params` grid and/or hand-made `shape`s, with `heads`, `mlp` and `aspect`. Required."),
  "experiment.budget": d("budget", ["budget tokens N [tok]", "budget tokens K x params", "budget flops F [per cell]", "budget steps N [per cell]"], "The training budget of every cell, resolved per cell to whole steps. Required."),
  "experiment.train": d("train", ["train { STATEMENTS }"], "Optimizer, learning-rate schedule, batch size and gradient clipping. Defaults apply without it."),
  "experiment.grow": d("grow", ["grow { STATEMENTS }"], "Progressive growth: cells start shallow and add layers during training (`at` a point or `when` the loss plateaus)."),
  "experiment.prune": d("prune", ["prune { STATEMENTS }"], "Gradual magnitude pruning and head or layer removal during training."),
  "experiment.evaluate": d("evaluate", ["evaluate [every DURATION | at [POINT, ...]] [{ STATEMENTS }]"], "When and what to evaluate: heldout loss by grouping, synthetic tasks, samples per evaluation. Default `every 10%`."),
  "experiment.vary": d("vary", ["vary { AXIS [VALUE, ...] [where CONDITION] ... }"], "The grid: each axis sets a training setting to each of its values; cells are the product of the axes, the sizes and the seeds."),
  "experiment.analyze": d("analyze", ["analyze { STATEMENTS }"], "Analyses of the results: scaling-law fits, breaks, comparisons at equal compute, progressions."),

  "data.tokenizer": d("data", ["tokenizer bytes", "tokenizer bpe(vocab: N)", 'tokenizer pretrained("NAME")'], "How text becomes tokens. Default `bytes` (vocabulary 256)."),
  "data.context": d("data", ["context N [tok | tokens]"], "Tokens per training sequence (at least 2). Tokens per step are `batch × context`. Required."),
  "data.source": d("sources", ['source NAME = builtin("CORPUS")', 'source NAME = files("GLOB", text: "FIELD", fields: [...], unit: UNIT)', "source NAME = synthetic.TASK(PARAM: VALUE, ...)"], "A named body of examples: a builtin corpus, your files, or a synthetic task family."),
  "data.difficulty": d("difficulty-metrics", ["difficulty [=] METRIC"], "The metric that scores each example's difficulty, used by `pace`, `pacing`, `order by` and `difficulty_bucket`. Default `flesch_kincaid`."),
  "data.heldout": d("data", ["heldout P%"], "The share of every source held out for evaluation, above 0% and at most 50%. Default `2%`."),
  "data.draw": d("drawing-without-replacement", ["draw without replacement", "draw with replacement"], "How every curriculum and control draws examples: without replacement, no example is drawn twice until every eligible one has been. Default `with replacement`."),

  "curriculum.stage": d("stages", ["stage NAME [for DURATION] { mix ...; [order ORDER] }", "stage NAME for P% of SOURCE { mix ... }"], "A stage of a staged curriculum with its own mixture. Every stage but the last has a length, in training time or in data used (`for 10% of easy`); the last takes what is left."),
  "curriculum.pace": d("pace-a-rising-difficulty-ceiling", ["pace METRIC from LEVEL to LEVEL over DURATION using FN", "pace METRIC from LEVEL to LEVEL over P% of SOURCE using FN"], "A difficulty ceiling that rises over time, or until a share of a source has been used (`over 10% of easy`): examples under the ceiling are eligible. A level may be a quantile, `p99` or `99%`."),
  "curriculum.pacing": d("pacing-competence-based-pacing", ["pacing(FN, start: P%, full_at: DURATION) by METRIC [ascending | descending]"], "Competence-based pacing: the easiest share c(t) of the data is eligible, growing from `start` to all of it at `full_at`."),
  "curriculum.order": d("order-by-a-full-sort", ["order by METRIC [ascending | descending]"], "A full sort of the data by difficulty."),
  "curriculum.sources": d("curriculum", ["sources all", "sources NAME, NAME, ..."], "What a `pace`, `pacing` or `order` body draws from. Default: every source."),
  "curriculum.mix": d("mixtures-and-filters", ["mix NAME P%, NAME P%, ... [where FILTER [and FILTER]...]"], "What a `pace`, `pacing` or `order` body draws from, with weights and filters."),
  "curriculum.reweight": d("reweighting-the-mix-by-loss", ["reweight by loss(every: DURATION, rate: R, floor: P%, on: heldout | train, against: initial | none, samples: N)"], "Beside the `mix` of a `pace`, `pacing` or `order`: the mix's weights move during training towards the sources with the highest excess loss (defaults: every 10%, rate 1, floor 1%, on heldout, against initial, 64 samples). Staged curricula reweight stage by stage."),
  "stage.mix": d("mixtures-and-filters", ["mix NAME P%, NAME P%, ... [where FILTER [and FILTER]...]"], "The stage's mixture of sources; the weights add up to 100%. Filters such as `where grade <= 4` keep only some examples."),
  "stage.order": d("stages", ["order shuffled | easy_first | hard_first"], "The order of examples within the stage. Default `shuffled`."),
  "stage.reweight": d("reweighting-the-mix-by-loss", ["reweight by loss(every: DURATION, rate: R, floor: P%, on: heldout | train, against: initial | none, samples: N)"], "The stage's mixture weights move during training: every `every` (default 10%), each source's loss is measured on `samples` fixed sequences (default 64) and the weights take an exponentiated-gradient step of size `rate` (default 1) towards the sources with the highest excess loss, each keeping at least `floor` (default 1%)."),
  "control.mix": d("control", ["mix NAME P%, NAME P%, ..."], "The control's fixed mixture of sources."),
  "control.sources": d("control", ["sources all", "sources NAME, NAME, ..."], "The sources the control draws from."),

  "models.params": d("models", ["params log(MIN..MAX, COUNT)", "params [N, N, ...]", "params N"], "Target non-embedding parameter counts; the shape rule picks depth and width for each."),
  "models.shape": d("models", ["shape NAME(layers: L, width: D, heads: H, mlp: M)"], "One model declared by hand. `layers` and `width` are required."),
  "models.heads": d("models", ["heads H"], "Attention heads, for every size without its own. Default 4."),
  "models.mlp": d("models", ["mlp M"], "The MLP's hidden width as a multiple of the model width. Default 4."),
  "models.aspect": d("models", ["aspect A"], "Width per layer used by the shape rule. Default 32."),

  "train.optimizer": d("train", ["optimizer adamw(lr, betas: (0.9, 0.95), eps: 1e-8, weight_decay: 0.1)", "optimizer adam(...)", "optimizer sgd(lr, momentum: 0, weight_decay: 0)"], "The optimizer. `lr` is required. Default `adamw(lr: 1e-3)`."),
  "train.schedule": d("train", ["schedule cosine(warmup: DURATION, min_lr: P%)", "schedule linear(...)", "schedule constant(warmup: DURATION)"], "The learning-rate schedule: a warmup, then decay to `min_lr` × the peak. Default `cosine(warmup: 1%, min_lr: 10%)`."),
  "train.batch": d("train", ["batch N"], "Sequences per step. Default 16."),
  "train.clip": d("train", ["clip X", "clip off"], "The maximum global gradient norm. Default 1."),

  "grow.start": d("grow", ["start layers N", "start layers P%"], "The starting depth: a number of layers or a share of the size's depth. Required."),
  "grow.at": d("grow", ["at POINT: OPERATOR"], "Grow once at a point: `at stage middle: stack(factor: 2)`, `at 25%: insert(top, layers: 1)`, `at stage late: distil(layers: 8, span: 10%)`."),
  "grow.when": d("grow", ["when plateau(window: DURATION, min_drop: P%, not_before: POINT, times: N): OPERATOR"], "Grow when the loss plateaus: its relative drop over `window` falls below `min_drop`."),
  "grow.new_layers": d("grow", ["new_layers freeze for DURATION then train"], "Freeze new layers for a while after each growth."),
  "grow.optimizer": d("grow", ["optimizer carry", "optimizer reset"], "Whether the optimizer state of existing weights is kept or reset at a growth. Default `carry`."),
  "grow.lr": d("grow", ["lr rewarm DURATION"], "Warm the learning rate up again after each growth."),

  "prune.magnitude": d("prune", ['magnitude "PATTERN" to P% sparsity [cubic | linear | exponential] from POINT to POINT every DURATION[, global | per_layer]'], "Gradual magnitude pruning of the parameters whose names match the glob."),
  "prune.heads": d("prune", ["heads keep P% [by importance] at POINT"], "At a point, keep the given share of attention heads, ranked by importance."),
  "prune.layers": d("prune", ["layers keep P% [by importance] at POINT"], "At a point, keep the given share of layers, ranked by importance."),

  "evaluate.loss": d("evaluate", ["loss on heldout [by GROUPING[, by GROUPING]...]"], "Heldout loss, per `source` or per `difficulty_bucket(N)`. Default `loss on heldout by source`."),
  "evaluate.tasks": d("evaluate", ["tasks SOURCE.MODE[, SOURCE.MODE...] [on SPLIT]"], "Evaluate synthetic sources in one of their modes: `facts.qa`."),
  "evaluate.benchmark": d(
    "evaluate",
    ['benchmark NAME = choices("FILE.jsonl"[, context: "FIELD"][, choices: "FIELD" | ["F1", "F2", ...]][, gold: "FIELD"][, labels: "FIELD"][, delimiter: " "][, limit: N])'],
    "A multiple-choice file in lm-eval-harness's layouts, scored by each choice's log-likelihood after its context: acc, acc_norm (per character), acc_tok (per token). Defaults: `query`, `choices`, `gold`, delimiter a space.",
  ),
  "evaluate.samples": d("evaluate", ["samples N"], "Examples per source (or task) per evaluation. Default 64."),

  "vary.zip": d("zip", ["zip { AXIS [VALUES]; AXIS [VALUES]; ... }"], "Axes that advance together instead of forming a product."),
  "vary.curriculum": d("vary", ["curriculum [NAME, ...]"], "Which curricula and controls are trained. Without it, every curriculum and then every control."),
  "vary.budget": d("vary", ["budget [X, ...]", "budget log(MIN..MAX, COUNT)"], "The budget of each cell, in the unit of the `budget` statement: FLOPs under `budget flops F` (every size at each FLOP budget: an IsoFLOP design), the ratio K under `budget tokens K x params`, tokens under `budget tokens N`, whole steps under `budget steps N`."),
  "vary.lr": d("vary", ["lr [X, ...]"], "The optimizer's learning rate."),
  "vary.schedule": d("vary", ["schedule [cosine | linear | constant, ...]"], "The schedule kind."),
  "vary.batch": d("vary", ["batch [N, ...]"], "The batch size (and with it tokens per step)."),
  "vary.weight_decay": d("vary", ["weight_decay [X, ...]"], "The optimizer's weight decay."),
  "vary.warmup": d("vary", ["warmup [P%, ...]"], "The schedule's warmup."),
  "vary.clip": d("vary", ["clip [X, ...]"], "The gradient clipping norm (0 = off)."),
  "vary.grow": d("vary", ["grow [on, off]"], "Whether the `grow` block applies."),
  "vary.prune": d("vary", ["prune [on, off]"], "Whether the `prune` block applies."),

  "analyze.fit": d("analyze", ["fit power_law(Y ~ X) [by G, G, ...]", "fit chinchilla(Y ~ X + X) [by G, G, ...]"], "Fit a scaling law of loss or accuracy against params, tokens or flops, per group."),
  "analyze.breaks": d("analyze", ["breaks(Y ~ X[, max: N]) [by G, G, ...]"], "Find breaks (changes of slope) in a scaling curve."),
  "analyze.compare": d("analyze", ["compare SUBJECT vs BASELINE [at equal flops | tokens] [target LOSS]"], "Compare a curriculum with a baseline at equal compute."),
  "analyze.progression": d("analyze", ["progression(stage | curriculum ~ X)"], "How results progress over stages or curricula as size grows."),
};

/** Words that appear inside statements. */
export const TERM_DOCS: Readonly<Record<string, string>> = {
  builtin: "`builtin(\"CORPUS\")`: a corpus that ships with cgx.",
  files: '`files("GLOB", text: "FIELD", fields: [...], unit: document | sentence | line)`: your own .txt or .jsonl files.',
  synthetic: "`synthetic.TASK(PARAM: VALUE, ...)`: a generated task family.",
  bytes: "`bytes`: raw bytes, vocabulary 256.",
  bpe: "`bpe(vocab: N)`: a BPE tokenizer trained with a vocabulary of N tokens.",
  pretrained: '`pretrained("NAME")`: r50k_base, p50k_base, cl100k_base or o200k_base.',
  adamw: "`adamw(lr, betas: (0.9, 0.95), eps: 1e-8, weight_decay: 0.1)`: Adam with decoupled weight decay.",
  adam: "`adam(lr, betas: (0.9, 0.95), eps: 1e-8, weight_decay: 0)`.",
  sgd: "`sgd(lr, momentum: 0, weight_decay: 0)`.",
  cosine: "`cosine(warmup: DURATION, min_lr: P%)`: warmup, then cosine decay to `min_lr` × the peak.",
  linear: "`linear`: a linear schedule, pacing function or interpolation.",
  constant: "`constant(warmup: DURATION)`: warmup, then the peak learning rate.",
  stack: "`stack(factor: F, init: I)`: the model is stacked on itself; depth L becomes F · L.",
  insert: "`insert(top | middle | bottom, layers: N, init: I)`: depth L becomes L + N.",
  interleave: "`interleave(every: K, init: I)`: a new layer after every K.",
  distil: "`distil(layers: N | factor: F, span: D, temperature: T, weight: W)`: a fresh model of N (or F · L) layers trains for D on (1 - W) · CE + W · T² · KL to the current model's predictions, then alone.",
  plateau: "`plateau(window: DURATION, min_drop: P%, not_before: POINT, times: N)`: fires when the loss stops falling.",
  power_law: "`power_law(Y ~ X)`: fit Y = a · X^-b + c.",
  chinchilla: "`chinchilla(Y ~ X + X)`: fit the Chinchilla law in two predictors.",
  difficulty_bucket: "`difficulty_bucket(N)`: the loss per difficulty bucket (N at least 2; default 5).",
  log: "`log(MIN..MAX, COUNT)`: COUNT sizes spaced evenly on a log scale.",
  root: "`root(P)`: a pacing function rising as t^(1/P).",
  shuffled: "`shuffled`: examples in random order.",
  anti: "`anti`: examples hardest first.",
  easy_first: "`easy_first`: examples sorted easiest first.",
  hard_first: "`hard_first`: examples sorted hardest first.",
  of: "`P% of SOURCE`: a length in data used, until that share of the source's training examples have each been drawn at least once (a pace's `over`, a stage's `for`).",
  initial: "`against: initial`: a source's excess loss is its loss over its loss when the stage began (what it has not yet learnt).",
  replacement: "`draw without replacement`: no example is drawn twice until every eligible one has been.",
  tok: "`N tok`: a length in training tokens.",
  tokens: "`N tokens`: a length in training tokens.",
  steps: "`N steps`: a length in optimisation steps (batch × context tokens each).",
};

export function keywordDoc(block: string, keyword: string): KeywordDoc | undefined {
  return KEYWORD_DOCS[`${block}.${keyword}`] ?? (block === "file" ? KEYWORD_DOCS[keyword] : undefined);
}

const DOCS_URL = "docs/language.md";

/** Markdown for a keyword's hover or completion documentation. */
export function keywordMarkdown(doc: KeywordDoc): string {
  return ["```cgx", ...doc.forms, "```", "", doc.text, "", `See ${DOCS_URL}#${doc.section}.`].join("\n");
}

/** Markdown for a word used inside a statement, if it is a known term. */
export function termMarkdown(word: string, parent?: string): string | undefined {
  if (parent === "synthetic" && SYNTHETIC_TASKS[word]) return taskMarkdown(word);
  const metric = (DIFFICULTY_METRICS as Record<string, string>)[word];
  if (metric) return `**difficulty metric** \`${word}\`: ${metric}.`;
  const term = TERM_DOCS[word];
  return term;
}

export function taskMarkdown(task: string): string | undefined {
  const info = SYNTHETIC_TASKS[task];
  if (!info) return undefined;
  const params = Object.entries(info.params).map(([name, p]) => {
    const def = typeof p.default === "number" ? String(p.default) : `${p.default.min}..${p.default.max}`;
    return `- \`${name}\`${p.range ? " (range)" : ""}: ${p.description}, ${p.min} to ${p.max}, default \`${def}\``;
  });
  return [`**synthetic task** \`${task}\`: ${info.description}.`, "", ...params, "", `Modes: ${info.modes.map((m) => `\`${m}\``).join(", ")}.`].join("\n");
}

export function corpusMarkdown(corpus: string): string | undefined {
  const text = (BUILTIN_CORPORA as Record<string, string>)[corpus];
  return text === undefined ? undefined : `**builtin corpus** \`${corpus}\`: ${text}.`;
}
