import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compressionRatio } from "../../../src/runtime/data/metrics/compression.js";
import { UnigramModel } from "../../../src/runtime/data/metrics/rarity.js";
import { isFamiliar, readability, syllables } from "../../../src/runtime/data/metrics/readability.js";

describe("Flesch-Kincaid grade (hand-computed: 0.39 w/s + 11.8 syl/w - 15.59)", () => {
  it("one sentence of one-syllable words", () => {
    // 6 words, 1 sentence, 6 syllables: 0.39 * 6 + 11.8 * 1 - 15.59 = -1.45
    const r = readability("The cat sat on the mat.");
    expect([r.words, r.sentences, r.syllables]).toEqual([6, 1, 6]);
    expect(r.grade).toBeCloseTo(-1.45, 10);
  });
  it("two sentences", () => {
    // The(1) elephant(3) ate(1) a(1) banana(3). It(1) was(1) happy(2).
    // 8 words, 2 sentences, 13 syllables: 0.39 * 4 + 11.8 * 13 / 8 - 15.59 = 5.145
    const r = readability("The elephant ate a banana. It was happy.");
    expect([r.words, r.sentences, r.syllables]).toEqual([8, 2, 13]);
    expect(r.grade).toBeCloseTo(5.145, 10);
  });
  it("a text without words has grade 0 and no NaN", () => {
    expect(readability("* * *")).toMatchObject({ words: 0, grade: 0, daleChall: 0 });
  });
  it("counts a number as one syllable", () => {
    expect(syllables("1990")).toBe(1);
    expect(syllables("elephant")).toBe(3);
  });
});

describe("Dale-Chall share of unfamiliar words", () => {
  it("one unfamiliar word of six", () => {
    // dog, played (play + ed), with, the are on the list; xylophone is not.
    const r = readability("The dog played with the xylophone.");
    expect(r.unfamiliar).toBe(1);
    expect(r.daleChall).toBeCloseTo(1 / 6, 12);
    // 6 words, 8 syllables: 0.39 * 6 + 11.8 * 8 / 6 - 15.59
    expect(r.grade).toBeCloseTo(2.34 + (11.8 * 8) / 6 - 15.59, 10);
  });
  it("accepts regular inflections, contractions, possessives, numbers and familiar compounds", () => {
    for (const w of ["dogs", "played", "stopped", "cries", "cried", "happier", "happiest", "bigger", "making", "don't", "Dog's", "1990", "far-off", "dog-house", "Mr"]) {
      expect(isFamiliar(w), w).toBe(true);
    }
  });
  it("rejects words off the list, and names", () => {
    for (const w of ["xylophone", "photosynthesis", "Alice", "well-photosynthesis"]) expect(isFamiliar(w), w).toBe(false);
  });
});

describe("compression", () => {
  it("is raw-DEFLATE bytes over UTF-8 bytes", () => {
    const t = "The cat sat on the mat. The cat sat on the mat.";
    expect(compressionRatio(t)).toBe(deflateRawSync(Buffer.from(t), { level: 9 }).length / Buffer.byteLength(t));
  });
  it("scores repetitive text lower than varied text", () => {
    const repetitive = "the cat ".repeat(50);
    const varied = Array.from({ length: 50 }, (_, i) => `w${(i * 7919) % 1000}x${i}`).join(" ");
    expect(compressionRatio(repetitive)).toBeLessThan(0.1);
    expect(compressionRatio(varied)).toBeGreaterThan(compressionRatio(repetitive));
    expect(compressionRatio("")).toBe(0);
  });
});

describe("rarity", () => {
  // Training text "a a b": N = 3 tokens, V = 2 words. p(w) = (c + 1) / (N + V + 1) = (c + 1) / 6.
  const m = UnigramModel.fit(["a A b"]);
  it("is add-one smoothed negative log probability, case-insensitive", () => {
    expect(m.surprise("a")).toBeCloseTo(-Math.log(3 / 6), 12);
    expect(m.surprise("B")).toBeCloseTo(-Math.log(2 / 6), 12);
    expect(m.surprise("zebra")).toBeCloseTo(-Math.log(1 / 6), 12);
  });
  it("averages over the words of a text", () => {
    expect(m.rarity("a b")).toBeCloseTo((Math.log(2) + Math.log(3)) / 2, 12);
    expect(m.rarity("...")).toBe(0);
    expect(m.rarity("zebra")).toBeGreaterThan(m.rarity("a"));
  });
});
