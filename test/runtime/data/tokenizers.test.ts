import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BpeTokenizer } from "../../../src/runtime/data/tokenizers/bpe.js";
import { trainBpe } from "../../../src/runtime/data/tokenizers/bpe-train.js";
import { bytesTokenizer } from "../../../src/runtime/data/tokenizers/bytes.js";
import { chunks } from "../../../src/runtime/data/tokenizers/pretokenize.js";
import { pretrainedTokenizer } from "../../../src/runtime/data/tokenizers/pretrained.js";

const SAMPLES = ["", "hello world", "Caf\u00e9 na\u00efve \u2014 \u201cquoted\u201d", "emoji \u{1F600}\u{1F680} and \u4e2d\u6587", "  spaces   and\n\nnewlines\t\ttabs  ", "it's we'll they're 1234567 x"];

const CORPUS = Array.from({ length: 50 }, (_, i) => `the lowest newer wider lower low ${i % 5} the slowest lowly newest widest. The end's near, isn't it?`);

describe("pre-tokenization", () => {
  it("covers every character: the chunks join back to the text", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (s) => chunks(s).join("") === s));
  });
});

describe("bytes tokenizer", () => {
  it("encodes UTF-8 bytes and round-trips", () => {
    expect(bytesTokenizer.encode("a\u00e9")).toEqual([97, 0xc3, 0xa9]);
    for (const s of SAMPLES) {
      expect(bytesTokenizer.decode(bytesTokenizer.encode(s))).toBe(s);
      expect(bytesTokenizer.count(s)).toBe(bytesTokenizer.encode(s).length);
      // The typed-array path the data loader takes gives the same ids.
      expect(Array.from(bytesTokenizer.encodeInt32!(s))).toEqual(bytesTokenizer.encode(s));
    }
    expect(bytesTokenizer.encodeInt32!("a\u00e9 \ud800")).toEqual(Int32Array.from(bytesTokenizer.encode("a\u00e9 \ud800")));
    expect(bytesTokenizer.vocabSize).toBe(256);
  });
});

describe("bpe", () => {
  const merges = trainBpe(CORPUS, 256 + 60);
  const bpe = new BpeTokenizer(merges, 256 + 60);

  it("learns up to vocab - 256 merges, each from earlier ids", () => {
    expect(merges.length).toBeGreaterThan(20);
    expect(merges.length).toBeLessThanOrEqual(60);
    merges.forEach(([a, b], i) => {
      expect(a).toBeLessThan(256 + i);
      expect(b).toBeLessThan(256 + i);
    });
  });
  it("is deterministic, and independent of the order of the texts", () => {
    expect(trainBpe(CORPUS, 316)).toEqual(merges);
    expect(trainBpe([...CORPUS].reverse(), 316)).toEqual(merges);
  });
  it("merges the most frequent pair first (ties to the smaller ids)", () => {
    // "aaaa" x 10 and "bb" x 3: (a,a) occurs 30 times... after merging, "aa aa" -> one token.
    const m = trainBpe(["aaaa ".repeat(10) + "bb ".repeat(3)], 256 + 3);
    expect(m[0]).toEqual([97, 97]);
    const t = new BpeTokenizer(m, 259);
    expect(t.encode("aaaa")).toEqual([257]);
  });
  it("round-trips any text, including bytes never seen in training", () => {
    for (const s of SAMPLES) expect(bpe.decode(bpe.encode(s))).toBe(s);
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (s) => bpe.decode(bpe.encode(s)) === s));
  });
  it("compresses the training text and keeps ids under the vocabulary size", () => {
    const ids = bpe.encode(CORPUS[0]!);
    expect(ids.length).toBeLessThan(Buffer.byteLength(CORPUS[0]!) / 2);
    expect(Math.max(...ids)).toBeLessThan(bpe.vocabSize);
    expect(bpe.count(CORPUS[0]!)).toBe(ids.length);
  });
  it("stops early when no pair occurs twice, and rejects a vocabulary below 256", () => {
    expect(trainBpe(["ab"], 1000)).toEqual([]);
    expect(() => trainBpe(["ab"], 100)).toThrow(RangeError);
  });
  it("names its vocabulary by its merges", () => {
    expect(new BpeTokenizer(merges, 316).id).toBe(bpe.id);
    expect(new BpeTokenizer(merges.slice(0, -1), 316).id).not.toBe(bpe.id);
  });
});

describe("pretrained (gpt-tokenizer)", () => {
  it("cl100k_base encodes known ids, round-trips, and treats special-token text as text", async () => {
    const t = await pretrainedTokenizer("cl100k_base", 100277);
    expect(t.encode("hello world")).toEqual([15339, 1917]);
    for (const s of [...SAMPLES, "a <|endoftext|> b"]) expect(t.decode(t.encode(s))).toBe(s);
    expect(Math.max(...t.encode("<|endoftext|>"))).toBeLessThan(100256);
    expect(t.vocabSize).toBe(100277);
  });
  it("knows the four bundled encodings and names an unknown one", async () => {
    const r50k = await pretrainedTokenizer("r50k_base", 50257);
    expect(r50k.decode(r50k.encode("GPT-2 text"))).toBe("GPT-2 text");
    await expect(pretrainedTokenizer("gpt5_magic", 1)).rejects.toThrow(/unknown pretrained tokenizer "gpt5_magic"/);
  });
});
