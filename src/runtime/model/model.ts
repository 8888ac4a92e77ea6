/**
 * A decoder-only transformer in TensorFlow.js: learned positions, pre-LayerNorm blocks of causal
 * multi-head attention and a GELU MLP, a final LayerNorm and an unembedding tied to the token
 * embedding. Written as plain functions of named weight tensors (no layers API) so a reader can
 * hold it in their head, and so growth and pruning can rebuild it from arrays.
 */
import type * as TF from "@tensorflow/tfjs";
import type { NamedArray } from "../training/checkpoint.js";
import type { Tf } from "../backend.js";
import { makeOps, opStyleFor, type OpStyle, type Ops } from "./ops.js";
import { depthOf, type Params } from "./params.js";

export interface ModelDims {
  readonly width: number;
  readonly heads: number;
  readonly vocab: number;
  readonly context: number;
}

let nextModelId = 0;

export class Gpt {
  readonly vars = new Map<string, TF.Variable>();
  readonly layers: number;
  private readonly ops: Ops;
  private readonly fusedKernels: boolean;
  private readonly masks = new Map<number, TF.Tensor2D>();

  constructor(
    readonly tf: Tf,
    readonly dims: ModelDims,
    params: Params,
    /** Which formulation of the ops to use; by default the fastest for the active backend and kernels. */
    style: OpStyle = opStyleFor(tf),
  ) {
    // tidy disposes the temporary tensors; variables survive it. tfjs variable names are global, so
    // each model suffixes its own: two models (a growth rebuild, a test) may hold the same parameters.
    const id = nextModelId++;
    for (const [name, a] of params) this.vars.set(name, tf.tidy(() => tf.variable(tf.tensor(a.data, [...a.shape], "float32"), true, `${name}@${id}`)));
    this.layers = depthOf(params);
    this.ops = makeOps(tf, style);
    this.fusedKernels = style.fusedKernels;
  }

  private v(name: string): TF.Variable {
    const t = this.vars.get(name);
    if (!t) throw new Error(`internal error: the model has no parameter ${name}`);
    return t;
  }

  private v1(name: string): TF.Tensor1D {
    return this.v(name) as unknown as TF.Tensor1D;
  }

  private v2(name: string): TF.Tensor2D {
    return this.v(name) as unknown as TF.Tensor2D;
  }

  private linear(x: TF.Tensor2D, prefix: string): TF.Tensor2D {
    return this.ops.linear(x, this.v2(`${prefix}.w`), this.v1(`${prefix}.b`));
  }

  private layerNorm(x: TF.Tensor2D, prefix: string): TF.Tensor2D {
    return this.ops.layerNorm(x, this.v1(`${prefix}.gamma`), this.v1(`${prefix}.beta`));
  }

  /** Additive causal mask [T,T]: 0 on and below the diagonal, -1e9 above; kept across steps. */
  private causalMask(T: number): TF.Tensor2D {
    let m = this.masks.get(T);
    if (!m) {
      const tf = this.tf;
      m = tf.keep(tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9))) as TF.Tensor2D;
      this.masks.set(T, m);
    }
    return m;
  }

  /** Causal self-attention over [B*T, d] activations: one OpenBLAS kernel, or batched tfjs matmuls per head. */
  private attention(h: TF.Tensor2D, prefix: string, B: number, T: number): TF.Tensor2D {
    const tf = this.tf;
    const { width: d, heads: H } = this.dims;
    const hd = d / H;
    const qkv = this.linear(h, `${prefix}.attn.qkv`);
    if (this.fusedKernels) return this.linear(this.ops.causalAttention(qkv, B, T, H), `${prefix}.attn.proj`);
    const [q, k, v] = tf.split(qkv, 3, 1) as [TF.Tensor2D, TF.Tensor2D, TF.Tensor2D];
    // Rank-4 transposes only: rank-5 ones are ~10x slower on wasm.
    const heads = (t: TF.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]) as TF.Tensor4D;
    const scores = tf.add(tf.matMul(heads(tf.mul(q, 1 / Math.sqrt(hd))), heads(k), false, true), this.causalMask(T));
    const att = tf.softmax(scores);
    const out = tf.reshape(tf.transpose(tf.matMul(att, heads(v)), [0, 2, 1, 3]), [B * T, d]) as TF.Tensor2D;
    return this.linear(out, `${prefix}.attn.proj`);
  }

  /** Hidden states after the final LayerNorm, [B*T, d]. */
  hidden(inputs: TF.Tensor2D): TF.Tensor2D {
    const tf = this.tf;
    const [B, T] = inputs.shape as [number, number];
    let x = this.ops.embed(inputs, this.v2("embed.tokens"), this.v2("embed.positions"));
    for (let l = 0; l < this.layers; l++) {
      const p = `blocks.${l}`;
      x = tf.add(x, this.attention(this.layerNorm(x, `${p}.ln1`), p, B, T));
      const m = this.linear(this.ops.gelu(this.linear(this.layerNorm(x, `${p}.ln2`), `${p}.mlp.fc`)), `${p}.mlp.proj`);
      x = tf.add(x, m);
    }
    return this.layerNorm(x, "final_ln");
  }

  /** Logits [B*T, vocab] through the tied unembedding. */
  logits(inputs: TF.Tensor2D): TF.Tensor2D {
    return this.ops.tiedLogits(this.hidden(inputs), this.v2("embed.tokens"));
  }

  /** Per-token cross-entropy [B*T] in nats (evaluation; no gradient needed). */
  tokenLosses(inputs: TF.Tensor2D, targets: TF.Tensor1D): TF.Tensor1D {
    const tf = this.tf;
    const logits = this.logits(inputs);
    const lse = tf.logSumExp(logits, 1);
    const picked = tf.sum(tf.mul(logits, tf.oneHot(targets, this.dims.vocab).toFloat()), 1);
    return tf.sub(lse, picked) as TF.Tensor1D;
  }

  /** Mean cross-entropy of a batch: the training objective. */
  loss(inputs: TF.Tensor2D, targets: TF.Tensor1D): TF.Scalar {
    return this.ops.crossEntropy(this.logits(inputs), targets);
  }

  /**
   * The training objective during a distillation span: the data's cross-entropy mixed with the KL
   * to a teacher's logits [B*T, vocab] (a constant here), and [CE, KL] for the metrics, which the
   * caller disposes (see Ops.distillation).
   */
  distilLoss(inputs: TF.Tensor2D, targets: TF.Tensor1D, teacherLogits: TF.Tensor2D, temperature: number, weight: number): { objective: TF.Scalar; parts: TF.Tensor1D } {
    return this.ops.distillation(this.logits(inputs), teacherLogits, targets, temperature, weight);
  }

  /** The value of `f` and its gradient for every parameter, keyed by parameter name. */
  grads(f: () => TF.Scalar): { value: TF.Scalar; grads: Record<string, TF.Tensor> } {
    const { value, grads } = this.tf.variableGrads(f, [...this.vars.values()]);
    const byParam: Record<string, TF.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) byParam[k.slice(0, k.lastIndexOf("@"))] = g;
    return { value, grads: byParam };
  }

  /** Overwrites weights in place (same names and shapes), e.g. after masks changed. */
  assign(params: Params): void {
    for (const [name, a] of params) this.tf.tidy(() => this.v(name).assign(this.tf.tensor(a.data, [...a.shape], "float32")));
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
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
    this.ops.dispose();
  }
}
