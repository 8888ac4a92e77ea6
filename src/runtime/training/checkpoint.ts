/**
 * Checkpoints: named float32 tensors in one binary file plus a JSON manifest (format in
 * src/store/checkpoint-format.ts) with checksums of both and whatever training state the trainer
 * needs (step, optimizer step count, growth and pruning state). A checkpoint is written into a
 * temporary directory, every file flushed, and renamed into place, so a kill or a full disk
 * mid-write leaves the previous checkpoint intact.
 */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { renameDurable, writeAtomic, writeJsonAtomic, onDisk } from "../../store/durable.js";
import { CheckpointError, listCheckpoints, readCheckpoint, sealManifest, stepDir, weightsChecksum, type CheckpointManifest, type TensorEntry } from "../../store/checkpoint-format.js";

export { CheckpointError, listCheckpoints, type CheckpointManifest };

export interface NamedArray {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function saveCheckpoint<S>(root: string, step: number, metricsLines: number, arrays: readonly NamedArray[], state: S, keep = 2): void {
  let total = 0;
  for (const a of arrays) total += a.data.length;
  const buf = new Float32Array(total);
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const a of arrays) {
    buf.set(a.data, offset);
    tensors.push({ name: a.name, shape: [...a.shape], offset, length: a.data.length });
    offset += a.data.length;
  }
  const bytes = new Uint8Array(buf.buffer);
  const manifest = sealManifest<S>({ format: "cgx-checkpoint", version: 1, step, metricsLines, sha256: weightsChecksum(bytes), bytes: bytes.byteLength, tensors, state });
  const final = stepDir(root, step);
  const tmp = `${final}.tmp-${process.pid}`;
  onDisk(tmp, "create", () => {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
  });
  try {
    writeAtomic(join(tmp, "weights.bin"), bytes);
    writeJsonAtomic(join(tmp, "manifest.json"), manifest);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  rmSync(final, { recursive: true, force: true });
  renameDurable(tmp, final);
  // Older checkpoints beyond `keep` are dropped only after the new one is in place.
  const steps = listCheckpoints(root);
  for (const s of steps.slice(0, Math.max(0, steps.length - keep))) rmSync(stepDir(root, s), { recursive: true, force: true });
}

export function loadCheckpoint<S>(root: string, step: number): { manifest: CheckpointManifest<S>; arrays: Map<string, NamedArray> } {
  const { manifest, bytes } = readCheckpoint<S>(stepDir(root, step));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const arrays = new Map<string, NamedArray>();
  for (const t of manifest.tensors) arrays.set(t.name, { name: t.name, shape: t.shape, data: all.slice(t.offset, t.offset + t.length) });
  return { manifest, arrays };
}

/**
 * Moves checkpoints after `step` into checkpoints/rejected/ (kept for inspection, out of the way
 * of resume and of the `keep` rotation): used when training restarts from an earlier point.
 */
export function rejectCheckpointsAfter(root: string, step: number): number[] {
  const later = listCheckpoints(root).filter((s) => s > step);
  if (!later.length) return later;
  const aside = join(root, "rejected");
  mkdirSync(aside, { recursive: true });
  for (const s of later) {
    const dir = stepDir(root, s);
    const to = join(aside, `${basename(dir)}-${Date.now()}`);
    onDisk(to, "move", () => renameSync(dir, to));
  }
  return later;
}
