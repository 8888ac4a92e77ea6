/** The benchmark models and one AdamW training step on a fixed random batch, shared by bench:train and bench:profile. */
import { shapeOf } from "../src/compiler/shapes.js";
import type { LoadedBackend } from "../src/runtime/backend.js";
import { Gpt } from "../src/runtime/model/model.js";
import { initParams } from "../src/runtime/model/params.js";
import { Rng } from "../src/runtime/rng.js";
import { Optimizer } from "../src/runtime/training/optimizer.js";

export interface BenchModel {
  readonly label: string;
  readonly vocab: number;
  readonly context: number;
  readonly batch: number;
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly mlp: number;
}

export const BENCH_MODELS = {
  /** The reference model of the design notes: the shape PyTorch was first measured on. */
  reference: { label: "reference (d 128, 2 layers, context 64, batch 16)", vocab: 256, context: 64, batch: 16, width: 128, layers: 2, heads: 4, mlp: 4 },
  /** A larger model, where matmuls dominate even more. */
  large: { label: "large (d 256, 4 layers, context 128, batch 16)", vocab: 256, context: 128, batch: 16, width: 256, layers: 4, heads: 4, mlp: 4 },
} as const satisfies Record<string, BenchModel>;

export function makeStep(b: LoadedBackend, c: BenchModel) {
  const { tf } = b;
  const shape = shapeOf(c.layers, c.width, c.heads, c.mlp, c.vocab, c.context);
  const model = new Gpt(tf, shape, initParams(shape, c.layers, 1));
  const opt = new Optimizer(tf, { kind: "adamw", lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, momentum: 0 });
  const rng = new Rng(7);
  const N = c.batch * c.context;
  const ids = Array.from({ length: N + 1 }, () => rng.int(c.vocab));
  const x = tf.tensor2d(ids.slice(0, N), [c.batch, c.context], "int32");
  const y = tf.tensor1d(ids.slice(1, N + 1), "int32");
  return {
    shape,
    tokensPerStep: N,
    step: (): number =>
      tf.tidy(() => {
        const { value, grads } = model.grads(() => model.loss(x, y));
        opt.apply(model.vars, grads, 1e-3, 1, new Map(), new Set());
        return value.dataSync()[0]!;
      }),
    dispose: () => {
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    },
  };
}
