/**
 * The row-wise parts of a training step as single wasm kernels: LayerNorm, cross-entropy (and the
 * distillation loss), the embedding lookup and the AdamW update, each forward and backward in one pass over the wasm heap. With matmuls on OpenBLAS, these ops (a dozen small tfjs kernels each, every
 * one a dispatch and a pass over memory) took most of what was left of a step. Sums accumulate in
 * float64; the maths is the same as the tfjs formulation in ops.ts and optimizer.ts. The loops run
 * in JavaScript or compiled for the machine (rows.ts, native.ts). GELU is split: its sigmoid stays
 * on the wasm backend's vectorised kernel, the polynomial around it and the whole backward pass
 * are one pass each.
 */
import { heapView, heapViewInt32, type KernelFunc } from "./heap.js";
import type { RowKernels } from "./rows.js";

export const LAYER_NORM = "CgxLayerNorm";
export const LAYER_NORM_GRAD = "CgxLayerNormGrad";
export const CROSS_ENTROPY = "CgxCrossEntropy";
export const DISTILLATION = "CgxDistillation";
export const EMBED = "CgxEmbed";
export const EMBED_GRAD = "CgxEmbedGrad";
export const GELU_ARG = "CgxGeluArg";
export const GELU_GRAD = "CgxGeluGrad";
export const ADAMW = "CgxAdamW";
export const SUM_SQUARES = "CgxSumSquares";

/** x [N,C], gamma [C], beta [C] -> y [N,C], xhat [N,C], rstd [N]. */
const layerNorm = (rows: RowKernels): KernelFunc => ({ inputs, backend }) => {
  const [N, C] = inputs.x!.shape as [number, number];
  const y = backend.makeOutput([N, C], "float32");
  const xh = backend.makeOutput([N, C], "float32");
  const rs = backend.makeOutput([N], "float32");
  rows.layerNorm(heapView(backend, inputs.x!), heapView(backend, inputs.gamma!), heapView(backend, inputs.beta!), heapView(backend, y), heapView(backend, xh), heapView(backend, rs), N, C);
  return [y, xh, rs];
};

/** dy [N,C], xhat [N,C], rstd [N], gamma [C] -> dx [N,C], dgamma [C], dbeta [C]. */
const layerNormGrad = (rows: RowKernels): KernelFunc => ({ inputs, backend }) => {
  const [N, C] = inputs.dy!.shape as [number, number];
  const dx = backend.makeOutput([N, C], "float32");
  const dg = backend.makeOutput([C], "float32");
  const db = backend.makeOutput([C], "float32");
  const v = (t: Parameters<typeof heapView>[1]) => heapView(backend, t);
  rows.layerNormGrad(v(inputs.dy!), v(inputs.xhat!), v(inputs.rstd!), v(inputs.gamma!), v(dx), v(dg), v(db), N, C);
  return [dx, dg, db];
};

/** x -> A·(x + B·x³), the argument of GELU's sigmoid (GELU, tanh form, is x·sigmoid(A·(x + B·x³))). */
const geluArg = (rows: RowKernels): KernelFunc => ({ inputs, backend }) => {
  const out = backend.makeOutput([...inputs.x!.shape], "float32");
  rows.geluArg(heapView(backend, inputs.x!), heapView(backend, out));
  return out;
};

/** dy, x, s = sigmoid(A·(x + B·x³)) -> dx = dy·(s + x·s·(1−s)·A·(1 + 3B·x²)). */
const geluGrad = (rows: RowKernels): KernelFunc => ({ inputs, backend }) => {
  const out = backend.makeOutput([...inputs.x!.shape], "float32");
  rows.geluGrad(heapView(backend, inputs.dy!), heapView(backend, inputs.x!), heapView(backend, inputs.s!), heapView(backend, out));
  return out;
};

