/**
 * A decoder-only transformer in TensorFlow.js: learned positions, pre-LayerNorm blocks of causal
 * multi-head attention and a GELU MLP, a final LayerNorm and an unembedding tied to the token
 * embedding. Written as plain functions of named weight tensors (no layers API) so a reader can
 * hold it in their head, and so growth and pruning can rebuild it from arrays.
 */
import type * as TF from "@tensorflow/tfjs";
import type { NamedArray } from "./checkpoint.js";
import type { Tf } from "./backend.js";
import { depthOf, type Params } from "./params.js";

export interface ModelDims {
  readonly width: number;
  readonly heads: number;
  readonly vocab: number;
  readonly context: number;
}

const LN_EPS = 1e-5;

export class Gpt {
  readonly vars = new Map<string, TF.Variable>();
  readonly layers: number;

  constructor(
    readonly tf: Tf,
    readonly dims: ModelDims,
    params: Params,
    /** One-hot matmul instead of gather for the embedding: wasm has no kernel for gather's gradient. */
    private readonly oneHotEmbedding: boolean,
  ) {
    for (const [name, a] of params) this.vars.set(name, tf.variable(tf.tensor(a.data, [...a.shape], "float32"), true, name));
    this.layers = depthOf(params);
  }

  private v(name: string): TF.Variable {
    const t = this.vars.get(name);
    if (!t) throw new Error(`internal error: the model has no parameter ${name}`);
    return t;
  }

  private layerNorm(x: TF.Tensor2D, prefix: string): TF.Tensor2D {
    const tf = this.tf;
    const { mean, variance } = tf.moments(x, -1, true);
    const norm = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS)));
    return tf.add(tf.mul(norm, this.v(`${prefix}.gamma`)), this.v(`${prefix}.beta`)) as TF.Tensor2D;
  }

  private linear(x: TF.Tensor2D, prefix: string): TF.Tensor2D {
    return this.tf.add(this.tf.matMul(x, this.v(`${prefix}.w`)), this.v(`${prefix}.b`)) as TF.Tensor2D;
  }

  /** Causal self-attention over [B*T, d] activations. */
  private attention(h: TF.Tensor2D, prefix: string, B: number, T: number, mask: TF.Tensor): TF.Tensor2D {
    const tf = this.tf;
    const { width: d, heads: H } = this.dims;
    const hd = d / H;
    const qkv = this.linear(h, `${prefix}.attn.qkv`);
    const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3])) as [TF.Tensor4D, TF.Tensor4D, TF.Tensor4D];
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd)), mask);
    const att = tf.softmax(scores);
    const out = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [B * T, d]) as TF.Tensor2D;
    return this.linear(out, `${prefix}.attn.proj`);
  }

  private gelu(x: TF.Tensor2D): TF.Tensor2D {
    // tanh approximation, as GPT-2.
    const tf = this.tf;
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as TF.Tensor2D;
  }

  /** Hidden states after the final LayerNorm, [B*T, d]. */
  hidden(inputs: TF.Tensor2D): TF.Tensor2D {
    const tf = this.tf;
    const [B, T] = inputs.shape as [number, number];
    const d = this.dims.width;
    const flat = tf.reshape(inputs, [B * T]) as TF.Tensor1D;
    const tok = this.oneHotEmbedding
      ? tf.matMul(tf.oneHot(flat, this.dims.vocab).toFloat() as TF.Tensor2D, this.v("embed.tokens"))
      : tf.gather(this.v("embed.tokens"), flat);
    const pos = tf.slice(this.v("embed.positions"), [0, 0], [T, d]);
    let x = tf.reshape(tf.add(tf.reshape(tok, [B, T, d]), pos), [B * T, d]) as TF.Tensor2D;
    // Additive causal mask: -1e9 above the diagonal.
    const mask = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
    for (let l = 0; l < this.layers; l++) {
      const p = `blocks.${l}`;
      x = tf.add(x, this.attention(this.layerNorm(x, `${p}.ln1`), p, B, T, mask)) as TF.Tensor2D;
      const m = this.linear(this.gelu(this.linear(this.layerNorm(x, `${p}.ln2`), `${p}.mlp.fc`)), `${p}.mlp.proj`);
      x = tf.add(x, m) as TF.Tensor2D;
    }
    return this.layerNorm(x, "final_ln");
  }

  /** Logits [B*T, vocab] through the tied unembedding. */
  logits(inputs: TF.Tensor2D): TF.Tensor2D {
    return this.tf.matMul(this.hidden(inputs), this.v("embed.tokens"), false, true);
  }

  /** Per-token cross-entropy [B*T] in nats. */
  tokenLosses(inputs: TF.Tensor2D, targets: TF.Tensor1D): TF.Tensor1D {
    const tf = this.tf;
    const logits = this.logits(inputs);
    const lse = tf.logSumExp(logits, 1);
    const picked = tf.sum(tf.mul(logits, tf.oneHot(targets, this.dims.vocab).toFloat()), 1);
    return tf.sub(lse, picked) as TF.Tensor1D;
  }

  /** Mean cross-entropy of a batch: the training objective. */
  loss(inputs: TF.Tensor2D, targets: TF.Tensor1D): TF.Scalar {
    return this.tf.mean(this.tokenLosses(inputs, targets)) as TF.Scalar;
  }

  /** The current weights as plain arrays (for checkpoints, growth and pruning). */
  toArrays(): Params {
    const out: Params = new Map();
    for (const [name, v] of this.vars) out.set(name, { name, shape: v.shape, data: Float32Array.from(v.dataSync()) } satisfies NamedArray);
    return out;
  }

  paramCount(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
