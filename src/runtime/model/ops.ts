/**
 * Differentiable ops with hand-written gradients. Two formulations of the same maths, picked by
 * the kernels underneath (`OpStyle`):
 *
 * - transposed matmuls fast (OpenBLAS on wasm, libtensorflow): gradients are plain matmuls with
 *   transpose flags, which the GEMM reads in place.
 * - transposed matmuls slow (the wasm backend's own kernels, cpu): every heavy matmul is 2-D and
 *   untransposed (XNNPACK runs those 10-50x faster than transposed or batched ones), transposing
 *   the smaller operand explicitly first.
 *
 * Either way, row sums are matmuls with a row of ones (a sum over axis 0 transposes first on
 * wasm), and the embedding gradient is a scatter-add in plain JS where the backend has no fast
 * kernel for gather's gradient. Gradients equal an independent PyTorch implementation to ~1e-6
 * relative on every path (test/runtime/reference.test.ts).
 */
import type * as TF from "@tensorflow/tfjs";
import type { Tf } from "../backend.js";
import { ATTENTION, ATTENTION_GRAD } from "./kernels/attention.js";
import { CROSS_ENTROPY, DISTILLATION, EMBED, EMBED_GRAD, GELU_ARG, GELU_GRAD, LAYER_NORM, LAYER_NORM_GRAD } from "./kernels/fused.js";
import { wasmBlasActive } from "./kernels/wasm-blas.js";

export interface OpStyle {
  /** Scatter-add the embedding gradient in JS (wasm has no kernel for it; faster on cpu). */
  readonly jsEmbeddingGrad: boolean;
  /** The backend's matmul reads transposed operands at full speed. */
  readonly transposedMatmuls: boolean;
  /**
   * cgx's own wasm kernels (registered with the OpenBLAS ones): attention reading qkv in place
   * (kernels/attention.ts), and LayerNorm, GELU, cross-entropy and the embedding each forward and
   * backward in one pass (kernels/fused.ts), instead of a dozen tfjs ops each.
   */
  readonly fusedKernels: boolean;
}

/** The formulation that is fastest on the backend (and kernels) this tfjs instance runs now. */
export function opStyleFor(tf: Tf): OpStyle {
  const name = tf.getBackend();
  const js = name === "wasm" || name === "cpu";
  const blas = name === "wasm" && wasmBlasActive(tf);
  return { jsEmbeddingGrad: js, transposedMatmuls: !js || blas, fusedKernels: blas };
}

export interface Ops {
  /** x·w + b for x [N,K], w [K,D], b [D]. */
  linear(x: TF.Tensor2D, w: TF.Tensor2D, b: TF.Tensor1D): TF.Tensor2D;
  /** h·Eᵀ for the tied unembedding, h [N,C], E [V,C]. */
  tiedLogits(h: TF.Tensor2D, e: TF.Tensor2D): TF.Tensor2D;
  /** LayerNorm over the last axis of [N,C], eps 1e-5, biased variance. */
  layerNorm(x: TF.Tensor2D, g: TF.Tensor1D, b: TF.Tensor1D): TF.Tensor2D;
  /** Mean cross-entropy of logits [N,V] against integer targets [N]. */
  crossEntropy(logits: TF.Tensor2D, targets: TF.Tensor1D): TF.Scalar;
  /**
   * The distillation objective of student logits [N,V] against a teacher's [N,V] (a constant: no
   * gradient flows to it) and the data's targets [N]: (1 - weight)·CE + weight·T²·KL(teacher/T ‖ student/T),
   * means over the rows (kernels/fused.ts has the maths). `parts` holds [CE, KL] for the metrics:
   * kept out of any tidy, so the caller disposes it; no gradient flows through it.
   */
  distillation(logits: TF.Tensor2D, teacher: TF.Tensor2D, targets: TF.Tensor1D, temperature: number, weight: number): { objective: TF.Scalar; parts: TF.Tensor1D };
  /** Token embedding rows plus learned positions: ids [B,T] -> [B*T, C]. */
  embed(ids: TF.Tensor2D, tokens: TF.Tensor2D, positions: TF.Tensor2D): TF.Tensor2D;
  /**
   * Causal self-attention of the fused projections qkv [B*T, 3d] (columns [q | k | v], heads
   * contiguous within each) to [B*T, d], before the output projection. Needs `fusedKernels`.
   */
  causalAttention(qkv: TF.Tensor2D, batch: number, time: number, heads: number): TF.Tensor2D;
  /** Releases the constants the ops keep across steps (rows of ones). */
  dispose(): void;
  /** GELU, tanh approximation, written as x·sigmoid(2·sqrt(2/π)(x + 0.044715x³)) (no Pow, no Tanh). */
  gelu(x: TF.Tensor2D): TF.Tensor2D;
}

