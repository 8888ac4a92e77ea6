import { describe, expect, it } from "vitest";
import { untagBrownLine, brownParagraphs } from "../../../src/runtime/data/corpora/brown.js";
import { cleanGutenbergBook } from "../../../src/runtime/data/corpora/gutenberg.js";
import { decodeText } from "../../../src/runtime/data/text/decode.js";
import { dedupe } from "../../../src/runtime/data/text/dedup.js";
import { stripGutenberg, stripMarkup } from "../../../src/runtime/data/text/gutenberg.js";
import { lines, normalizeText, paragraphs } from "../../../src/runtime/data/text/normalize.js";
import { groupSentences, isHeading, MAX_PASSAGE_CHARS, passages } from "../../../src/runtime/data/text/passages.js";
import { splitSentences } from "../../../src/runtime/data/text/sentences.js";
import { countWords, words } from "../../../src/runtime/data/text/words.js";

describe("decoding", () => {
  it("reads valid UTF-8 as UTF-8", () => {
    expect(decodeText(Buffer.from("Cæsar — naïve", "utf8"))).toBe("Cæsar — naïve");
  });
  it("reads latin-1 bytes (as in shakespeare-caesar.txt) as latin-1, not U+FFFD", () => {
    expect(decodeText(Uint8Array.from([0x43, 0xe6, 0x73, 0x61, 0x72]))).toBe("Cæsar");
  });
  it("maps windows-1252 quotes in 0x80-0x9F", () => {
    expect(decodeText(Uint8Array.from([0x93, 0x48, 0x69, 0x94, 0xe9]))).toBe("\u201cHi\u201dé");
  });
  it("drops a byte-order mark", () => {
    expect(decodeText(Buffer.from("\ufeffhello", "utf8"))).toBe("hello");
  });
});

describe("normalisation", () => {
  it("collapses every kind of whitespace and trims", () => {
    expect(normalizeText("  the\tcat\r\n sat\u00a0 on\n\nthe mat ")).toBe("the cat sat on the mat");
  });
  it("composes to NFC so two spellings of é are one text", () => {
    expect(normalizeText("cafe\u0301")).toBe("caf\u00e9");
  });
  it("splits paragraphs at blank lines, CRLF or LF, and lines at newlines", () => {
    expect(paragraphs("one\r\ntwo\r\n\r\n\r\nthree\n \nfour")).toEqual(["one two", "three", "four"]);
    expect(lines("a\n\n b \r\nc")).toEqual(["a", "b", "c"]);
  });
});

describe("sentence splitting", () => {
  const cases: [string, string[]][] = [
    ["The cat sat. The dog ran! Did it? Yes.", ["The cat sat.", "The dog ran!", "Did it?", "Yes."]],
    ['"Who is that?" she said. "It is the Rain."', ['"Who is that?" she said.', '"It is the Rain."']],
    ["Mr. Bennet replied that he had not. Mrs. Long said so.", ["Mr. Bennet replied that he had not.", "Mrs. Long said so."]],
    ["G. K. Chesterton wrote it. It sold well.", ["G. K. Chesterton wrote it.", "It sold well."]],
    ["He lived in the U.S. for years. Then he left.", ["He lived in the U.S. for years.", "Then he left."]],
    ["See No. 5 on p. 12 for details. Good.", ["See No. 5 on p. 12 for details.", "Good."]],
    ["He said no. Then he went.", ["He said no.", "Then he went."]],
    ["Wait... what is this? (It is a test.) Fine.", ["Wait... what is this?", "(It is a test.)", "Fine."]],
    ["e.g. this stays together. And this.", ["e.g. this stays together.", "And this."]],
  ];
  it.each(cases)("%s", (text, expected) => {
    expect(splitSentences(text)).toEqual(expected);
  });
  it("never throws on punctuation-only text (where sbd does), and keeps it", () => {
    expect(splitSentences("* * * * *")).toEqual(["* * * * *"]);
    expect(splitSentences("... !!! ???")).toEqual(["... !!! ???"]);
    expect(splitSentences("")).toEqual([]);
    expect(splitSentences("It ended. * * *")).toEqual(["It ended. * * *"]);
  });
  it("loses no text: the sentences joined give the input back", () => {
    const t = 'One. "Two?" said he. Three! Mr. Four went to St. Paul\'s. Five';
    expect(splitSentences(t).join(" ")).toBe(t);
  });
});

