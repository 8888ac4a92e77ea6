/**
 * TensorFlow.js backends, picked by what loads: tfjs-node-gpu (CUDA), tfjs-node (native CPU), then
 * wasm, then the pure-JS cpu backend. The native packages are optional dependencies whose install
 * downloads libtensorflow; they are loaded lazily, and `cgx doctor` says why one did not load.
 *
 * On wasm the matmul kernels run on OpenBLAS where it is installed, with cgx's row kernels
 * (LayerNorm, GELU, softmax, cross-entropy, AdamW) compiled for the machine where set-up could build
 * them (kernels "native") or in JavaScript (kernels "openblas"); without OpenBLAS on the backend's
 * own (kernels "builtin"). Numbers differ between the paths in the last bits, so a run directory
 * records both the backend and its kernels.
 */
import { createRequire } from "node:module";
import type * as TF from "@tensorflow/tfjs";
import { probeNativeRows } from "./model/kernels/native.js";
import { probeOpenBlas } from "./model/kernels/openblas.js";
import { setWasmBlasKernels } from "./model/kernels/wasm-blas.js";

export type Tf = typeof TF;
export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";
export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

/**
 * Which kernels a backend runs: OpenBLAS with compiled row kernels or with JavaScript ones (wasm
 * only), the backend's own, or libtensorflow's.
 */
export type KernelsName = "native" | "openblas" | "builtin" | "libtensorflow";
/** What a user may ask for: `auto` takes the fastest that loads on wasm (native, then openblas). */
export type KernelsChoice = "auto" | "native" | "openblas" | "builtin";
export const KERNEL_CHOICES: readonly KernelsChoice[] = ["auto", "native", "openblas", "builtin"];

export interface LoadedBackend {
  readonly name: BackendName;
  readonly tf: Tf;
  /** The version of the tfjs package providing it. */
  readonly version: string;
  readonly kernels: KernelsName;
  /** Why these kernels: the library loaded, or why OpenBLAS was not used. */
  readonly kernelsDetail: string;
  /** The faster backends tried first and why each did not load ("tensorflow-gpu: ..."), when picked automatically. */
  readonly passedOver?: readonly string[];
}

/** What a backend is, without its tfjs module: enough to name it, record it and load it again elsewhere. */
export type BackendInfo = Omit<LoadedBackend, "tf">;

export function backendInfo(b: LoadedBackend): BackendInfo {
  const { tf: _tf, ...info } = b;
  return info;
}

export class BackendError extends Error {}

/** The choice that loads `backend` again, in another process: its own kernels, or "auto" for a native backend's. */
export function kernelsChoiceOf(backend: Pick<LoadedBackend, "kernels">): KernelsChoice {
  return backend.kernels === "libtensorflow" ? "auto" : backend.kernels;
}

const require = createRequire(import.meta.url);

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300);
}

async function loadNative(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node", name: BackendName): Promise<LoadedBackend> {
  let tf: Tf;
  try {
    tf = require(pkg) as Tf;
  } catch (e) {
    const msg = firstLine(e);
    if (/Cannot find module '@tensorflow\/tfjs-node/.test(msg)) {
      throw new BackendError(`${pkg} is not installed (an optional dependency: its install downloads libtensorflow, which needs network access)`);
    }
    throw new BackendError(`${pkg} is installed but does not load: ${msg}`);
  }
  await tf.setBackend("tensorflow");
  await tf.ready();
  if (name === "tensorflow-gpu") {
    // tfjs-node-gpu falls back to CPU silently when CUDA is missing; say so instead.
    const devices = (tf as unknown as { backend(): { isUsingGpuDevice?: boolean } }).backend().isUsingGpuDevice;
    if (devices === false) throw new BackendError(`${pkg} loaded but found no usable GPU (CUDA and cuDNN must match libtensorflow)`);
  }
  return { name, tf, version: tf.version.tfjs, kernels: "libtensorflow", kernelsDetail: "libtensorflow's own kernels" };
}

/** The kernels choice from the environment (CGX_KERNELS), for processes started without flags. */
export function kernelsFromEnv(): KernelsChoice {
  const v = process.env.CGX_KERNELS;
  if (v === undefined || v === "") return "auto";
  if (!(KERNEL_CHOICES as readonly string[]).includes(v)) throw new BackendError(`CGX_KERNELS is \`${v}\`; use one of ${KERNEL_CHOICES.join(", ")}`);
  return v as KernelsChoice;
}

