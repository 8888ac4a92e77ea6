/**
 * One optimisation step: the batch's mean cross-entropy (mixed with the KL to a teacher during a
 * distillation span), its gradients, and the optimizer's update.
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
  /** During a distillation span: the teacher (never updated) and the mix of the two losses. */
  readonly distil?: StepDistillation;
}

const NO_MASKS: ReadonlyMap<string, TF.Tensor> = new Map();
const NONE_FROZEN: ReadonlySet<string> = new Set();

export interface StepDistillation {
  readonly teacher: Gpt;
  readonly temperature: number;
  readonly weight: number;
}

export interface StepResult {
  /** The data's cross-entropy before the update (what `loss` means in every train record). */
  readonly value: number;
  /** The gradients' global norm before clipping. */
  readonly gradNorm: number;
  /** During a distillation: the KL(teacher ‖ student) at the temperature, and the objective trained on. */
  readonly distil?: { readonly kl: number; readonly objective: number };
}

export function trainStep(tf: Tf, model: Gpt, optimizer: Optimizer, batch: StepBatch, o: StepOptions): StepResult {
  return tf.tidy(() => {
    const x = tf.tensor2d(batch.inputs, [o.rows, o.context], "int32");
    const y = tf.tensor1d(batch.targets, "int32");
    const d = o.distil;
    if (!d) {
      const { value, grads } = model.grads(() => model.loss(x, y));
      const gradNorm = optimizer.apply(model.vars, grads, o.lr, o.clip, o.masks ?? NO_MASKS, o.frozen ?? NONE_FROZEN);
      return { value: value.dataSync()[0]!, gradNorm };
    }
    // The teacher's forward pass runs before the tape starts, so nothing of it is differentiated.
    const teacherLogits = d.teacher.logits(x);
    let parts: TF.Tensor1D | undefined;
    const { value, grads } = model.grads(() => {
      const r = model.distilLoss(x, y, teacherLogits, d.temperature, d.weight);
      parts = r.parts;
      return r.objective;
    });
    const gradNorm = optimizer.apply(model.vars, grads, o.lr, o.clip, o.masks ?? NO_MASKS, o.frozen ?? NONE_FROZEN);
    const [ce, kl] = parts!.dataSync();
    parts!.dispose();
    return { value: ce!, gradNorm, distil: { kl: kl!, objective: value.dataSync()[0]! } };
  });
}
