/**
 * Each example's mean negative log-likelihood per token (nats) under a model: what
 * `difficulty perplexity(...)` scores. An example is read as in training, after the separator that
 * precedes it in a packed batch, in consecutive windows of the model's context; each window sees
 * only its own tokens, so text past the first window is scored with less than a full context.
 * Windows of many examples share a forward pass; a short last window is padded, and causal
 * attention keeps the padding from touching the positions that count.
 */
import type * as TF from "@tensorflow/tfjs";
import type { Gpt } from "../model/model.js";

export interface NllOptions {
  readonly context: number;
  readonly separator: number;
  /** Windows per forward pass. */
  readonly batch: number;
}

/** One entry per example; an example without tokens scores 0. */
export function exampleNll(model: Gpt, examples: readonly ArrayLike<number>[], o: NllOptions): Float64Array {
  const tf = model.tf;
  const T = o.context;
  const sums = new Float64Array(examples.length);
  const counts = new Float64Array(examples.length);
  const inputs = new Int32Array(o.batch * T);
  const targets = new Int32Array(o.batch * T);
  /** The example and the number of scored positions of each row of the pending batch. */
  const owner: number[] = [];
  const valid: number[] = [];
  const flush = () => {
    const rows = owner.length;
    if (rows === 0) return;
    const losses = tf.tidy(() =>
      model.tokenLosses(tf.tensor2d(inputs.subarray(0, rows * T), [rows, T], "int32") as TF.Tensor2D, tf.tensor1d(targets.subarray(0, rows * T), "int32") as TF.Tensor1D).dataSync(),
    );
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let q = 0; q < valid[r]!; q++) s += losses[r * T + q]!;
      const e = owner[r]!;
      sums[e] = sums[e]! + s;
      counts[e] = counts[e]! + valid[r]!;
    }
    owner.length = 0;
    valid.length = 0;
  };
  examples.forEach((ex, e) => {
    // Position -1 is the separator; window k predicts tokens k*T .. k*T+T-1 from the ones before.
    const at = (i: number) => (i < 0 ? o.separator : ex[i]!);
    for (let start = 0; start < ex.length; start += T) {
      const row = owner.length;
      const n = Math.min(T, ex.length - start);
      for (let q = 0; q < T; q++) {
        inputs[row * T + q] = q < n ? at(start + q - 1) : o.separator;
        targets[row * T + q] = q < n ? ex[start + q]! : o.separator;
      }
      owner.push(e);
      valid.push(n);
      if (owner.length === o.batch) flush();
    }
  });
  flush();
  return Float64Array.from(sums, (s, i) => (counts[i]! > 0 ? s / counts[i]! : 0));
}
