/**
 * Causal multi-head self-attention as two wasm kernels over OpenBLAS, reading the fused qkv
 * activations [B*T, 3d] in place: each head's Q, K and V are column blocks of it (leading
 * dimension 3d), so no split, reshape or transpose is ever materialised, and the output lands
 * directly in [B*T, d]. The forward pass keeps the softmax probabilities [B*H, T, T] for the
 * backward pass. Per (batch, head), with S = QKᵀ/√hd and P = softmax(causal(S)):
 *
 *   forward   O = P·V
 *   backward  dP = dO·Vᵀ,  dV = Pᵀ·dO,  dS = P ⊙ (dP − rowsum(P ⊙ dP)),  dQ = dS·K/√hd,  dK = dSᵀ·Q/√hd
 *
 * Softmax and its gradient are loops over the lower triangle (the upper one is exactly 0, as with
 * an additive mask of -1e9), in JavaScript or compiled (rows.ts). Without OpenBLAS the model uses tfjs ops instead (model.ts).
 */
import type * as TF from "@tensorflow/tfjs";
import type { Blas } from "./openblas.js";
import { heapView, type KernelArgs, type KernelFunc } from "./heap.js";
import type { RowKernels } from "./rows.js";

export const ATTENTION = "CgxCausalAttention";
export const ATTENTION_GRAD = "CgxCausalAttentionGrad";

interface Dims {
  readonly B: number;
  readonly T: number;
  readonly H: number;
  readonly d: number;
  readonly hd: number;
  readonly scale: number;
}

function dims(args: KernelArgs, qkv: TF.TensorInfo): Dims {
  const B = Number(args.attrs.batch);
  const T = Number(args.attrs.time);
  const H = Number(args.attrs.heads);
  const d = qkv.shape[1]! / 3;
  if (qkv.shape[0] !== B * T || !Number.isInteger(d) || d % H !== 0) throw new Error(`internal error: attention got qkv [${qkv.shape}] for batch ${B}, time ${T}, ${H} heads`);
  const hd = d / H;
  return { B, T, H, d, hd, scale: 1 / Math.sqrt(hd) };
}

function forward(blas: Blas, rows: RowKernels): KernelFunc {
  return (args) => {
    const qkv = args.inputs.qkv!;
    const { B, T, H, d, hd, scale } = dims(args, qkv);
    const out = args.backend.makeOutput([B * T, d], "float32");
    const probs = args.backend.makeOutput([B * H, T, T], "float32");
    const x = heapView(args.backend, qkv);
    const o = heapView(args.backend, out);
    const p = heapView(args.backend, probs);
    const d3 = 3 * d;
    for (let b = 0; b < B; b++) {
      const base = b * T * d3;
      for (let h = 0; h < H; h++) {
        const P = p.subarray((b * H + h) * T * T, (b * H + h + 1) * T * T);
        blas.sgemm(false, true, T, T, hd, scale, x.subarray(base + h * hd), d3, x.subarray(base + d + h * hd), d3, 0, P, T);
        rows.causalSoftmax(P, T);
        blas.sgemm(false, false, T, hd, T, 1, P, T, x.subarray(base + 2 * d + h * hd), d3, 0, o.subarray(b * T * d + h * hd), d);
      }
    }
    return [out, probs];
  };
}

function backward(blas: Blas, rows: RowKernels): KernelFunc {
  let scratch = new Float32Array(0);
  return (args) => {
    const qkv = args.inputs.qkv!;
    const { B, T, H, d, hd, scale } = dims(args, qkv);
    const dqkv = args.backend.makeOutput([B * T, 3 * d], "float32");
    const x = heapView(args.backend, qkv);
    const dy = heapView(args.backend, args.inputs.dy!);
    const p = heapView(args.backend, args.inputs.probs!);
    const g = heapView(args.backend, dqkv);
    if (scratch.length < T * T) scratch = new Float32Array(T * T);
    const dS = scratch;
    const d3 = 3 * d;
    for (let b = 0; b < B; b++) {
      const base = b * T * d3;
      for (let h = 0; h < H; h++) {
        const P = p.subarray((b * H + h) * T * T, (b * H + h + 1) * T * T);
        const dO = dy.subarray(b * T * d + h * hd);
        const Q = x.subarray(base + h * hd);
        const K = x.subarray(base + d + h * hd);
        const V = x.subarray(base + 2 * d + h * hd);
        blas.sgemm(false, true, T, T, hd, 1, dO, d, V, d3, 0, dS, T);
        blas.sgemm(true, false, T, hd, T, 1, P, T, dO, d, 0, g.subarray(base + 2 * d + h * hd), d3);
        rows.causalSoftmaxGrad(P, dS, T);
        blas.sgemm(false, false, T, hd, T, scale, dS, T, K, d3, 0, g.subarray(base + h * hd), d3);
        blas.sgemm(true, false, T, hd, T, scale, dS, T, Q, d3, 0, g.subarray(base + d + h * hd), d3);
      }
    }
    return dqkv;
  };
}

export const ATTENTION_KERNELS: Record<string, (blas: Blas, rows: RowKernels) => KernelFunc> = { [ATTENTION]: forward, [ATTENTION_GRAD]: backward };
