/**
 * Synthetic task sources: `synthetic.TASK(params)` to training documents, and the evaluation items
 * of `tasks SOURCE.MODE on SPLIT`. See README.md beside this file for the families, the levels and
 * the splits.
 *
 *   syntheticDocs(src)                      the source's documents (training entities and task
 *                                           types only); load.ts splits them into train and heldout
 *   taskItems(plan.data, cell.eval.tasks, n) up to n prompt/answer items per task entry
 */
import type { PlanData, PlanEval, PlanSource } from "../../../plan/types.js";
import { Rng, deriveSeed } from "../../rng.js";
import { DataError } from "../errors.js";
import { maskFromPositions, splitPosition } from "../split.js";
import type { RawDoc } from "../types.js";
import { animalWorld } from "./animals.js";
import { arithmeticGenerator } from "./arithmetic.js";
import { factWorld, factsGenerator } from "./facts.js";
import { clozeGenerator, nextSentenceGenerator, sentencesGenerator } from "./sentences.js";
import { TASK_SPLITS, numberOf, rangeOf, shuffle, type Family, type GenRequest, type Generator, type ParamValue, type SynthItem, type TaskSplit } from "./types.js";

export type { Family, Generator, Rendering, Side, SynthItem, TaskSplit } from "./types.js";
export { ENTITY_HELDOUT } from "./entities.js";

export type SyntheticSource = Extract<PlanSource, { kind: "synthetic" }>;

/** Documents per synthetic source (fewer when the task has fewer distinct items). */
export const SYNTHETIC_DOCS = 20000;

/** Animals in the world of cloze and next_sentence, which have no `entities` parameter. */
export const DEFAULT_ANIMALS = 500;

const GEN_SEED = 20240611;
const EVAL_SEED = 20240601;

/** Evaluation modes per family (the compiler's catalog lists the same). */
export const MODES: Readonly<Record<Family, readonly string[]>> = {
  sentences: ["cloze"],
  next_sentence: ["choice"],
  cloze: ["cloze"],
  facts: ["qa", "cloze"],
  arithmetic: ["answer"],
};

function isFamily(task: string): task is Family {
  return Object.hasOwn(MODES, task);
}

/** The generator of a synthetic source, from its task and parameters. */
export function generatorFor(task: string, params: Readonly<Record<string, ParamValue>>, sourceName = task): Generator {
  switch (task) {
    case "sentences":
      return sentencesGenerator(animalWorld(numberOf(params.entities, 500)), rangeOf(params.words, { min: 3, max: 8 }));
    case "cloze":
      return clozeGenerator(animalWorld(DEFAULT_ANIMALS), rangeOf(params.blanks, { min: 1, max: 1 }));
    case "next_sentence":
      return nextSentenceGenerator(animalWorld(DEFAULT_ANIMALS), numberOf(params.distractors, 3));
    case "facts":
      return factsGenerator(factWorld(numberOf(params.entities, 1000)), rangeOf(params.hops, { min: 1, max: 1 }));
    case "arithmetic":
      return arithmeticGenerator(rangeOf(params.steps, { min: 1, max: 3 }), numberOf(params.max, 100));
    default:
      throw new DataError(`unknown synthetic task "${task}" in source "${sourceName}"`, `use one of ${Object.keys(MODES).join(", ")}`);
  }
}

/** A name for (task, params): what the documents depend on. */
export function sourceKey(task: string, params: Readonly<Record<string, ParamValue>>): string {
  const ps = Object.keys(params)
    .sort()
    .map((k) => {
      const v = params[k]!;
      return `${k}:${typeof v === "number" ? v : `${v.min}..${v.max}`}`;
    });
  return `${task}(${ps.join(",")})`;
}

export interface DrawOptions {
  readonly count: number;
  /** Distinct purposes draw distinct items. */
  readonly purpose: string;
  readonly seed?: number;
}

/**
 * Up to `count` distinct items (by text), levels in turn from the lowest, so every level has about
 * the same number; a level that yields nothing new in 50 draws in a row is dropped.
 */
export function drawItems(gen: Generator, req: Omit<GenRequest, "level">, key: string, opts: DrawOptions): SynthItem[] {
  const rng = Rng.for(opts.seed ?? GEN_SEED, key, opts.purpose);
  const active: number[] = [];
  for (let l = gen.levels.min; l <= gen.levels.max; l++) active.push(l);
  const seen = new Set<string>();
  const out: SynthItem[] = [];
  while (out.length < opts.count && active.length > 0) {
    for (let i = 0; i < active.length && out.length < opts.count; ) {
      const level = active[i]!;
      let got: SynthItem | null = null;
      for (let t = 0; t < 50 && !got; t++) {
        const item = gen.make(rng, { ...req, level });
        if (item && !seen.has(item.text)) got = item;
      }
      if (got) {
        seen.add(got.text);
        out.push(got);
        i++;
      } else active.splice(i, 1);
    }
  }
  return out;
}

const pools = new Map<string, readonly SynthItem[]>();

/** The training pool of a source: training entities, training task types; memoised per process. */
export function sourceItems(task: string, params: Readonly<Record<string, ParamValue>>, count = SYNTHETIC_DOCS, sourceName = task): readonly SynthItem[] {
  const key = `${sourceKey(task, params)}#${count}`;
  let items = pools.get(key);
  if (!items) {
    const gen = generatorFor(task, params, sourceName);
    const why = gen.impossible?.({ side: "train", types: "train" });
    if (why) throw new DataError(`source "${sourceName}" (synthetic.${task}) cannot generate training examples: ${why}`, "change the task's parameters");
    items = drawItems(gen, { side: "train", types: "train" }, sourceKey(task, params), { count, purpose: "train" });
    pools.set(key, items);
  }
  return items;
}

