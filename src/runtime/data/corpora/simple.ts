/**
 * simple.sentences: the easiest rung. Every sentence of every other builtin corpus with 3 to 14
 * words, all of them familiar (on the Dale-Chall list, see metrics/readability.ts), that reads as a
 * whole sentence: it starts with a capital letter (after an optional quote) and ends with . ! or ?
 * (after optional closing quotes). An unmatched double quote at either end is dropped.
 *
 * Deterministic: corpora in catalog order, sentences in text order, first occurrence kept. Each
 * sentence's heldout split follows the passage it came from (its `splitKey`), so a sentence in this
 * source's training split never comes from another source's heldout passage.
 */
import type { RawDoc } from "../types.js";
import { isFamiliar } from "../metrics/readability.js";
import { isHeading } from "../text/passages.js";
import { splitSentences } from "../text/sentences.js";
import { words } from "../text/words.js";

export const SIMPLE_MIN_WORDS = 3;
export const SIMPLE_MAX_WORDS = 14;

const STARTS = /^["'\u201c\u2018(]?\p{Lu}/u;
const ENDS = /[.!?]["'\u201d\u2019)]?$/;

/** Repairs a sentence cut out of a quotation: '"I will go.' -> 'I will go.'; null if it stays odd. */
function balanceQuotes(s: string): string | null {
  const n = s.split('"').length - 1;
  if (n % 2 === 0) return s;
  if (s.startsWith('"')) return s.slice(1).trim();
  if (s.endsWith('"')) return s.slice(0, -1).trim();
  return null;
}

export function simpleSentence(sentence: string): string | null {
  const s = balanceQuotes(sentence);
  // All capitals is shouting or a sign, not an easy sentence.
  if (s === null || !STARTS.test(s) || !ENDS.test(s) || isHeading(s)) return null;
  const ws = words(s);
  if (ws.length < SIMPLE_MIN_WORDS || ws.length > SIMPLE_MAX_WORDS) return null;
  return ws.every(isFamiliar) ? s : null;
}

export function simpleSentencesOf(corpus: string, docs: readonly RawDoc[]): RawDoc[] {
  const out: RawDoc[] = [];
  for (const d of docs) {
    for (const sentence of splitSentences(d.text)) {
      const s = simpleSentence(sentence);
      if (s !== null) out.push({ text: s, meta: {}, origin: `${corpus}/${d.origin}`, splitKey: d.splitKey ?? d.text });
    }
  }
  return out;
}
