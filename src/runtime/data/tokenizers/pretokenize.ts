/**
 * Pre-tokenization for the byte-level BPE: text is cut into chunks (GPT-2's pattern: contractions,
 * a word with its leading space, a number, a run of punctuation, whitespace) and merges never
 * cross a chunk boundary. The alternatives cover every character, so joining the chunks gives back
 * the text exactly.
 */
const CHUNK = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function chunks(text: string): string[] {
  return text.match(CHUNK) ?? [];
}