const docLists = new Map<readonly SynthItem[], readonly RawDoc[]>();

/** The documents of a synthetic source, the same list object for the same source within a process. */
export function syntheticDocs(src: SyntheticSource): readonly RawDoc[] {
  const items = sourceItems(src.task, src.params, SYNTHETIC_DOCS, src.name);
  let docs = docLists.get(items);
  if (!docs) {
    docs = items.map((it, i) => ({ text: it.text, meta: it.meta, origin: `synthetic.${src.task}#${i}`, splitKey: it.splitKey }));
    docLists.set(items, docs);
  }
  return docs;
}

/** One evaluation item: the model reads `prompt` and should answer `answer`. */
export interface TaskItem {
  /** The record key: "facts.qa" for the heldout split, "facts.qa on heldout_entities" otherwise. */
  readonly task: string;
  readonly prompt: string;
  readonly answer: string;
  readonly level: number;
  readonly type?: string;
  readonly entities?: readonly string[];
}

export function taskKey(source: string, mode: string, split: string): string {
  return split === "heldout" ? `${source}.${mode}` : `${source}.${mode} on ${split}`;
}

/** Takes up to `count` items, levels in turn (each level's items in a seeded order). */
function stratified(items: readonly SynthItem[], count: number, key: string, seed: number): SynthItem[] {
  const byLevel = new Map<number, SynthItem[]>();
  for (const it of items) {
    let l = byLevel.get(it.level);
    if (!l) byLevel.set(it.level, (l = []));
    l.push(it);
  }
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  for (const l of levels) shuffle(Rng.for(seed, key, l), byLevel.get(l)!);
  const out: SynthItem[] = [];
  for (let i = 0; out.length < count; i++) {
    let any = false;
    for (const l of levels) {
      const it = byLevel.get(l)![i];
      if (it && out.length < count) {
        out.push(it);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

/**
 * The items of one task entry, before rendering: the random heldout split (or train split) of the
 * source's documents, exactly as load.ts splits them (same keys, same fraction), or items drawn
 * for held-out entities or the held-out task type.
 */
export function splitItems(src: SyntheticSource, split: TaskSplit, count: number, heldoutFraction: number, seed = EVAL_SEED): SynthItem[] {
  const key = `${src.name}:${sourceKey(src.task, src.params)}:${split}`;
  if (split === "heldout" || split === "train") {
    const pool = sourceItems(src.task, src.params, SYNTHETIC_DOCS, src.name);
    const mask = maskFromPositions(
      pool.map((it) => splitPosition(it.splitKey)),
      heldoutFraction,
    );
    return stratified(
      pool.filter((_, i) => mask[i] === (split === "heldout")),
      count,
      key,
      seed,
    );
  }
  const gen = generatorFor(src.task, src.params, src.name);
  const req = split === "heldout_entities" ? ({ side: "heldout", types: "train" } as const) : ({ side: "train", types: "heldout" } as const);
  const why = gen.impossible?.(req);
  if (why) throw new DataError(`\`tasks ${src.name}.* on ${split}\`: ${why}`, split === "heldout_tasks" ? "widen the task's range, or evaluate on another split" : "evaluate on another split");
  const items = drawItems(gen, req, sourceKey(src.task, src.params), { count, purpose: split, seed: deriveSeed(seed, split) });
  if (items.length === 0) throw new DataError(`\`tasks ${src.name}.* on ${split}\`: no item could be generated`, "evaluate on another split");
  return stratified(items, count, key, seed);
}

/** Renders items for a mode. */
export function renderItems(items: readonly SynthItem[], task: string, mode: string): TaskItem[] {
  return items.map((it) => {
    const r = it.renders[mode];
    if (!r) throw new DataError(`synthetic.${it.family} has no evaluation mode "${mode}"`, `use one of ${Object.keys(it.renders).join(", ")}`);
    return { task, prompt: r.prompt, answer: r.answer, level: it.level, type: it.type, entities: it.entities };
  });
}

/**
 * Every task entry of a cell's evaluation, `samples` items each (fewer if the split has fewer),
 * rendered for its mode. Depends only on the plan's data block and the entries, never on a cell's
 * seed, so every cell is measured on the same items.
 */
export function taskItems(data: PlanData, tasks: PlanEval["tasks"], samples: number): TaskItem[] {
  const out: TaskItem[] = [];
  for (const t of tasks) {
    const src = data.sources.find((s) => s.name === t.source);
    if (!src) throw new DataError(`the evaluation task "${t.source}.${t.mode}" names no source of the experiment`, "name a synthetic source of the data block");
    if (src.kind !== "synthetic") throw new DataError(`source "${t.source}" has no tasks: only synthetic sources do`, "declare a source like `synthetic.facts(hops: 1..3)`");
    if (!isFamily(src.task)) throw new DataError(`unknown synthetic task "${src.task}" in source "${src.name}"`, `use one of ${Object.keys(MODES).join(", ")}`);
    if (!MODES[src.task].includes(t.mode)) throw new DataError(`synthetic.${src.task} has no evaluation mode "${t.mode}"`, `use one of ${MODES[src.task].join(", ")}`);
    if (!(TASK_SPLITS as readonly string[]).includes(t.split)) throw new DataError(`unknown evaluation split "${t.split}"`, `use one of ${TASK_SPLITS.join(", ")}`);
    const items = splitItems(src, t.split as TaskSplit, samples, data.heldout);
    out.push(...renderItems(items, taskKey(t.source, t.mode, t.split), t.mode));
  }
  return out;
}
