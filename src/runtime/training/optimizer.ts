/**
 * AdamW (decoupled weight decay), Adam and SGD with momentum, written over tfjs variables so the
 * state is ours: it is checkpointed, carried or reset across growth, and respects pruning masks and
 * frozen parameters. Gradients are clipped by their global norm first.
 */
import type * as TF from "@tensorflow/tfjs";
import type { PlanTrain } from "../../plan/types.js";
import type { Tf } from "../backend.js";
import type { NamedArray } from "./checkpoint.js";
import { ADAMW, SUM_SQUARES } from "../model/kernels/fused.js";
import { wasmBlasActive } from "../model/kernels/wasm-blas.js";

type Opt = PlanTrain["optimizer"];

/** Weight decay applies to matrices only: not to biases, LayerNorm gains or positions. */
export function decays(name: string): boolean {
  return name.endsWith(".w") || name === "embed.tokens";
}

export class Optimizer {
  /** Adam first and second moments (or the SGD momentum buffer in `m`). */
  private readonly m = new Map<string, TF.Variable>();
  private readonly v = new Map<string, TF.Variable>();
  /** Updates applied so far, for Adam's bias correction. */
  t = 0;

  constructor(
    private readonly tf: Tf,
    readonly config: Opt,
  ) {}

  private slot(map: Map<string, TF.Variable>, name: string, like: TF.Tensor): TF.Variable {
    let s = map.get(name);
    if (!s) {
      s = this.tf.tidy(() => this.tf.variable(this.tf.zerosLike(like), false));
      map.set(name, s);
    }
    return s;
  }

  /**
   * One update. `grads` by parameter name; `masks` multiply weights after the update so pruned
   * weights stay exactly zero; `frozen` parameters are left alone. Returns the pre-clip global norm.
   */
  apply(
    vars: ReadonlyMap<string, TF.Variable>,
    grads: Readonly<Record<string, TF.Tensor>>,
    lr: number,
    clip: number,
    masks: ReadonlyMap<string, TF.Tensor>,
    frozen: ReadonlySet<string>,
  ): number {
    const tf = this.tf;
    const c = this.config;
    this.t++;
    const names = Object.keys(grads).filter((n) => !frozen.has(n));
    // With cgx's wasm kernels, the norm and each Adam update are one pass each instead of ~12 ops.
    const fused = c.kind !== "sgd" && tf.getBackend() === "wasm" && wasmBlasActive(tf);
    const norm = tf.tidy(() => {
      if (fused) return names.length ? Math.sqrt((tf.engine().runKernel(SUM_SQUARES, Object.fromEntries(names.map((n) => [n, grads[n]!]))) as TF.Tensor).dataSync()[0]!) : 0;
      const sq = names.map((n) => tf.sum(tf.square(grads[n]!)));
      return sq.length ? tf.sqrt(tf.addN(sq)).dataSync()[0]! : 0;
    });
    const scale = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1;
    const bc1 = 1 - Math.pow(c.beta1, this.t);
    const bc2 = 1 - Math.pow(c.beta2, this.t);
    for (const name of names) {
      const w = vars.get(name)!;
      if (fused) {
        tf.tidy(() => {
          const m = this.slot(this.m, name, w);
          const v = this.slot(this.v, name, w);
          const mask = masks.get(name);
          const attrs = { lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weight_decay > 0 && decays(name) ? c.weight_decay : 0, bc1, bc2, scale };
          const [w1, m1, v1] = tf.engine().runKernel(ADAMW, { w, g: grads[name]!, m, v, ...(mask ? { mask } : {}) }, attrs) as TF.Tensor[];
          m.assign(m1!);
          v.assign(v1!);
          w.assign(w1!);
        });
        continue;
      }
      tf.tidy(() => {
        const g = scale === 1 ? grads[name]! : tf.mul(grads[name]!, scale);
        let next: TF.Tensor;
        if (c.kind === "sgd") {
          const buf = this.slot(this.m, name, w);
          const mom = tf.add(tf.mul(buf, c.momentum), g);
          buf.assign(mom);
          const step = c.weight_decay > 0 && decays(name) ? tf.add(mom, tf.mul(w, c.weight_decay)) : mom;
          next = tf.sub(w, tf.mul(step, lr));
        } else {
          const m = this.slot(this.m, name, w);
          const v = this.slot(this.v, name, w);
          const m1 = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
          const v1 = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
          m.assign(m1);
          v.assign(v1);
          const update = tf.div(tf.div(m1, bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), c.eps));
          // AdamW decays the weights directly; Adam (L2 in the gradient) is approximated the same way when asked.
          const wd = c.weight_decay > 0 && decays(name) ? c.weight_decay : 0;
          next = tf.sub(w, tf.mul(wd > 0 ? tf.add(update, tf.mul(w, wd)) : update, lr));
        }
        const mask = masks.get(name);
        w.assign(mask ? tf.mul(next, mask) : next);
      });
    }
    return norm;
  }

  /** Moments as arrays for a checkpoint. */
  toArrays(): NamedArray[] {
    const out: NamedArray[] = [];
    for (const [prefix, map] of [["m", this.m], ["v", this.v]] as const) {
      for (const [name, t] of map) out.push({ name: `opt.${prefix}.${name}`, shape: t.shape, data: Float32Array.from(t.dataSync()) });
    }
    return out;
  }

  load(arrays: ReadonlyMap<string, NamedArray>, t: number): void {
    this.dispose();
    this.t = t;
    for (const [key, a] of arrays) {
      const m = /^opt\.(m|v)\.(.+)$/.exec(key);
      if (!m) continue;
      const map = m[1] === "m" ? this.m : this.v;
      map.set(m[2]!, this.tf.tidy(() => this.tf.variable(this.tf.tensor(a.data, [...a.shape]), false)));
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
