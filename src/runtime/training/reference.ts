/**
 * Trains the reference model of `difficulty perplexity(...)`: a fresh model of the plan's shape, on
 * shuffled batches of the given training texts, with the plan's optimizer and schedule, through the
 * same sampler and training step as a cell. No run directory, checkpoints or evaluation: the caller
 * caches the weights it returns.
 */
import type { PlanPerplexity } from "../../plan/types.js";
import type { LoadedBackend } from "../backend.js";
import { CurriculumSampler, type PoolExample } from "../curriculum/sampler.js";
import { Gpt } from "../model/model.js";
import { initParams, type Params } from "../model/params.js";
import { Optimizer } from "./optimizer.js";
import { lrAt, scheduleFor } from "./schedule.js";
import { trainStep } from "./step.js";

export class ReferenceDiverged extends Error {}

/** How often the loop gives the event loop a turn, as the cell trainer does (signals, IPC, locks). */
const YIELD_EVERY_MS = 100;

export interface ReferenceTraining {
  readonly params: Params;
  /** Mean loss over the last tenth of the steps, for the log line. */
  readonly finalLoss: number;
}

/**
 * `texts` are tokenized training examples by source name; `separator` is placed between packed
 * examples, as in cell training. Deterministic under `spec.seed` on one backend.
 */
export async function trainReference(spec: PlanPerplexity, texts: ReadonlyMap<string, readonly PoolExample[]>, separator: number, backend: LoadedBackend): Promise<ReferenceTraining> {
  const tf = backend.tf;
  const T = spec.model.context;
  const B = spec.train.batch;
  const tps = B * T;
  // A plain shuffled draw over every given source, each in proportion to its number of examples.
  const sampler = new CurriculumSampler({ name: "perplexity reference", kind: "shuffled", metric: { kind: "length" }, mixture: null, filters: [] }, texts, {
    context: T,
    batch: B,
    seed: spec.seed,
    separator,
    budget: spec.ref_tokens,
  });
  const model = new Gpt(tf, spec.model, initParams(spec.model, spec.model.layers, spec.seed));
  const optimizer = new Optimizer(tf, spec.train.optimizer);
  const schedule = scheduleFor(spec.train, spec.steps, tps);
  const tail = Math.max(1, Math.floor(spec.steps / 10));
  let tailSum = 0;
  let lastYield = performance.now();
  try {
    for (let step = 0; step < spec.steps; step++) {
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
      const { value } = trainStep(tf, model, optimizer, sampler.batch(step), { rows: B, context: T, lr: lrAt(schedule, step), clip: spec.train.clip });
      if (!Number.isFinite(value)) throw new ReferenceDiverged(`the loss is ${value} at step ${step + 1} of ${spec.steps}`);
      if (step >= spec.steps - tail) tailSum += value;
    }
    return { params: model.toArrays(), finalLoss: tailSum / tail };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}
