/**
 * A sentence splitter for edited English prose. `sentence-splitter` (the npm package) took ~3 s per
 * MB here, too slow for ~40 MB of builtin text, and `sbd` throws on punctuation-only lines; this one
 * is a single regex pass with the usual exceptions, and never throws.
 *
 * A boundary is terminal punctuation (. ! ? or an ellipsis), optionally followed by closing quotes
 * or brackets, then whitespace, then anything but a lower-case letter. A period does not end a
 * sentence after an initial ("G. K. Chesterton"), a dotted abbreviation ("U.S.", "e.g."), or a
 * known abbreviation ("Mr.", "St.", "No. 5").
 */

/** Abbreviations that (almost) never end a sentence. Lower-case, without the period. */
const ABBREVIATIONS = new Set([
  "mr", "mrs", "ms", "messrs", "mme", "mlle", "dr", "st", "jr", "sr", "prof", "gen", "col", "capt",
  "cap", "lt", "sgt", "maj", "adm", "rev", "hon", "gov", "sen", "rep", "pres", "supt", "esq", "vs",
  "viz", "cf", "mt", "ft", "ave", "blvd", "co", "corp", "inc", "ltd", "bros", "dept", "univ",
  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx",
]);

/** Abbreviations that do not end a sentence when a number follows ("No. 5", "p. 12"). */
const BEFORE_NUMBER = new Set(["no", "nos", "vol", "vols", "p", "pp", "fig", "figs", "ch", "chap", "art", "sec", "sect"]);

// Terminal punctuation, closing quotes/brackets, then whitespace (the boundary is after the closers).
const CANDIDATE = /([.!?\u2026]+)(["'\u201d\u2019)\]]*)\s+/g;
const LOWER = /\p{Ll}/u;
const DIGIT = /\p{N}/u;
const HAS_WORD = /[\p{L}\p{N}]/u;

function endsSentence(text: string, punct: string, punctStart: number, next: string): boolean {
  if (next === "" || LOWER.test(next)) return false;
  if (punct !== ".") return true;
  // The token before the period, without opening quotes or brackets.
  let i = punctStart;
  while (i > 0 && !/\s/.test(text[i - 1]!)) i--;
  const token = text.slice(i, punctStart).replace(/^["'\u201c\u2018([]+/, "");
  if (/^\p{L}$/u.test(token)) return false; // an initial
  if (/^(?:\p{L}\.)+\p{L}$/u.test(token)) return false; // U.S., e.g., i.e.
  const lower = token.toLowerCase();
  if (ABBREVIATIONS.has(lower)) return false;
  if (BEFORE_NUMBER.has(lower) && DIGIT.test(next)) return false;
  return true;
}

/** Splits normalised text into sentences. Pieces without a letter or digit join the sentence before. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const end = m.index + m[0].length;
    const next = text[end] ?? "";
    if (!endsSentence(text, m[1]!, m.index, next)) continue;
    push(out, text.slice(start, m.index + m[1]!.length + m[2]!.length));
    start = end;
  }
  push(out, text.slice(start));
  return out;
}

function push(out: string[], piece: string): void {
  const s = piece.trim();
  if (!s) return;
  if (!HAS_WORD.test(s) && out.length > 0) out[out.length - 1] += " " + s;
  else out.push(s);
}
