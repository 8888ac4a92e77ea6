/** The byte tokenizer: UTF-8 bytes, ids 0-255. Lossless for any well-formed string. */
import type { Tokenizer } from "./types.js";

const encoder = new TextEncoder();
/** Not fatal: a cut in the middle of a multi-byte character decodes to U+FFFD instead of throwing. */
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export const bytesTokenizer: Tokenizer = {
  kind: "bytes",
  id: "bytes",
  vocabSize: 256,
  encode: (text) => Array.from(encoder.encode(text)),
  encodeInt32: (text) => new Int32Array(encoder.encode(text)),
  decode: (ids) => decoder.decode(Uint8Array.from(ids)),
  count: (text) => Buffer.byteLength(text, "utf8"),
};
