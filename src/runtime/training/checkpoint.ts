/**
 * Checkpoints: named float32 tensors in one binary file plus a JSON manifest with a checksum and
 * whatever training state the trainer needs (step, optimizer step count, growth and pruning state).
 * A checkpoint is written into a temporary directory and renamed into place, so a kill mid-write
 * leaves the previous checkpoint intact.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic, writeJsonAtomic } from "../running/files.js";

export interface NamedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface CheckpointManifest<S> {
  readonly format: "cgx-checkpoint";
  readonly version: 1;
  readonly step: number;
  /** Lines of metrics.jsonl written when this checkpoint was taken. */
  readonly metricsLines: number;
  readonly sha256: string;
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly offset: number; readonly length: number }[];
  readonly state: S;
}

export class CheckpointError extends Error {}

const STEP_DIR = /^step-(\d{9})$/;

function stepDir(root: string, step: number): string {
  return join(root, `step-${String(step).padStart(9, "0")}`);
}

export function saveCheckpoint<S>(root: string, step: number, metricsLines: number, arrays: readonly NamedArray[], state: S, keep = 2): void {
  let total = 0;
  for (const a of arrays) total += a.data.length;
  const buf = new Float32Array(total);
  const tensors: CheckpointManifest<S>["tensors"][number][] = [];
  let offset = 0;
  for (const a of arrays) {
    buf.set(a.data, offset);
    tensors.push({ name: a.name, shape: [...a.shape], offset, length: a.data.length });
    offset += a.data.length;
  }
  const bytes = new Uint8Array(buf.buffer);
  const manifest: CheckpointManifest<S> = {
    format: "cgx-checkpoint",
    version: 1,
    step,
    metricsLines,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    tensors,
    state,
  };
  const final = stepDir(root, step);
  const tmp = `${final}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeAtomic(join(tmp, "weights.bin"), bytes);
  writeJsonAtomic(join(tmp, "manifest.json"), manifest);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  // Older checkpoints beyond `keep` are dropped only after the new one is in place.
  const steps = listCheckpoints(root);
  for (const s of steps.slice(0, Math.max(0, steps.length - keep))) rmSync(stepDir(root, s), { recursive: true, force: true });
}

/** Steps with a checkpoint directory, ascending. */
export function listCheckpoints(root: string): number[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => STEP_DIR.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export function loadCheckpoint<S>(root: string, step: number): { manifest: CheckpointManifest<S>; arrays: Map<string, NamedArray> } {
  const dir = stepDir(root, step);
  let manifest: CheckpointManifest<S>;
  let bytes: Buffer;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as CheckpointManifest<S>;
    bytes = readFileSync(join(dir, "weights.bin"));
  } catch (e) {
    throw new CheckpointError(`checkpoint ${dir} cannot be read: ${(e as Error).message}`);
  }
  if (manifest.format !== "cgx-checkpoint" || manifest.version !== 1) throw new CheckpointError(`checkpoint ${dir} has an unknown format`);
  const sum = createHash("sha256").update(bytes).digest("hex");
  if (sum !== manifest.sha256) throw new CheckpointError(`checkpoint ${dir} is corrupt (its weights do not match their checksum)`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const arrays = new Map<string, NamedArray>();
  for (const t of manifest.tensors) {
    if (t.offset + t.length > all.length) throw new CheckpointError(`checkpoint ${dir} is truncated`);
    arrays.set(t.name, { name: t.name, shape: t.shape, data: all.slice(t.offset, t.offset + t.length) });
  }
  return { manifest, arrays };
}

/** The newest checkpoint that loads; corrupt ones are reported through `warn` and skipped, never deleted. */
export function loadLatestCheckpoint<S>(root: string, warn: (message: string) => void): ReturnType<typeof loadCheckpoint<S>> | undefined {
  const steps = listCheckpoints(root).reverse();
  for (const s of steps) {
    try {
      return loadCheckpoint<S>(root, s);
    } catch (e) {
      if (!(e instanceof CheckpointError)) throw e;
      warn(`${e.message}; resuming from an earlier one`);
    }
  }
  return undefined;
}
