/** A plan source to its documents: builtin corpus, user files, or a synthetic task (synthetic/). */
import type { PlanSource } from "../../plan/types.js";
import type { DiskCache } from "./cache.js";
import { BUILTIN_NAMES, isBuiltin, loadBuiltin } from "./corpora/registry.js";
import { DataError } from "./errors.js";
import { loadFileSource } from "./files/index.js";
import { syntheticDocs } from "./synthetic/index.js";
import { dedupe } from "./text/dedup.js";
import type { RawDoc } from "./types.js";

export function sourceDocs(src: PlanSource, cwd: string, cache?: DiskCache): readonly RawDoc[] {
  let docs: readonly RawDoc[];
  switch (src.kind) {
    case "builtin":
      if (!isBuiltin(src.corpus)) throw new DataError(`unknown builtin corpus "${src.corpus}" in source "${src.name}"`, `use one of ${BUILTIN_NAMES.join(", ")}`);
      docs = loadBuiltin(src.corpus, cache);
      break;
    case "files":
      docs = dedupe(loadFileSource(src, cwd));
      break;
    case "synthetic":
      docs = syntheticDocs(src);
      break;
  }
  if (docs.length === 0) {
    const where = src.kind === "files" ? `its files ("${src.glob}") hold no text` : src.kind === "synthetic" ? "the task generated nothing" : "the corpus is empty";
    throw new DataError(`source "${src.name}" has no examples: ${where}`, "check the files' contents, or remove the source");
  }
  return docs;
}
