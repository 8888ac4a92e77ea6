/** Content hashes: cache keys and the heldout split both hash text, so they live in one place. */
import * as crypto from "node:crypto";
import { createHash } from "node:crypto";

// A namespace lookup, not a named import: on a Node 20 before 20.12 the import itself would fail.
const hash = (crypto as Partial<typeof crypto>).hash;

/**
 * SHA-1 of a UTF-8 string: node's one-shot `crypto.hash` where there is one (Node 20.12 on; twice
 * as fast for the short texts hashed by the thousand when a run loads its data), else a Hash.
 */
export const sha1Bytes: (text: string) => Buffer =
  hash ? (text) => hash("sha1", text, "buffer") : (text) => createHash("sha1").update(text, "utf8").digest();

export function sha1(text: string): string {
  return hash ? hash("sha1", text, "hex") : createHash("sha1").update(text, "utf8").digest("hex");
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
