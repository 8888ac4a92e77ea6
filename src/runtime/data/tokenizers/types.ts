/** What the model trains on: text to token ids and back. */
export interface Tokenizer {
  readonly kind: "bytes" | "bpe" | "pretrained";
  /** Names the vocabulary exactly (for bpe, a hash of its merges): part of token-count cache keys. */
  readonly id: string;
  /** Every id is below this: the size of the model's embedding table. */
  readonly vocabSize: number;
  encode(text: string): number[];
  /** encode(text) as an Int32Array, where the tokenizer can skip the array in between (bytes: 3x faster). */
  encodeInt32?(text: string): Int32Array;
  decode(ids: readonly number[]): string;
  /** encode(text).length, faster where the tokenizer allows. */
  count(text: string): number;
}
