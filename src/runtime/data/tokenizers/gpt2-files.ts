/**
 * A byte-level tokenizer as GPT-2's tokenizer files: `vocab.json` (token string to id) and
 * `merges.txt` (one merge per line, in rank order, after a `#version: 0.2` line). GPT-2 writes
 * bytes as printable characters (its `bytes_to_unicode` table: printable Latin-1 bytes stand for
 * themselves, the others are moved to U+0100 and up), and a token's string is its bytes' characters.
 *
 * cgx's ids differ from OpenAI GPT-2's: byte b is id b and merge i makes id 256 + i, which is what
 * vocab.json records. The byte tokenizer is a BPE with no merges. cgx's pre-tokenizer is GPT-2's
 * pattern (pretokenize.ts), so GPT-2's tokenizer code with these files encodes text as cgx does.
 */
import type { Merge } from "./bpe.js";

/** GPT-2's byte to character table (bytes_to_unicode in openai/gpt-2's encoder.py). */
export function bytesToUnicode(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let next = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : 256 + next++));
  return out;
}

export interface Gpt2TokenizerFiles {
  readonly "vocab.json": string;
  readonly "merges.txt": string;
  /** Ids whose string another id already has (possible in BPE; vocab.json keeps the first). */
  readonly duplicates: readonly number[];
}

/** The files of a byte-level BPE with these merges (none: the byte tokenizer). */
export function gpt2TokenizerFiles(merges: readonly Merge[]): Gpt2TokenizerFiles {
  const table = bytesToUnicode();
  const strings = [...table];
  for (const [a, b] of merges) {
    const x = strings[a];
    const y = strings[b];
    if (x === undefined || y === undefined) throw new Error(`bpe: merge ${strings.length - 256} joins ids ${a} and ${b}, not both earlier`);
    strings.push(x + y);
  }
  const vocab: Record<string, number> = {};
  const duplicates: number[] = [];
  strings.forEach((s, id) => {
    if (s in vocab) duplicates.push(id);
    else vocab[s] = id;
  });
  const lines = ["#version: 0.2", ...merges.map(([a, b]) => `${strings[a]} ${strings[b]}`)];
  return { "vocab.json": `${JSON.stringify(vocab)}\n`, "merges.txt": `${lines.join("\n")}\n`, duplicates };
}
