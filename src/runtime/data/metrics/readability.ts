/**
 * Readability of a text: words, sentences, syllables, Flesch-Kincaid grade, and the share of words
 * not on the Dale-Chall familiar list.
 *
 * - Syllables come from `syllable` (memoised per lower-cased word: the corpora have a few hundred
 *   thousand distinct words and tens of millions of tokens). A number counts one syllable
 *   (`syllable` gives numbers zero, which would make "1990" easier than "a").
 * - Grade is `flesch-kincaid`'s formula, 0.39 words/sentence + 11.8 syllables/word - 15.59, with
 *   sentences from our splitter. A text without words has grade 0.
 * - `dale_chall` here is the SHARE of words not on the list (0..1), not the Dale-Chall score: the
 *   share is what the catalog describes, and it is linear and bounded, which suits a difficulty
 *   threshold. A word is familiar if it is on the list (New Dale-Chall, 1995, from `dale-chall`),
 *   or is a regular inflection of a listed word (-s, -es, -ies, -'s, -d, -ed, -ied, -ing, -er, -est,
 *   -ier, -iest, with a doubled final consonant or a dropped final e), or is hyphenated from
 *   familiar parts, or is a number (numbers are familiar under the Dale-Chall rules). Proper names
 *   are not recognised, so they count as unfamiliar.
 */
import { daleChall } from "dale-chall";
import { fleschKincaid } from "flesch-kincaid";
import { syllable } from "syllable";
import { splitSentences } from "../text/sentences.js";
import { words } from "../text/words.js";

const syllableMemo = new Map<string, number>();

export function syllables(word: string): number {
  const w = word.toLowerCase();
  let n = syllableMemo.get(w);
  if (n === undefined) {
    n = Math.max(1, syllable(w));
    syllableMemo.set(w, n);
  }
  return n;
}

const LIST: ReadonlySet<string> = new Set(daleChall);
const familiarMemo = new Map<string, boolean>();

/** Candidate stems of an inflected word: "stopped" -> stopp, stop, stope; "cries" -> cry. */
function stems(w: string): string[] {
  const out: string[] = [];
  const strip = (suffix: string, ...adds: string[]) => {
    if (w.length > suffix.length + 1 && w.endsWith(suffix)) {
      const base = w.slice(0, -suffix.length);
      out.push(base);
      for (const a of adds) out.push(base + a);
      // stopped -> stop, bigger -> big
      if (base.length > 2 && base[base.length - 1] === base[base.length - 2]) out.push(base.slice(0, -1));
    }
  };
  strip("'s");
  strip("s");
  strip("es");
  strip("ies", "y");
  strip("ied", "y");
  strip("ier", "y");
  strip("iest", "y");
  strip("ed", "e");
  strip("d");
  strip("ing", "e");
  strip("er", "e");
  strip("est", "e");
  return out;
}

export function isFamiliar(word: string): boolean {
  const w = word.toLowerCase().replace(/\u2019/g, "'");
  const memo = familiarMemo.get(w);
  if (memo !== undefined) return memo;
  let ok: boolean;
  if (/^\p{N}/u.test(w) || LIST.has(w) || LIST.has(w + ".")) ok = true;
  else if (w.includes("-")) ok = w.split("-").every((part) => part !== "" && isFamiliar(part));
  else ok = stems(w).some((s) => LIST.has(s));
  familiarMemo.set(w, ok);
  return ok;
}

export interface Readability {
  readonly words: number;
  readonly sentences: number;
  readonly syllables: number;
  readonly unfamiliar: number;
  /** Flesch-Kincaid grade; 0 for a text without words. */
  readonly grade: number;
  /** Share of words not on the Dale-Chall familiar list, 0..1; 0 for a text without words. */
  readonly daleChall: number;
}

export function readability(text: string): Readability {
  const ws = words(text);
  let syl = 0;
  let unfamiliar = 0;
  for (const w of ws) {
    syl += syllables(w);
    if (!isFamiliar(w)) unfamiliar++;
  }
  const sentences = ws.length === 0 ? 0 : Math.max(1, splitSentences(text).length);
  const grade = ws.length === 0 ? 0 : fleschKincaid({ sentence: sentences, word: ws.length, syllable: syl });
  return { words: ws.length, sentences, syllables: syl, unfamiliar, grade, daleChall: ws.length === 0 ? 0 : unfamiliar / ws.length };
}
