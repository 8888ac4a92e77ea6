import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha1 } from "../../../src/runtime/data/hash.js";
import { heldoutMask, splitPosition } from "../../../src/runtime/data/split.js";

const texts = Array.from({ length: 10000 }, (_, i) => `example number ${i} with some text`);

describe("heldout split", () => {
  it("holds out about the requested fraction", () => {
    for (const f of [0.02, 0.1, 0.3]) {
      const held = heldoutMask(texts, f).filter(Boolean).length / texts.length;
      // Within 4 binomial standard deviations.
      expect(Math.abs(held - f)).toBeLessThan(4 * Math.sqrt((f * (1 - f)) / texts.length));
    }
  });
  it("is a pure function of the text: stable across calls and independent of order and of other examples", () => {
    const a = heldoutMask(texts, 0.1);
    const reversed = heldoutMask([...texts].reverse(), 0.1).reverse();
    expect(reversed).toEqual(a);
    // The same texts among other examples land on the same side.
    const mixed = heldoutMask([...texts.slice(0, 500), ...Array.from({ length: 500 }, (_, i) => `other ${i}`)], 0.1);
    expect(mixed.slice(0, 500)).toEqual(a.slice(0, 500));
    expect(texts.slice(0, 500).map((t) => splitPosition(t) < 0.1)).toEqual(a.slice(0, 500));
  });
  it("has a fixed hash (so splits never change between versions by accident)", () => {
    // python3: int.from_bytes(sha1(b"cgx-heldout:The cat sat on the mat.").digest()[:8], "big") >> 12, / 2**52
    expect(splitPosition("The cat sat on the mat.")).toBe(0.921866778524544);
  });
  it("is nested: heldout at 2% is inside heldout at 5%", () => {
    const small = heldoutMask(texts, 0.02);
    const big = heldoutMask(texts, 0.05);
    small.forEach((h, i) => {
      if (h) expect(big[i]).toBe(true);
    });
  });
  it("gives a small source at least one heldout and one train example", () => {
    const few = ["one", "two", "three"];
    const m = heldoutMask(few, 0.01);
    expect(m.filter(Boolean).length).toBe(1);
    expect(heldoutMask(few, 0.999).filter((h) => !h).length).toBe(1);
    expect(heldoutMask(["only"], 0.5).length).toBe(1);
    expect(heldoutMask(few, 0).some(Boolean)).toBe(false);
  });
});

describe("the split's hash", () => {
  // The split must never move: a run's heldout set, its caches and its numbers depend on it.
  const reference = (key: string) => {
    const h = createHash("sha1").update("cgx-heldout:", "utf8").update(key, "utf8").digest();
    return (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)) / 2 ** 52;
  };
  const keys = ["", "plain ascii", "naïve café — “quotes”", "日本語のテキスト", "emoji 🙂 and a lone surrogate \ud800 here", "x".repeat(5000)];

  it("is sha1 of the key as a hash object computes it, on every kind of text", () => {
    for (const k of keys) expect(splitPosition(k)).toBe(reference(k));
    for (const k of keys) expect(sha1(k)).toBe(createHash("sha1").update(k, "utf8").digest("hex"));
    expect(splitPosition("example number 0 with some text")).toBe(reference("example number 0 with some text"));
    expect(keys.map(splitPosition).every((p) => p >= 0 && p < 1)).toBe(true);
  });
});