type Save = (tensors: TF.Tensor[]) => void;
type GradResult = { value: TF.Tensor; gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => TF.Tensor[] };

export function makeOps(tf: Tf, style: OpStyle): Ops {
  const { jsEmbeddingGrad, transposedMatmuls } = style;
  // tfjs types customGrad's arguments as a union of tensors and the save function; this wrapper
  // gives each op a precise signature instead.
  const custom = <A extends TF.Tensor[]>(fn: (...args: [...A, Save]) => GradResult) =>
    tf.customGrad(fn as unknown as Parameters<Tf["customGrad"]>[0]) as unknown as (...args: A) => TF.Tensor;
  const ones = new Map<number, TF.Tensor2D>();
  const onesRow = (n: number): TF.Tensor2D => {
    let t = ones.get(n);
    if (!t || t.isDisposed) {
      t = tf.keep(tf.ones([1, n])) as TF.Tensor2D;
      ones.set(n, t);
    }
    return t;
  };
  const colSum = (dy: TF.Tensor2D): TF.Tensor1D => tf.reshape(tf.matMul(onesRow(dy.shape[0]), dy), [dy.shape[1]]);
  /** xᵀ·dy; without fast transposed matmuls, transposing whichever operand is smaller first. */
  const dW = (x: TF.Tensor2D, dy: TF.Tensor2D): TF.Tensor2D => {
    if (transposedMatmuls) return tf.matMul(x, dy, true, false);
    const [N, K] = x.shape;
    const D = dy.shape[1];
    return N * D + K * D < N * K ? (tf.transpose(tf.matMul(tf.transpose(dy), x)) as TF.Tensor2D) : tf.matMul(tf.transpose(x), dy);
  };

  /** a·bᵀ. */
  const matMulT = (a: TF.Tensor2D, b: TF.Tensor2D): TF.Tensor2D => (transposedMatmuls ? tf.matMul(a, b, false, true) : tf.matMul(a, tf.transpose(b)));

  const linear = custom<[TF.Tensor2D, TF.Tensor2D, TF.Tensor1D]>((x, w, b, save) => {
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy, [xs, ws]) => [matMulT(dy as TF.Tensor2D, ws as TF.Tensor2D), dW(xs as TF.Tensor2D, dy as TF.Tensor2D), colSum(dy as TF.Tensor2D)],
    };
  }) as unknown as Ops["linear"];

  const tiedLogits = custom<[TF.Tensor2D, TF.Tensor2D]>((h, e, save) => {
    save([h, e]);
    return {
      value: matMulT(h, e),
      gradFunc: (dy, [hs, es]) => [tf.matMul(dy as TF.Tensor2D, es as TF.Tensor2D), dW(dy as TF.Tensor2D, hs as TF.Tensor2D)],
    };
  }) as unknown as Ops["tiedLogits"];

  const run = (name: string, inputs: Record<string, TF.Tensor>, attrs: Record<string, number> = {}) => tf.engine().runKernel(name, inputs as unknown as TF.NamedTensorMap, attrs);
  const runMany = (name: string, inputs: Record<string, TF.Tensor>, attrs: Record<string, number> = {}) => run(name, inputs, attrs) as TF.Tensor[];

  const fusedLayerNorm = custom<[TF.Tensor2D, TF.Tensor1D, TF.Tensor1D]>((x, g, b, save) => {
    const [y, xhat, rstd] = runMany(LAYER_NORM, { x, gamma: g, beta: b });
    save([xhat!, rstd!, g]);
    return { value: y!, gradFunc: (dy, [xh, rs, gs]) => runMany(LAYER_NORM_GRAD, { dy, xhat: xh!, rstd: rs!, gamma: gs! }) };
  }) as unknown as Ops["layerNorm"];

  const tfjsLayerNorm = custom<[TF.Tensor2D, TF.Tensor1D, TF.Tensor1D]>((x, g, b, save) => {
    const mean = tf.mean(x, 1, true);
    const xc = tf.sub(x, mean);
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), 1, true), 1e-5));
    const xhat = tf.mul(xc, rstd);
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy, [xh, rs, gs]) => {
        const dxhat = tf.mul(dy, gs!);
        const m1 = tf.mean(dxhat, 1, true);
        const m2 = tf.mean(tf.mul(dxhat, xh!), 1, true);
        const dx = tf.mul(tf.sub(tf.sub(dxhat, m1), tf.mul(xh!, m2)), rs!);
        return [dx, colSum(tf.mul(dy, xh!) as TF.Tensor2D), colSum(dy as TF.Tensor2D)];
      },
    };
  }) as unknown as Ops["layerNorm"];
  const layerNorm = style.fusedKernels ? fusedLayerNorm : tfjsLayerNorm;

  const fusedCrossEntropy = (logits: TF.Tensor2D, targets: TF.Tensor1D): TF.Scalar =>
    custom<[TF.Tensor2D]>((l, save) => {
      // The kernel computes the gradient with the loss; the backward pass only scales it.
      const [loss, grad] = runMany(CROSS_ENTROPY, { logits: l, targets });
      save([grad!]);
      return { value: loss!, gradFunc: (dy, [g]) => [tf.mul(g!, dy)] };
    })(logits) as TF.Scalar;

  const ce = custom<[TF.Tensor2D, TF.Tensor2D]>((logits, onehot, save) => {
    const ls = tf.logSoftmax(logits);
    save([ls, onehot]);
    const N = logits.shape[0];
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(onehot, ls))), N),
      gradFunc: (dy, [lss, oh]) => [tf.mul(tf.sub(tf.exp(lss!), oh!), tf.div(dy, N)), tf.zerosLike(oh!)],
    };
  });
  const crossEntropy = style.fusedKernels
    ? fusedCrossEntropy
    : (logits: TF.Tensor2D, targets: TF.Tensor1D): TF.Scalar => ce(logits, tf.oneHot(targets, logits.shape[1]).toFloat() as TF.Tensor2D) as TF.Scalar;

  const fusedDistillation: Ops["distillation"] = (logits, teacher, targets, temperature, weight) => {
    let parts: TF.Tensor1D | undefined;
    const objective = custom<[TF.Tensor2D]>((l, save) => {
      // As for cross-entropy, the kernel computes the gradient with the loss.
      const [obj, p, grad] = runMany(DISTILLATION, { logits: l, teacher, targets }, { temperature, weight });
      parts = tf.keep(p!) as TF.Tensor1D;
      save([grad!]);
      return { value: obj!, gradFunc: (dy, [g]) => [tf.mul(g!, dy)] };
    })(logits) as TF.Scalar;
    return { objective, parts: parts! };
  };

  const tfjsDistillation: Ops["distillation"] = (logits, teacher, targets, temperature, weight) => {
    let parts: TF.Tensor1D | undefined;
    const N = logits.shape[0];
    const f = custom<[TF.Tensor2D, TF.Tensor2D, TF.Tensor2D]>((l, t, onehot, save) => {
      const logP = tf.logSoftmax(l);
      const logQ = tf.logSoftmax(tf.div(l, temperature));
      const logR = tf.logSoftmax(tf.div(t, temperature));
      const r = tf.exp(logR);
      const ce = tf.div(tf.neg(tf.sum(tf.mul(onehot, logP))), N);
      // r·(log r - log q) is 0 where r underflows to 0, since both logs stay finite.
      const kl = tf.div(tf.sum(tf.mul(r, tf.sub(logR, logQ))), N);
      parts = tf.keep(tf.stack([ce, kl])) as TF.Tensor1D;
      save([logP, logQ, r, onehot]);
      return {
        value: tf.add(tf.mul(ce, 1 - weight), tf.mul(kl, weight * temperature * temperature)),
        gradFunc: (dy, [lp, lq, rs, oh]) => {
          const hard = tf.mul(tf.sub(tf.exp(lp!), oh!), (1 - weight) / N);
          const soft = tf.mul(tf.sub(tf.exp(lq!), rs!), (weight * temperature) / N);
          return [tf.mul(tf.add(hard, soft), dy), tf.zerosLike(rs!), tf.zerosLike(oh!)];
        },
      };
    });
    const objective = f(logits, teacher, tf.oneHot(targets, logits.shape[1]).toFloat() as TF.Tensor2D) as TF.Scalar;
    return { objective, parts: parts! };
  };
  const distillation = style.fusedKernels ? fusedDistillation : tfjsDistillation;

  const embed = (ids: TF.Tensor2D, tokens: TF.Tensor2D, positions: TF.Tensor2D): TF.Tensor2D => {
    const [B, T] = ids.shape;
    const C = tokens.shape[1];
    const V = tokens.shape[0];
    const flat = tf.reshape(ids, [B * T]) as TF.Tensor1D;
    if (style.fusedKernels) {
      const fused = custom<[TF.Tensor2D, TF.Tensor2D]>((tok, pos, save) => {
        save([flat]);
        return {
          value: run(EMBED, { ids: flat, tokens: tok, positions: pos }, { time: T }) as TF.Tensor,
          gradFunc: (dy, [idsSaved]) => runMany(EMBED_GRAD, { dy, ids: idsSaved! }, { time: T, vocab: V, positions: pos.shape[0] }),
        };
      });
      return fused(tokens, positions) as TF.Tensor2D;
    }
    const f = custom<[TF.Tensor2D, TF.Tensor2D]>((tok, pos, save) => {
      // Tensors the gradient needs must be saved: the tape disposes everything else.
      save([flat]);
      const rows = tf.gather(tok, flat);
      const value = tf.reshape(tf.add(tf.reshape(rows, [B, T * C]), tf.reshape(tf.slice(pos, [0, 0], [T, C]), [1, T * C])), [B * T, C]);
      return {
        value,
        gradFunc: (dy, [ids]) => {
          // Positions: the sum over the batch, as ones[1,B]·dy[B,T*C]. The clone avoids a wasm
          // matmul cache keyed by tensor id that ignores a reshape of the same data.
          const dpos = tf.reshape(tf.matMul(onesRow(B), tf.reshape(tf.clone(dy), [B, T * C]) as TF.Tensor2D), [T, C]);
          const P = pos.shape[0];
          const dposFull = P === T ? dpos : tf.pad(dpos, [[0, P - T], [0, 0]]);
          let dtok: TF.Tensor;
          if (jsEmbeddingGrad) {
            // Scatter-add the rows of dy into the rows of the ids they came from.
            const g = dy.dataSync();
            const idv = ids!.dataSync();
            const out = new Float32Array(V * C);
            for (let i = 0; i < idv.length; i++) {
              const row = idv[i]! * C;
              const src = i * C;
              for (let j = 0; j < C; j++) out[row + j]! += g[src + j]!;
            }
            dtok = tf.tensor2d(out, [V, C]);
          } else {
            dtok = tf.unsortedSegmentSum(dy as TF.Tensor2D, ids as TF.Tensor1D, V);
          }
          return [dtok, dposFull];
        },
      };
    });
    return f(tokens, positions) as TF.Tensor2D;
  };

  // With cgx's kernels the sigmoid stays on the wasm backend's vectorised kernel (a JS loop over
  // Math.exp is ~5x slower); the polynomial and the backward pass are one JS pass each, replacing
  // five multiplies forward and a dozen ops (with float32 casts that copy) backward.
  const fusedGelu = custom<[TF.Tensor2D]>((x, save) => {
    const s = tf.sigmoid(run(GELU_ARG, { x }) as TF.Tensor);
    save([x, s]);
    return { value: tf.mul(x, s), gradFunc: (dy, [xs, ss]) => [run(GELU_GRAD, { dy, x: xs!, s: ss! }) as TF.Tensor] };
  }) as unknown as Ops["gelu"];

  const tfjsGelu = (x: TF.Tensor2D): TF.Tensor2D => {
    const x3 = tf.mul(tf.mul(x, x), x);
    return tf.mul(x, tf.sigmoid(tf.add(tf.mul(x, 1.5957691216057308), tf.mul(x3, 0.07135481627159089)))) as TF.Tensor2D;
  };

  const gelu = style.fusedKernels ? fusedGelu : tfjsGelu;

  const causalAttention = (qkv: TF.Tensor2D, batch: number, time: number, heads: number): TF.Tensor2D => {
    if (!style.fusedKernels) throw new Error("internal error: fused attention needs the OpenBLAS kernels");
    const attrs = { batch, time, heads };
    const f = custom<[TF.Tensor2D]>((x, save) => {
      const [out, probs] = runMany(ATTENTION, { qkv: x }, attrs);
      save([x, probs!]);
      return { value: out!, gradFunc: (dy, [xs, ps]) => [run(ATTENTION_GRAD, { dy, qkv: xs!, probs: ps! }, attrs) as TF.Tensor] };
    });
    return f(qkv) as TF.Tensor2D;
  };

  const dispose = () => {
    for (const t of ones.values()) t.dispose();
    ones.clear();
  };

  return { linear, tiedLogits, layerNorm, crossEntropy, distillation, embed, gelu, causalAttention, dispose };
}