/** logits [N,V], targets int32 [N] -> mean loss [], and its gradient [N,V] (kept for the backward pass). */
const crossEntropy = (rows: RowKernels): KernelFunc => ({ inputs, backend }) => {
  const [N, V] = inputs.logits!.shape as [number, number];
  const loss = backend.makeOutput([], "float32");
  const grad = backend.makeOutput([N, V], "float32");
  const mean = rows.crossEntropy(heapView(backend, inputs.logits!), heapViewInt32(backend, inputs.targets!), heapView(backend, grad), N, V);
  heapView(backend, loss)[0] = mean;
  return [loss, grad];
};

/**
 * Knowledge distillation (Hinton et al., 2015) in one pass: student logits z [N,V], teacher logits
 * t [N,V], targets int32 [N]; attrs temperature T, weight w. With p = softmax(z), q = softmax(z/T),
 * r = softmax(t/T) per row, the objective is the mean over rows of
 *     (1 - w)·CE(p, target) + w·T²·KL(r ‖ q),     KL(r ‖ q) = Σ_j r_j (log r_j - log q_j),
 * and its gradient with respect to z is
 *     (1 - w)·(p - onehot)/N + w·T·(q - r)/N
 * (the T² keeps the soft term's gradient the size of the hard one's as T changes). Outputs: the
 * objective [], the parts [mean CE, mean KL] [2] for the metrics, and the gradient [N,V].
 */
const distillation: KernelFunc = ({ inputs, backend, attrs }) => {
  const [N, V] = inputs.logits!.shape as [number, number];
  const T = Number(attrs.temperature);
  const w = Number(attrs.weight);
  const objective = backend.makeOutput([], "float32");
  const parts = backend.makeOutput([2], "float32");
  const grad = backend.makeOutput([N, V], "float32");
  const z = heapView(backend, inputs.logits!);
  const t = heapView(backend, inputs.teacher!);
  const y = heapViewInt32(backend, inputs.targets!);
  const gr = heapView(backend, grad);
  // exp((z - max z)/T) and exp((t - max t)/T) of the current row, computed once.
  const soft = new Float64Array(V);
  const teach = new Float64Array(V);
  let ce = 0;
  let kl = 0;
  const hard = (1 - w) / N;
  const softScale = (w * T) / N;
  for (let i = 0; i < N; i++) {
    const o = i * V;
    let zmax = -Infinity;
    let tmax = -Infinity;
    for (let j = 0; j < V; j++) {
      if (z[o + j]! > zmax) zmax = z[o + j]!;
      if (t[o + j]! > tmax) tmax = t[o + j]!;
    }
    let sum = 0;
    let sumSoft = 0;
    let sumTeach = 0;
    for (let j = 0; j < V; j++) {
      const d = z[o + j]! - zmax;
      const e = Math.exp(d);
      gr[o + j] = e;
      sum += e;
      const es = Math.exp(d / T);
      soft[j] = es;
      sumSoft += es;
      const et = Math.exp((t[o + j]! - tmax) / T);
      teach[j] = et;
      sumTeach += et;
    }
    const target = y[i]!;
    ce += zmax + Math.log(sum) - z[o + target]!;
    const logSoft = Math.log(sumSoft);
    const logTeach = Math.log(sumTeach);
    let rowKl = 0;
    for (let j = 0; j < V; j++) {
      const r = teach[j]! / sumTeach;
      // log r_j - log q_j, from the shifted logits (finite even where r_j underflows to 0).
      if (r > 0) rowKl += r * ((t[o + j]! - tmax) / T - logTeach - (z[o + j]! - zmax) / T + logSoft);
      gr[o + j] = hard * (gr[o + j]! / sum) + softScale * (soft[j]! / sumSoft - r);
    }
    gr[o + target]! -= hard;
    kl += rowKl;
  }
  ce /= N;
  kl /= N;
  heapView(backend, objective)[0] = (1 - w) * ce + w * T * T * kl;
  const vp = heapView(backend, parts);
  vp[0] = ce;
  vp[1] = kl;
  return [objective, parts, grad];
};

