/**
 * Whitespace normalisation: the one canonical form of a text. Deduplication compares texts in this
 * form, and every example's text is stored in it, so "the  cat\n" and "the cat" are one example.
 */

/** Unicode NFC, every run of whitespace (newlines, tabs, no-break spaces) as one space, trimmed. */
export function normalizeText(text: string): string {
  // NFC first: "é" as one code point or as e + combining accent must compare equal.
  // eslint-disable-next-line no-control-regex
  return text.normalize("NFC").replace(/[\s\u00a0\u200b\ufeff]+/g, " ").trim();
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
