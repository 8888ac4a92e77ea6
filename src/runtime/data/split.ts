/**
 * The heldout split. An example is heldout when a hash of its text (or its `splitKey`), read as a
 * number in [0, 1), is below the heldout fraction. So the split:
 *   - is the same in every cell, every run and every process (no RNG, no seed);
 *   - does not depend on the order of the examples or on the other sources;
 *   - sends a text found in two sources to the same side in both;
 *   - is nested: the heldout set at 2% is a subset of the heldout set at 5%.
 * One adjustment, deterministic too: a source with at least two examples whose hashes put none in
 * heldout (or none in train) gives its lowest-hash (highest-hash) example to that side, so every
 * source can be evaluated and trained on.
 */
import { sha1Bytes } from "./hash.js";

/** A text's position in [0, 1): the first 52 bits of sha1("cgx-heldout:" + key). */
export function splitPosition(key: string): number {
  const h = sha1Bytes(`cgx-heldout:${key}`);
  // 52 bits: exact in a double.
  return (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

/** true = heldout. */
export function heldoutMask(keys: readonly string[], fraction: number): boolean[] {
  return maskFromPositions(keys.map(splitPosition), fraction);
}

/** heldoutMask from precomputed positions (a builtin corpus's are computed once per process). */
export function maskFromPositions(pos: ArrayLike<number>, fraction: number): boolean[] {
  const mask = Array.from(pos, (p) => p < fraction);
  if (mask.length >= 2 && fraction > 0) {
    const held = mask.filter(Boolean).length;
    if (held === 0) mask[argBest(pos, (a, b) => a < b)] = true;
    else if (held === mask.length) mask[argBest(pos, (a, b) => a > b)] = false;
  }
  return mask;
}

function argBest(xs: ArrayLike<number>, better: (a: number, b: number) => boolean): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (better(xs[i]!, xs[best]!)) best = i;
  return best;
}
