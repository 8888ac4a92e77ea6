/**
 * Which files a `files("GLOB")` source reads. Node 20 has no fs.glob (Node 22 does), so tinyglobby
 * (fdir + picomatch, no install scripts). The pattern is relative to the run's working folder;
 * matches are sorted so the example order never depends on the file system.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { globSync } from "tinyglobby";
import { DataError } from "../errors.js";

export interface MatchedFile {
  readonly path: string;
  /** The path as messages show it: relative to cwd when inside it. */
  readonly display: string;
}

export function matchFiles(pattern: string, cwd: string): MatchedFile[] {
  const paths = globSync(pattern, { cwd, absolute: true, onlyFiles: true, expandDirectories: false, dot: false });
  if (paths.length === 0) {
    const where = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
    throw new DataError(
      `no files match "${pattern}"`,
      `the pattern is read relative to ${cwd} (so it looked for ${where}); check the path and the extension`,
    );
  }
  return paths
    .map((p) => resolve(p))
    .sort()
    .map((path) => {
      const rel = relative(cwd, path);
      return { path, display: rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path };
    });
}
