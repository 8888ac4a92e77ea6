/** Content hashes: cache keys and the heldout split both hash text, so they live in one place. */
import { createHash } from "node:crypto";

export function sha1(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/**
 * One hash over many texts, in order. Each text is length-prefixed, so ["ab", "c"] and ["a", "bc"]
 * hash differently; the texts are streamed into the hash, never concatenated in memory.
 */
export function hashTexts(texts: Iterable<string>, salt = ""): string {
  const h = createHash("sha1");
  h.update(salt, "utf8");
  for (const t of texts) {
    h.update(`\u0000${Buffer.byteLength(t, "utf8")}\u0000`, "utf8");
    h.update(t, "utf8");
  }
  return h.digest("hex");
}

/** A hash of a few parts (strings), each length-prefixed: for composing cache keys. */
export function hashParts(...parts: readonly string[]): string {
  return hashTexts(parts);
}
