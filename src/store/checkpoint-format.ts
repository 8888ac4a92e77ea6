/**
 * The checkpoint format on disk, shared by the runtime (which writes and loads checkpoints) and
 * by every reader that must trust one (`cgx status --verify`, the report): a directory
 * `checkpoints/step-NNNNNNNNN/` holding `weights.bin` (named float32 tensors back to back) and
 * `manifest.json`, which carries the checksum and size of the weights and a checksum of itself.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly length: number;
}

export interface CheckpointManifest<S = unknown> {
  readonly format: "cgx-checkpoint";
  readonly version: 1;
  readonly step: number;
  /** Lines of metrics.jsonl written when this checkpoint was taken. */
  readonly metricsLines: number;
  /** sha256 of weights.bin. */
  readonly sha256: string;
  /** Size of weights.bin in bytes (absent in checkpoints written before sizes were recorded). */
  readonly bytes?: number;
  readonly tensors: readonly TensorEntry[];
  readonly state: S;
  /** sha256 of this manifest's JSON without this field (absent in older checkpoints). */
  readonly manifest_sha256?: string;
}

export class CheckpointError extends Error {}

const STEP_DIR = /^step-(\d{9})$/;

export function stepDir(root: string, step: number): string {
  return join(root, `step-${String(step).padStart(9, "0")}`);
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

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The manifest with its own checksum added. */
export function sealManifest<S>(m: Omit<CheckpointManifest<S>, "manifest_sha256">): CheckpointManifest<S> {
  return { ...m, manifest_sha256: sha256(JSON.stringify(m)) };
}

export function weightsChecksum(bytes: Uint8Array): string {
  return sha256(bytes);
}

/** Reads a checkpoint directory and checks every file against its checksum; throws CheckpointError naming what is wrong. */
export function readCheckpoint<S>(dir: string): { manifest: CheckpointManifest<S>; bytes: Buffer } {
  let manifest: CheckpointManifest<S>;
  let bytes: Buffer;
  try {
    manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as CheckpointManifest<S>;
  } catch (e) {
    throw new CheckpointError(`checkpoint ${dir} has no readable manifest (${(e as Error).message})`);
  }
  if (manifest.format !== "cgx-checkpoint" || manifest.version !== 1) throw new CheckpointError(`checkpoint ${dir} has an unknown format`);
  if (manifest.manifest_sha256 !== undefined) {
    const { manifest_sha256: sum, ...rest } = manifest;
    if (sha256(JSON.stringify(rest)) !== sum) throw new CheckpointError(`checkpoint ${dir} is corrupt (its manifest does not match its checksum)`);
  }
  try {
    bytes = readFileSync(join(dir, "weights.bin"));
  } catch (e) {
    throw new CheckpointError(`checkpoint ${dir} cannot be read: ${(e as Error).message}`);
  }
  if (manifest.bytes !== undefined && bytes.byteLength !== manifest.bytes) {
    throw new CheckpointError(`checkpoint ${dir} is truncated (weights.bin holds ${bytes.byteLength} of ${manifest.bytes} bytes)`);
  }
  if (weightsChecksum(bytes) !== manifest.sha256) throw new CheckpointError(`checkpoint ${dir} is corrupt (its weights do not match their checksum)`);
  const floats = bytes.byteLength / 4;
  for (const t of manifest.tensors) if (t.offset + t.length > floats) throw new CheckpointError(`checkpoint ${dir} is truncated`);
  return { manifest, bytes };
}
