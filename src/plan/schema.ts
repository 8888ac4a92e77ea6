/**
 * JSON Schema (draft 2020-12 subset understood by ajv) of the run plan. Strict: unknown keys are
 * rejected, every field is required, so a plan that validates leaves nothing to defaults. The
 * optional fields, a curriculum's `draw` and an eval's `benchmarks`, are absent exactly when they
 * have their default (with replacement; no benchmark), so plans written before them stay byte for
 * byte the same.
 */

const nonNegInt = { type: "integer", minimum: 0 } as const;
const posInt = { type: "integer", minimum: 1 } as const;
const num = { type: "number" } as const;
const share = { type: "number", minimum: 0, maximum: 1 } as const;
const str = { type: "string" } as const;
const tokens = nonNegInt;

function obj(properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { type: "object", additionalProperties: false, required: Object.keys(properties), properties, ...extra };
}

const init = { enum: ["copy", "zero", "random"] };
const filter = obj({ field: str, op: { enum: ["<=", ">=", "<", ">", "==", "!="] }, value: num });
const mixPart = obj({ source: str, weight: share });
const mixture = { type: "array", items: mixPart, minItems: 1 };
const nullableMixture = { anyOf: [mixture, { type: "null" }] };
const filters = { type: "array", items: filter };

const pacingFn = {
  oneOf: [
    obj({ kind: { enum: ["linear", "exponential", "competence"] } }),
    obj({ kind: { const: "root" }, power: { type: "number", minimum: 1 } }),
    obj({ kind: { const: "step" }, steps: posInt }),
  ],
};

/** `P% of SOURCE`: a moment known only during training (PlanDataUsed). */
const dataUsed = obj({ kind: { const: "data_used" }, source: str, share: { type: "number", exclusiveMinimum: 0, maximum: 1 } });
const tokensOrDataUsed = { oneOf: [tokens, dataUsed] };
const stageStart = { oneOf: [tokens, obj({ kind: { const: "after" }, stage: str })] };
/** Optional, and only ever this value: absent is the default, drawing with replacement. */
const draw = { const: "without_replacement" };

/** Like `obj`, with `optional` properties that may be left out. */
function objWith(properties: Record<string, unknown>, optional: Record<string, unknown>) {
  return { type: "object", additionalProperties: false, required: Object.keys(properties), properties: { ...properties, ...optional } };
}

const level = { oneOf: [obj({ kind: { enum: ["value", "quantile"] }, value: num }), obj({ kind: { enum: ["min", "max"] } })] };

const modelShape = obj({
  layers: posInt,
  width: posInt,
  heads: posInt,
  mlp: posInt,
  vocab: posInt,
  context: posInt,
  params: posInt,
  params_total: posInt,
  flops_per_token: posInt,
});

const train = obj({
  optimizer: obj({
    kind: { enum: ["adamw", "adam", "sgd"] },
    lr: { type: "number", exclusiveMinimum: 0 },
    beta1: share,
    beta2: share,
    eps: { type: "number", exclusiveMinimum: 0 },
    weight_decay: { type: "number", minimum: 0 },
    momentum: share,
  }),
  schedule: obj({ kind: { enum: ["cosine", "linear", "constant"] }, warmup: tokens, min_lr: share }),
  batch: posInt,
  clip: { type: "number", minimum: 0 },
});

const metric = {
  oneOf: [
    obj({ kind: { enum: ["flesch_kincaid", "dale_chall", "length", "rarity", "compression"] } }),
    obj({
      kind: { const: "perplexity" },
      ref_params: posInt,
      ref_tokens: posInt,
      steps: posInt,
      on: { type: "array", items: str, minItems: 1 },
      seed: nonNegInt,
      model: modelShape,
      train,
    }),
    obj({ kind: { const: "field" }, field: str }),
  ],
};

