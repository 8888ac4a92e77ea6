/** The shared last step of every prose corpus: paragraphs to passages, headings and scraps dropped. */
import type { Meta, RawDoc } from "../types.js";
import { isHeading, passages } from "../text/passages.js";
import { hasWords } from "../text/words.js";

/** Fewer words than this is a scrap ("Yes.", "Letter 1"), not a passage worth a difficulty score. */
export const MIN_PASSAGE_WORDS = 3;

export function proseDocs(paragraphs: Iterable<string>, origin: string, meta: Meta = {}): RawDoc[] {
  const out: RawDoc[] = [];
  for (const p of paragraphs) {
    if (isHeading(p)) continue;
    for (const text of passages(p)) {
      if (isHeading(text) || !hasWords(text, MIN_PASSAGE_WORDS)) continue;
      out.push({ text, meta, origin });
    }
  }
  return out;
}
