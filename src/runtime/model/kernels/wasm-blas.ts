/**
 * Replaces the wasm backend's matmul kernels (BatchMatMul, _FusedMatMul) with OpenBLAS GEMM calls
 * that read and write the wasm heap in place. tfjs-backend-wasm sends every transposed or batched
 * matmul to a scalar loop (1-2 GFLOP/s here); OpenBLAS runs the same shapes at 25-90 GFLOP/s on
 * one thread. Shapes the replacement does not cover (broadcasts other than "same batch" or "batch
 * of one", non-float32 inputs, prelu weights that are not per column) go to the original kernel.
 */
import type * as TF from "@tensorflow/tfjs";
import type { Tf } from "../../backend.js";
import type { Blas } from "./openblas.js";

import { ATTENTION_KERNELS } from "./attention.js";
import { FUSED_KERNELS } from "./fused.js";
import { heapView, sizeOf, type KernelFunc, type WasmBackend } from "./heap.js";
import { JS_ROWS, type RowKernels } from "./rows.js";

interface Geometry {
  readonly batch: number;
  readonly strideA: number;
  readonly strideB: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly outShape: number[];
}

/** The GEMM loop a (possibly batched, transposed) matmul needs, or null when it broadcasts otherwise. */
function geometry(a: TF.TensorInfo, b: TF.TensorInfo, transA: boolean, transB: boolean): Geometry | null {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  let outer: number[];
  if (batchB === 1) outer = outerA.length >= outerB.length ? outerA : outerB.map((_, i) => outerA[i - (outerB.length - outerA.length)] ?? 1);
  else if (batchA === 1) outer = outerB.length >= outerA.length ? outerB : outerA.map((_, i) => outerB[i - (outerA.length - outerB.length)] ?? 1);
  else if (batchA === batchB && outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i])) outer = outerA;
  else return null;
  const batch = Math.max(batchA, batchB);
  return { batch, strideA: batchA === 1 ? 0 : m * k, strideB: batchB === 1 ? 0 : k * n, m, n, k, outShape: [...outer, m, n] };
}

/** out = op(a)·op(b) (+ bias rows already in out when `accumulate`), batch by batch. */
function gemm(blas: Blas, backend: WasmBackend, a: TF.TensorInfo, b: TF.TensorInfo, out: TF.TensorInfo, g: Geometry, transA: boolean, transB: boolean, accumulate: boolean): void {
  const va = heapView(backend, a);
  const vb = heapView(backend, b);
  const vc = heapView(backend, out);
  const { m, n, k } = g;
  if (k === 0) {
    if (!accumulate) vc.fill(0);
    return;
  }
  if (m === 0 || n === 0) return;
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  const beta = accumulate ? 1 : 0;
  if (g.batch === 1 || (g.strideB === 0 && !transA)) {
    // A batch multiplying one shared B is one tall GEMM: [batch*m, k]·[k, n].
    blas.sgemm(transA, transB, g.batch * m, n, k, 1, va, lda, vb, ldb, beta, vc, n);
    return;
  }
  for (let i = 0; i < g.batch; i++) {
    blas.sgemm(transA, transB, m, n, k, 1, va.subarray(i * g.strideA), lda, vb.subarray(i * g.strideB), ldb, beta, vc.subarray(i * m * n), n);
  }
}

function batchMatMul(blas: Blas, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TF.TensorInfo; b: TF.TensorInfo };
    const transA = Boolean(args.attrs.transposeA);
    const transB = Boolean(args.attrs.transposeB);
    const g = geometry(a, b, transA, transB);
    if (!g) return fallback(args);
    const out = args.backend.makeOutput(g.outShape, "float32");
    gemm(blas, args.backend, a, b, out, g, transA, transB, false);
    return out;
  };
}

const ACTIVATIONS: Record<string, ((x: number, alpha: number) => number) | undefined> = {
  linear: undefined,
  relu: (x) => (x > 0 ? x : 0),
  relu6: (x) => (x < 0 ? 0 : x > 6 ? 6 : x),
  elu: (x) => (x >= 0 ? x : Math.exp(x) - 1),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  leakyrelu: (x, alpha) => (x >= 0 ? x : alpha * x),
};