describe("words", () => {
  it("keeps contractions and hyphenated words whole, splits at other punctuation", () => {
    expect(words("Don't stop—the well-known cat's _tap_, 1990!")).toEqual(["Don't", "stop", "the", "well-known", "cat's", "tap", "1990"]);
    expect(countWords("  ")).toBe(0);
  });
});

describe("passages", () => {
  it("keeps a short paragraph whole", () => {
    expect(passages("A short one. Two.")).toEqual(["A short one. Two."]);
  });
  it("cuts a long paragraph at sentence boundaries into even pieces under the limit", () => {
    const sentence = "This is a sentence of moderate length that goes on a while.";
    const para = Array.from({ length: 40 }, () => sentence).join(" ");
    const ps = passages(para);
    expect(ps.length).toBeGreaterThan(3);
    for (const p of ps) {
      expect(p.length).toBeLessThanOrEqual(MAX_PASSAGE_CHARS);
      expect(p.endsWith(".")).toBe(true);
    }
    expect(ps.join(" ")).toBe(para);
  });
  it("balances: 700 characters become two of ~350, not 600 + 100", () => {
    const s = "x".repeat(99) + ".";
    const out = groupSentences(Array.from({ length: 7 }, () => s), 600);
    expect(out.map((p) => p.length)).toEqual([403, 302]);
  });
  it("cuts a run-on sentence over three times the limit at spaces", () => {
    const runOn = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const ps = passages(runOn);
    expect(ps.every((p) => p.length <= MAX_PASSAGE_CHARS)).toBe(true);
    expect(ps.join(" ")).toBe(runOn);
  });
  it("recognises headings", () => {
    expect(isHeading("CHAPTER XII")).toBe(true);
    expect(isHeading("* * *")).toBe(true);
    expect(isHeading("Once upon a time")).toBe(false);
  });
});

describe("Gutenberg cleaning", () => {
  it("removes the licence after an end marker and the header before a start marker", () => {
    const book = ["Some header junk", "*** START OF THE PROJECT GUTENBERG EBOOK X ***", ...Array(20).fill("Body text here."), "End of Project Gutenberg's X, by Y", "licence licence"].join("\n");
    const clean = stripGutenberg(book);
    expect(clean).toContain("Body text here.");
    expect(clean).not.toMatch(/header junk|licence|Project Gutenberg/);
  });
  it("ignores a mention of Project Gutenberg early in the text", () => {
    const t = "End of Project Gutenberg etext mention.\n" + "Body.\n".repeat(50);
    expect(stripGutenberg(t)).toBe(t);
  });
  it("drops the NLTK title line, verse numbers and _italics_", () => {
    const raw = "[The King James Bible]\n\n1:1 In the beginning God created the heaven.\n\n1:2 And the earth was _without_ form.";
    expect(paragraphs(cleanGutenbergBook(raw))).toEqual(["In the beginning God created the heaven.", "And the earth was without form."]);
    expect(stripMarkup("a _tap, tap, tap_, at the door")).toBe("a tap, tap, tap, at the door");
    expect(stripMarkup("snake_case stays")).toBe("snake_case stays");
  });
});

describe("Brown untagging", () => {
  it("strips tags and rejoins punctuation and quotes", () => {
    const line = "\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' that/cs Atlanta's/np$ Jr./np ,/, was/bedz (/( sic/rb )/) ./.";
    expect(untagBrownLine(line)).toBe('The jury said "no evidence" that Atlanta\'s Jr., was (sic).');
  });
  it("writes inches as 10\" without Brown's stray quote token", () => {
    expect(untagBrownLine("only/rb 4'/nns 10''/nns ''/'' tall/jj ./.")).toBe('only 4\' 10" tall.');
  });
  it("joins a paragraph's sentence lines and separates paragraphs at blank lines", () => {
    const file = "\n\n\tOne/cd ./.\nTwo/cd ./.\n\n\n\tThree/cd !/.\n";
    expect(brownParagraphs(file)).toEqual(["One. Two.", "Three!"]);
  });
});

describe("dedup", () => {
  it("keeps the first of exact duplicates, in order", () => {
    const docs = [{ text: "a b", n: 1 }, { text: "c", n: 2 }, { text: "a b", n: 3 }, { text: "", n: 4 }];
    expect(dedupe(docs)).toEqual([{ text: "a b", n: 1 }, { text: "c", n: 2 }]);
  });
});
