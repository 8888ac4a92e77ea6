/**
 * Whitespace normalisation: the one canonical form of a text. Deduplication compares texts in this
 * form, and every example's text is stored in it, so "the  cat\n" and "the cat" are one example.
 */

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;
const SPACES = /[\s\u200b]+/g;

/** Unicode NFC, every run of whitespace (newlines, tabs, no-break spaces) as one space, trimmed. */
export function normalizeText(text: string): string {
  // NFC: "é" as one code point or as e + combining accent must compare equal. It is the costliest
  // step and a no-op on ASCII, which most of the corpora are, so ASCII skips it.
  const nfc = NON_ASCII.test(text) ? text.normalize("NFC") : text;
  return nfc.replace(SPACES, " ").trim();
}

/** Line endings to "\n" (the files mix CRLF and LF). */
export function unixNewlines(text: string): string {
  return text.indexOf("\r") >= 0 ? text.replace(/\r\n?/g, "\n") : text;
}

/** Paragraphs: blocks separated by one or more blank (or whitespace-only) lines, each normalised. */
export function paragraphs(text: string): string[] {
  const out: string[] = [];
  for (const block of unixNewlines(text).split(/\n[ \t\u00a0]*\n/)) {
    const p = normalizeText(block);
    if (p) out.push(p);
  }
  return out;
}

/** Non-empty lines, each normalised. */
export function lines(text: string): string[] {
  const out: string[] = [];
  for (const line of unixNewlines(text).split("\n")) {
    const l = normalizeText(line);
    if (l) out.push(l);
  }
  return out;
}