function fusedMatMul(blas: Blas, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights: prelu } = args.inputs as Record<string, TF.TensorInfo | undefined>;
    const transA = Boolean(args.attrs.transposeA);
    const transB = Boolean(args.attrs.transposeB);
    const activation = String(args.attrs.activation ?? "linear");
    const g = geometry(a!, b!, transA, transB);
    const perColumn = (t: TF.TensorInfo | undefined) => !t || (t.dtype === "float32" && (sizeOf(t.shape) === 1 || (sizeOf(t.shape) === g!.n && t.shape[t.shape.length - 1] === g!.n)));
    if (!g || !perColumn(bias) || !(activation in ACTIVATIONS || activation === "prelu") || (activation === "prelu" && (!prelu || !perColumn(prelu)))) return fallback(args);
    const backend = args.backend;
    const out = backend.makeOutput(g.outShape, "float32");
    if (bias) {
      // Start every output row at the bias and let the GEMM add to it (beta = 1).
      const vb = heapView(backend, bias);
      const vc = heapView(backend, out);
      const rows = vc.length / Math.max(1, g.n);
      if (vb.length === 1) vc.fill(vb[0]!);
      else for (let r = 0; r < rows; r++) vc.set(vb, r * g.n);
    }
    gemm(blas, backend, a!, b!, out, g, transA, transB, Boolean(bias));
    if (activation !== "linear") {
      const vc = heapView(backend, out);
      if (activation === "prelu") {
        const w = heapView(backend, prelu!);
        for (let i = 0; i < vc.length; i++) {
          const x = vc[i]!;
          if (x < 0) vc[i] = x * (w.length === 1 ? w[0]! : w[i % g.n]!);
        }
      } else {
        const f = ACTIVATIONS[activation]!;
        const alpha = Number(args.attrs.leakyreluAlpha ?? 0.2);
        for (let i = 0; i < vc.length; i++) vc[i] = f(vc[i]!, alpha);
      }
    }
    return out;
  };
}

/**
 * Identity sharing the input's memory (with a reference count) instead of copying it, as the cpu
 * backend does: tensors are immutable, and cgx's kernels only ever write into fresh outputs. tfjs
 * clones every tensor a custom gradient saves, so copying cost ~4 ms a step of the reference model.
 */
function sharedIdentity(_blas: Blas, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    if (x.dtype === "string") return fallback(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** Engines whose wasm backend runs the OpenBLAS kernels now. */
const active = new WeakSet<object>();

/** Whether this tfjs instance's wasm matmuls run on OpenBLAS now. */
export function wasmBlasActive(tf: Tf): boolean {
  return active.has(tf.engine() as unknown as object);
}

/** The wasm backend's own kernels, kept to restore them and as the fallback. */
const originals = new WeakMap<object, Map<string, KernelFunc>>();
const REPLACED: Record<string, (blas: Blas, fallback: KernelFunc) => KernelFunc> = { BatchMatMul: batchMatMul, _FusedMatMul: fusedMatMul, Identity: sharedIdentity };
/** Kernels of cgx's own that exist only while OpenBLAS is active (ops.ts calls them by name). */
const ADDED: Record<string, (blas: Blas, rows: RowKernels) => KernelFunc> = {
  ...ATTENTION_KERNELS,
  ...Object.fromEntries(Object.entries(FUSED_KERNELS).map(([name, make]) => [name, (_blas: Blas, rows: RowKernels) => make(rows)])),
};

/**
 * Makes the wasm backend of this tfjs instance use OpenBLAS for its matmuls (`blas` given) or its
 * own kernels again (`null`), with cgx's row kernels running `rows` (JavaScript unless given).
 * Idempotent; the choice holds for every later op in the process.
 */
export function setWasmBlasKernels(tf: Tf, blas: Blas | null, rows: RowKernels = JS_ROWS): void {
  const engine = tf.engine() as unknown as object;
  let saved = originals.get(engine);
  if (!saved) {
    saved = new Map();
    for (const name of Object.keys(REPLACED)) {
      const k = tf.getKernel(name, "wasm");
      if (!k) throw new Error(`internal error: the wasm backend has no ${name} kernel to replace`);
      saved.set(name, k.kernelFunc as unknown as KernelFunc);
    }
    originals.set(engine, saved);
  }
  for (const [name, make] of Object.entries(REPLACED)) {
    const original = saved.get(name)!;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: (blas ? make(blas, original) : original) as unknown as TF.KernelFunc });
  }
  for (const [name, make] of Object.entries(ADDED)) {
    if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
    if (blas) tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: make(blas, rows) as unknown as TF.KernelFunc });
  }
  if (blas) active.add(engine);
  else active.delete(engine);
}
