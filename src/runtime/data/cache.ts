/**
 * The on-disk cache: score arrays, trained tokenizers and reference models, each under a content-hash key, in
 * `<cacheDir>/data/<kind>/<key>.<ext>`. Writes are atomic (temp file + rename), so a killed run
 * leaves either the old entry or the new one, and two processes computing the same entry race
 * harmlessly. A key is a hash of everything the value depends on (texts, tokenizer, algorithm
 * version), so entries never go stale: they are only ever missing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../running/files.js";

export class DiskCache {
  constructor(readonly dir: string) {}

  private path(kind: string, key: string, ext: string): string {
    return join(this.dir, "data", kind, `${key}.${ext}`);
  }

  readJson<T>(kind: string, key: string): T | undefined {
    try {
      return JSON.parse(readFileSync(this.path(kind, key, "json"), "utf8")) as T;
    } catch {
      return undefined;
    }
  }

  writeJson(kind: string, key: string, value: unknown): void {
    writeAtomic(this.path(kind, key, "json"), JSON.stringify(value));
  }

  /** A float64 array of exactly `length` values, or undefined (missing, truncated, or other size). */
  readFloats(kind: string, key: string, length: number): Float64Array | undefined {
    return this.readArray(kind, key, "f64", length, Float64Array);
  }

  writeFloats(kind: string, key: string, values: Float64Array): void {
    writeAtomic(this.path(kind, key, "f64"), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  /** Float32 arrays (model weights), as readFloats. */
  readFloat32(kind: string, key: string, length: number): Float32Array | undefined {
    return this.readArray(kind, key, "f32", length, Float32Array);
  }

  writeFloat32(kind: string, key: string, values: Float32Array): void {
    writeAtomic(this.path(kind, key, "f32"), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  /** Where an entry lives (tests check that a second run leaves it untouched). */
  file(kind: string, key: string, ext: "json" | "f64" | "f32"): string {
    return this.path(kind, key, ext);
  }

  private readArray<A extends Float32Array | Float64Array>(kind: string, key: string, ext: string, length: number, Type: { new (n: number): A; readonly BYTES_PER_ELEMENT: number }): A | undefined {
    let buf: Buffer;
    try {
      buf = readFileSync(this.path(kind, key, ext));
    } catch {
      return undefined;
    }
    if (buf.byteLength !== length * Type.BYTES_PER_ELEMENT) return undefined;
    const out = new Type(length);
    new Uint8Array(out.buffer).set(buf);
    return out;
  }
}
