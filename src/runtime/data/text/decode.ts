/**
 * Bytes to text. The NLTK Gutenberg files are mostly ASCII, but some (Julius Caesar, The Ball and
 * the Cross) carry latin-1 bytes such as 0xE6 for "æ" in "Cæsar"; decoding those as UTF-8 would
 * turn them into U+FFFD. So: strict UTF-8 when the bytes are valid UTF-8, latin-1 otherwise. Any
 * file with a byte >= 0x80 that is not valid UTF-8 is, in practice, latin-1 (or its superset
 * windows-1252, whose extra characters in 0x80-0x9F are mapped too).
 */

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** windows-1252's characters for bytes 0x80-0x9F (curly quotes, dashes); latin-1 has controls there. */
const CP1252: Readonly<Record<number, string>> = {
  0x80: "\u20ac", 0x82: "\u201a", 0x83: "\u0192", 0x84: "\u201e", 0x85: "\u2026", 0x86: "\u2020",
  0x87: "\u2021", 0x88: "\u02c6", 0x89: "\u2030", 0x8a: "\u0160", 0x8b: "\u2039", 0x8c: "\u0152",
  0x8e: "\u017d", 0x91: "\u2018", 0x92: "\u2019", 0x93: "\u201c", 0x94: "\u201d", 0x95: "\u2022",
  0x96: "\u2013", 0x97: "\u2014", 0x98: "\u02dc", 0x99: "\u2122", 0x9a: "\u0161", 0x9b: "\u203a",
  0x9c: "\u0153", 0x9e: "\u017e", 0x9f: "\u0178",
};

export function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    // Only pay for the 0x80-0x9F remap when such a byte is present (rare).
    if (/[\u0080-\u009f]/.test(text)) text = text.replace(/[\u0080-\u009f]/g, (c) => CP1252[c.charCodeAt(0)] ?? c);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
