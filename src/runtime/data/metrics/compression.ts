/**
 * Compression difficulty: compressed bytes / UTF-8 bytes. Text a compressor finds predictable
 * (repetitive, common words) compresses well and scores low; varied text scores high.
 *
 * The compressor is DEFLATE at level 9, raw: without gzip's fixed 18-byte header and trailer,
 * which would otherwise dominate short examples (a 40-byte sentence would score > 1 for the
 * header alone). It is the same algorithm gzip runs. Short texts still score higher than long
 * ones (DEFLATE has less context to exploit); compare examples of like length, or use `where`.
 */
import { deflateRawSync } from "node:zlib";

export function compressionRatio(text: string): number {
  const raw = Buffer.from(text, "utf8");
  if (raw.length === 0) return 0;
  return deflateRawSync(raw, { level: 9 }).length / raw.length;
}
