/**
 * TensorFlow.js backends, picked by what loads: tfjs-node-gpu (CUDA), tfjs-node (native CPU), then
 * wasm, then the pure-JS cpu backend. The native packages are optional dependencies whose install
 * downloads libtensorflow; they are loaded lazily, and `cgx doctor` says why one did not load.
 */
import { createRequire } from "node:module";
import type * as TF from "@tensorflow/tfjs";

export type Tf = typeof TF;
export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";
export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

export interface LoadedBackend {
  readonly name: BackendName;
  readonly tf: Tf;
  /** The version of the tfjs package providing it. */
  readonly version: string;
}

export class BackendError extends Error {}

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
  return { name, tf, version: tf.version.tfjs };
}

async function loadJs(name: "wasm" | "cpu"): Promise<LoadedBackend> {
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
  return { name, tf, version: tf.version.tfjs };
}

export async function loadBackend(name: BackendName): Promise<LoadedBackend> {
  switch (name) {
    case "tensorflow-gpu":
      return loadNative("@tensorflow/tfjs-node-gpu", name);
    case "tensorflow":
      return loadNative("@tensorflow/tfjs-node", name);
    case "wasm":
    case "cpu":
      return loadJs(name);
  }
}

export function isBackendName(s: string): s is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(s);
}

/** The first backend that loads, or the one asked for (an error if it does not load). */
export async function pickBackend(forced?: string): Promise<LoadedBackend> {
  if (forced !== undefined) {
    if (!isBackendName(forced)) throw new BackendError(`unknown backend \`${forced}\`; choose one of ${BACKEND_ORDER.join(", ")}`);
    return loadBackend(forced);
  }
  const reasons: string[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      return await loadBackend(name);
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
}

/** Tries every backend, for `cgx doctor`. Native probes run first, before a JS backend is active. */
export async function probeBackends(): Promise<BackendProbe[]> {
  const out: BackendProbe[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      const b = await loadBackend(name);
      out.push({ name, ok: true, detail: `tfjs ${b.version}` });
    } catch (e) {
      out.push({ name, ok: false, detail: firstLine(e) });
    }
  }
  return out;
}