async function loadJs(name: "wasm" | "cpu", kernels: KernelsChoice): Promise<LoadedBackend> {
  const tf = (await import("@tensorflow/tfjs")) as unknown as Tf;
  if (name === "wasm") {
    try {
      await import("@tensorflow/tfjs-backend-wasm");
    } catch (e) {
      throw new BackendError(`@tensorflow/tfjs-backend-wasm does not load: ${firstLine(e)}`);
    }
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`tfjs could not initialise the ${name} backend`);
  await tf.ready();
  const base = { name, tf, version: tf.version.tfjs };
  if (name === "cpu") {
    if (kernels === "openblas" || kernels === "native") throw new BackendError(`${kernels} kernels are used on the wasm backend only; use --backend wasm`);
    return { ...base, kernels: "builtin", kernelsDetail: "the cpu backend's JavaScript kernels" };
  }
  if (kernels === "builtin") {
    setWasmBlasKernels(tf, null);
    return { ...base, kernels: "builtin", kernelsDetail: "the wasm backend's own kernels (asked for)" };
  }
  const blas = probeOpenBlas();
  if (!blas.ok) {
    if (kernels === "openblas" || kernels === "native") throw new BackendError(`${kernels} kernels were asked for, but ${blas.reason}`);
    setWasmBlasKernels(tf, null);
    return { ...base, kernels: "builtin", kernelsDetail: `the wasm backend's own kernels: ${blas.reason}` };
  }
  const gemm = `OpenBLAS from ${blas.blas.library}, 1 thread (${blas.blas.config.trim()})`;
  const native = kernels === "openblas" ? null : probeNativeRows();
  if (native?.ok) {
    setWasmBlasKernels(tf, blas.blas, native.rows);
    return { ...base, kernels: "native", kernelsDetail: `${gemm}; row kernels compiled for this machine (${native.library})` };
  }
  if (kernels === "native") throw new BackendError(`native kernels were asked for, but ${native!.reason}`);
  setWasmBlasKernels(tf, blas.blas);
  return { ...base, kernels: "openblas", kernelsDetail: `${gemm}; row kernels in JavaScript${native ? `: ${native.reason}` : " (asked for)"}` };
}

/** The backend this process loaded last: tfjs has one active backend per process, and this is it. */
let active: LoadedBackend | undefined;

export async function loadBackend(name: BackendName, kernels: KernelsChoice = kernelsFromEnv()): Promise<LoadedBackend> {
  switch (name) {
    case "tensorflow-gpu":
      return (active = await loadNative("@tensorflow/tfjs-node-gpu", name));
    case "tensorflow":
      return (active = await loadNative("@tensorflow/tfjs-node", name));
    case "wasm":
    case "cpu":
      return (active = await loadJs(name, kernels));
  }
}

/**
 * The backend cells train on in this process (the one `cgx run` or a worker loaded), or, when none
 * is loaded yet, the first that loads. For work done before a cell, such as training the
 * perplexity reference model, so it never switches the process to another backend.
 */
export async function activeBackend(): Promise<LoadedBackend> {
  return active ?? pickBackend();
}

export function isBackendName(s: string): s is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(s);
}

/** The first backend that loads, or the one asked for (an error if it does not load). */
export async function pickBackend(forced?: string, kernels: KernelsChoice = kernelsFromEnv()): Promise<LoadedBackend> {
  if (forced !== undefined) {
    if (!isBackendName(forced)) throw new BackendError(`unknown backend \`${forced}\`; choose one of ${BACKEND_ORDER.join(", ")}`);
    return loadBackend(forced, kernels);
  }
  const reasons: string[] = [];
  for (const name of BACKEND_ORDER) {
    // Asking for OpenBLAS means wasm: the native backends have their own kernels.
    if ((kernels === "openblas" || kernels === "native") && name !== "wasm") continue;
    try {
      const b = await loadBackend(name, kernels);
      return reasons.length ? { ...b, passedOver: reasons } : b;
    } catch (e) {
      reasons.push(`${name}: ${firstLine(e)}`);
    }
  }
  throw new BackendError(`no TensorFlow.js backend loads:\n  ${reasons.join("\n  ")}`);
}

export interface BackendProbe {
  readonly name: BackendName;
  readonly ok: boolean;
  readonly detail: string;
  /** The kernels it would run, and why. */
  readonly kernels?: string;
}

/** Tries every backend, for `cgx doctor`. Native probes run first, before a JS backend is active. */
export async function probeBackends(kernels: KernelsChoice = kernelsFromEnv()): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      const b = await loadBackend(name, kernels);
      out.push({ name, ok: true, detail: `tfjs ${b.version}`, kernels: `${b.kernels}: ${b.kernelsDetail}` });
    } catch (e) {
      out.push({ name, ok: false, detail: firstLine(e) });
    }
  }
  return out;
}