const reweight = obj({
  rule: { const: "loss" },
  every: { type: "integer", minimum: 1 },
  rate: { type: "number", exclusiveMinimum: 0 },
  floor: { type: "number", minimum: 0, exclusiveMaximum: 1 },
  on: { enum: ["heldout", "train"] },
  against: { enum: ["initial", "none"] },
  samples: { type: "integer", minimum: 1, maximum: 4096 },
});

const stage = objWith(
  {
    name: str,
    start: stageStart,
    end: tokensOrDataUsed,
    mixture,
    filters,
    order: { enum: ["shuffled", "easy_first", "hard_first"] },
  },
  { reweight },
);

const curriculum = {
  oneOf: [
    objWith({ name: str, kind: { const: "staged" }, stages: { type: "array", items: stage, minItems: 1 } }, { draw }),
    objWith({ name: str, kind: { const: "paced" }, metric, from: level, to: level, start: tokens, end: tokensOrDataUsed, fn: pacingFn, mixture: nullableMixture, filters }, { draw, reweight }),
    objWith({
      name: str,
      kind: { const: "competence" },
      metric,
      fn: pacingFn,
      start_competence: share,
      full_at: tokens,
      descending: { type: "boolean" },
      mixture: nullableMixture,
      filters,
    }, { draw, reweight }),
    objWith({ name: str, kind: { const: "ordered" }, metric, descending: { type: "boolean" }, mixture: nullableMixture, filters }, { draw, reweight }),
    objWith({ name: str, kind: { enum: ["shuffled", "anti"] }, metric, mixture: nullableMixture, filters }, { draw }),
  ],
};

function distilOp(depth: { layers: unknown; factor: unknown }) {
  return obj({ kind: { const: "distil" }, ...depth, span: posInt, temperature: { type: "number", exclusiveMinimum: 0 }, weight: share });
}

const growOp = {
  oneOf: [
    obj({ kind: { const: "stack" }, factor: { type: "integer", minimum: 2 }, init }),
    obj({ kind: { const: "insert" }, position: { enum: ["top", "middle", "bottom"] }, layers: posInt, init }),
    obj({ kind: { const: "interleave" }, every: posInt, init }),
    // The student's depth is given one way: `layers` or `factor`, the other null.
    distilOp({ layers: posInt, factor: { type: "null" } }),
    distilOp({ layers: { type: "null" }, factor: { type: "integer", minimum: 2 } }),
  ],
};

const trigger = {
  oneOf: [
    obj({ kind: { const: "at" }, token: tokens }),
    obj({ kind: { const: "plateau" }, window: posInt, min_drop: share, not_before: tokens, times: posInt }),
  ],
};

const growth = {
  anyOf: [
    { type: "null" },
    obj({
      start_layers: posInt,
      final_layers: posInt,
      events: { type: "array", items: obj({ trigger, op: growOp }) },
      freeze: tokens,
      optimizer: { enum: ["carry", "reset"] },
      rewarm: tokens,
    }),
  ],
};

const pruneRule = {
  oneOf: [
    obj({
      kind: { const: "magnitude" },
      pattern: str,
      sparsity: { type: "number", minimum: 0, exclusiveMaximum: 1 },
      interpolation: { enum: ["cubic", "linear", "exponential"] },
      start: tokens,
      end: tokens,
      every: posInt,
      scope: { enum: ["global", "per_layer"] },
    }),
    obj({ kind: { enum: ["heads", "layers"] }, keep: { type: "number", exclusiveMinimum: 0, maximum: 1 }, at: tokens }),
  ],
};

const benchmark = obj({
  name: str,
  path: str,
  context: str,
  choices: { oneOf: [obj({ kind: { const: "list" }, field: str }), obj({ kind: { const: "fields" }, fields: { type: "array", items: str, minItems: 2 } })] },
  gold: str,
  labels: { type: ["string", "null"] },
  delimiter: str,
  limit: { anyOf: [posInt, { type: "null" }] },
});

