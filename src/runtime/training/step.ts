/**
 * One optimisation step: the batch's mean cross-entropy, its gradients, and the optimizer's update.
 * Shared by the cell trainer and the perplexity reference model, so both train the same way.
 */
import type * as TF from "@tensorflow/tfjs";
import type { Tf } from "../backend.js";
import type { Gpt } from "../model/model.js";
import type { Optimizer } from "./optimizer.js";

export interface StepBatch {
  /** [rows, context] inputs and next-token targets, row-major. */
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
}

export interface StepOptions {
  readonly rows: number;
  readonly context: number;
  readonly lr: number;
  /** Max global gradient norm; 0: no clipping. */
  readonly clip: number;
  /** Pruning masks by parameter name (empty: none). */
  readonly masks?: ReadonlyMap<string, TF.Tensor>;
  /** Parameters left alone this step (new layers under `freeze`). */
  readonly frozen?: ReadonlySet<string>;
}

const NO_MASKS: ReadonlyMap<string, TF.Tensor> = new Map();
const NONE_FROZEN: ReadonlySet<string> = new Set();

/** Returns the loss before the update and the gradients' global norm before clipping. */
export function trainStep(tf: Tf, model: Gpt, optimizer: Optimizer, batch: StepBatch, o: StepOptions): { value: number; gradNorm: number } {
  return tf.tidy(() => {
    const x = tf.tensor2d(batch.inputs, [o.rows, o.context], "int32");
    const y = tf.tensor1d(batch.targets, "int32");
    const { value, grads } = model.grads(() => model.loss(x, y));
    const gradNorm = optimizer.apply(model.vars, grads, o.lr, o.clip, o.masks ?? NO_MASKS, o.frozen ?? NONE_FROZEN);
    return { value: value.dataSync()[0]!, gradNorm };
  });
}
