/** The parts of tfjs-backend-wasm's backend that cgx's kernels use: its heap and output allocation. */
import type * as TF from "@tensorflow/tfjs";

export interface WasmBackend {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  readonly dataIdMap: { get(id: unknown): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32"): TF.TensorInfo;
  incRef(dataId: unknown): void;
}

export type KernelArgs = { inputs: Record<string, TF.TensorInfo | undefined>; backend: WasmBackend; attrs: Record<string, unknown> };
export type KernelFunc = (args: KernelArgs) => TF.TensorInfo | TF.TensorInfo[];

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A float32 view of a tensor's data in the wasm heap. Take views after every makeOutput of the
 * kernel: allocating can grow the heap, which detaches views taken before.
 */
export function heapView(backend: WasmBackend, t: TF.TensorInfo): Float32Array {
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry) throw new Error("internal error: a tensor has no data in the wasm heap");
  return new Float32Array(backend.wasm.HEAPU8.buffer, entry.memoryOffset, sizeOf(t.shape));
}

/** An int32 view of a tensor's data in the wasm heap (token ids). */
export function heapViewInt32(backend: WasmBackend, t: TF.TensorInfo): Int32Array {
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry) throw new Error("internal error: a tensor has no data in the wasm heap");
  return new Int32Array(backend.wasm.HEAPU8.buffer, entry.memoryOffset, sizeOf(t.shape));
}