/** `benchmarks` is optional: absent when the plan has none, so plans written before it keep their bytes. */
const evalSpec = objWith(
  {
    points: { type: "array", items: posInt, minItems: 1 },
    loss_by: {
      type: "array",
      items: { oneOf: [obj({ kind: { const: "source" } }), obj({ kind: { const: "difficulty_bucket" }, buckets: { type: "integer", minimum: 2 } })] },
    },
    tasks: { type: "array", items: obj({ source: str, mode: str, split: { enum: ["heldout", "heldout_entities", "heldout_tasks", "train"] } }) },
    samples: posInt,
  },
  { benchmarks: { type: "array", items: benchmark, minItems: 1 } },
);

const cell = obj({
  id: { type: "string", pattern: "^c[0-9a-f]{12}$" },
  index: nonNegInt,
  label: str,
  seed: nonNegInt,
  axes: { type: "object", additionalProperties: { type: ["string", "number"] } },
  size: str,
  model: modelShape,
  budget: obj({ tokens: posInt, steps: posInt, tokens_per_step: posInt, flops: { type: "number", exclusiveMinimum: 0 }, stop_on: { enum: ["tokens", "flops"] } }),
  curriculum,
  train,
  growth,
  pruning: { type: "array", items: pruneRule },
  eval: evalSpec,
});

const source = {
  oneOf: [
    obj({ name: str, kind: { const: "builtin" }, corpus: str }),
    obj({
      name: str,
      kind: { const: "files" },
      glob: str,
      format: { enum: ["txt", "jsonl"] },
      text_field: { type: ["string", "null"] },
      fields: { type: "array", items: str },
      unit: { enum: ["document", "sentence", "line"] },
    }),
    obj({
      name: str,
      kind: { const: "synthetic" },
      task: str,
      params: { type: "object", additionalProperties: { anyOf: [num, obj({ min: num, max: num })] } },
    }),
  ],
};

const tokenizer = {
  oneOf: [
    obj({ kind: { const: "bytes" }, vocab: { const: 256 } }),
    obj({ kind: { const: "bpe" }, vocab: posInt }),
    obj({ kind: { const: "pretrained" }, name: str, vocab: posInt }),
  ],
};

const analysis = {
  oneOf: [
    obj({ kind: { const: "fit" }, law: { enum: ["power_law", "chinchilla"] }, y: str, xs: { type: "array", items: str, minItems: 1 }, by: { type: "array", items: str } }),
    obj({ kind: { const: "breaks" }, y: str, x: str, max: nonNegInt, by: { type: "array", items: str } }),
    obj({ kind: { const: "compare" }, axis: str, subjects: { type: "array", items: str }, baseline: str, at: { enum: ["flops", "tokens"] }, target: { type: ["number", "null"] } }),
    obj({ kind: { const: "progression" }, y: str, x: str }),
  ],
};

const position = { line: posInt, col: posInt };
const positions = obj({
  mixes: {
    type: "array",
    items: obj({
      curriculum: str,
      stage: { type: ["string", "null"] },
      sources: { type: "array", items: obj({ source: str, ...position }) },
      where: { anyOf: [obj(position), { type: "null" }] },
    }),
  },
});

export const PLAN_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://cgx.dev/schema/plan-v1.json",
  title: "cgx run plan",
  ...obj({
    format: { const: "cgx-plan" },
    version: { const: 1 },
    experiment: str,
    source_hash: { type: "string", pattern: "^[0-9a-f]{64}$" },
    compiler_version: str,
    data: obj({ tokenizer, context: { type: "integer", minimum: 2 }, heldout: share, difficulty: metric, sources: { type: "array", items: source } }),
    seeds: { type: "array", items: nonNegInt, minItems: 1 },
    cells: { type: "array", items: cell },
    analyses: { type: "array", items: analysis },
    totals: obj({ cells: nonNegInt, tokens: nonNegInt, flops: num }),
    positions,
  }),
} as const;

