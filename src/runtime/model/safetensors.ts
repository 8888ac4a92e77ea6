/**
 * The safetensors file format (Hugging Face), written by hand: an 8-byte little-endian header
 * length N, N bytes of JSON (padded with spaces so the data starts on an 8-byte boundary) mapping
 * each tensor's name to its dtype, shape and [begin, end) byte offsets into the data, and an
 * optional `__metadata__` map of strings; then the tensors' raw little-endian bytes, back to back
 * in the header's order, with no gaps. Only float32 ("F32") is written: cgx trains in float32.
 */
import type { NamedArray } from "../training/checkpoint.js";

/** The tensors of a safetensors file in its header's order, and its metadata. */
export function encodeSafetensors(tensors: readonly NamedArray[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header["__metadata__"] = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === "__metadata__" || t.name in header) throw new Error(`safetensors: the tensor name ${t.name} is taken`);
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) throw new Error(`safetensors: ${t.name} has shape [${t.shape.join(", ")}] but ${t.data.length} values`);
    header[t.name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  let json = JSON.stringify(header);
  const unpadded = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - ((8 + unpadded) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    // Float32Array is in the platform's byte order; write each value little-endian explicitly.
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}