/** ids int32 [B*T], tokens [V,C], positions [P,C] -> rows [B*T, C] = tokens[id] + positions[t]. */
const embed: KernelFunc = ({ inputs, backend, attrs }) => {
  const T = Number(attrs.time);
  const n = inputs.ids!.shape[0]!;
  const C = inputs.tokens!.shape[1]!;
  const out = backend.makeOutput([n, C], "float32");
  const ids = heapViewInt32(backend, inputs.ids!);
  const tok = heapView(backend, inputs.tokens!);
  const pos = heapView(backend, inputs.positions!);
  const o = heapView(backend, out);
  for (let i = 0; i < n; i++) {
    const r = ids[i]! * C;
    const p = (i % T) * C;
    const w = i * C;
    for (let j = 0; j < C; j++) o[w + j] = tok[r + j]! + pos[p + j]!;
  }
  return out;
};

/** dy [B*T, C], ids -> dtokens [V,C] (scatter-add by id), dpositions [P,C] (sum over the batch). */
const embedGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const T = Number(attrs.time);
  const V = Number(attrs.vocab);
  const P = Number(attrs.positions);
  const [n, C] = inputs.dy!.shape as [number, number];
  const dtok = backend.makeOutput([V, C], "float32");
  const dpos = backend.makeOutput([P, C], "float32");
  const dy = heapView(backend, inputs.dy!);
  const ids = heapViewInt32(backend, inputs.ids!);
  const gt = heapView(backend, dtok);
  const gp = heapView(backend, dpos);
  gt.fill(0);
  gp.fill(0);
  for (let i = 0; i < n; i++) {
    const r = ids[i]! * C;
    const p = (i % T) * C;
    const s = i * C;
    for (let j = 0; j < C; j++) {
      const d = dy[s + j]!;
      gt[r + j]! += d;
      gp[p + j]! += d;
    }
  }
  return [dtok, dpos];
};

/**
 * One AdamW step of one parameter: w, g, m, v (and an optional pruning mask) -> w', m', v'.
 * attrs: lr, beta1, beta2, eps, weight decay, bias corrections bc1/bc2, gradient scale (clipping).
 */
const adamw = (rows: RowKernels): KernelFunc => ({ inputs, backend, attrs }) => {
  const shape = [...inputs.w!.shape];
  const w1 = backend.makeOutput(shape, "float32");
  const m1 = backend.makeOutput(shape, "float32");
  const v1 = backend.makeOutput(shape, "float32");
  const v = (t: Parameters<typeof heapView>[1]) => heapView(backend, t);
  const h = {
    lr: Number(attrs.lr),
    beta1: Number(attrs.beta1),
    beta2: Number(attrs.beta2),
    eps: Number(attrs.eps),
    weightDecay: Number(attrs.weightDecay),
    bc1: Number(attrs.bc1),
    bc2: Number(attrs.bc2),
    scale: Number(attrs.scale),
  };
  rows.adamw(v(inputs.w!), v(inputs.g!), v(inputs.m!), v(inputs.v!), inputs.mask ? v(inputs.mask) : null, v(w1), v(m1), v(v1), h);
  return [w1, m1, v1];
};

/** Any number of tensors -> the sum of the squares of all their elements [] (the global gradient norm²). */
const sumSquares = (rows: RowKernels): KernelFunc => ({ inputs, backend }) => {
  const out = backend.makeOutput([], "float32");
  let s = 0;
  for (const t of Object.values(inputs)) s = rows.sumSquares(heapView(backend, t!), s);
  heapView(backend, out)[0] = s;
  return out;
};

/** Each kernel, made for the loops it runs (JavaScript or compiled: rows.ts). */
export const FUSED_KERNELS: Record<string, (rows: RowKernels) => KernelFunc> = {
  [LAYER_NORM]: layerNorm,
  [LAYER_NORM_GRAD]: layerNormGrad,
  [CROSS_ENTROPY]: crossEntropy,
  [DISTILLATION]: () => distillation,
  [EMBED]: () => embed,
  [EMBED_GRAD]: () => embedGrad,
  [GELU_ARG]: geluArg,
  [GELU_GRAD]: geluGrad,
  [ADAMW]: adamw,
  [SUM_SQUARES]: sumSquares,
};
