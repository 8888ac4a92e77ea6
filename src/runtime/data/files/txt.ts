/**
 * Plain text files: one example per paragraph (`document`: blocks between blank lines), per
 * sentence, or per non-empty line. Text is decoded (UTF-8, else latin-1) and whitespace-normalised.
 */
import type { RawDoc } from "../types.js";
import { lines, paragraphs } from "../text/normalize.js";
import { splitSentences } from "../text/sentences.js";

export type Unit = "document" | "sentence" | "line";

/** Splits one text into units; shared with jsonl, whose text fields are split the same way. */
export function unitsOf(text: string, unit: Unit): string[] {
  switch (unit) {
    case "document":
      return paragraphs(text);
    case "sentence":
      return paragraphs(text).flatMap(splitSentences);
    case "line":
      return lines(text);
  }
}

export function txtDocs(text: string, unit: Unit, display: string): RawDoc[] {
  return unitsOf(text, unit).map((t) => ({ text: t, meta: {}, origin: display }));
}
