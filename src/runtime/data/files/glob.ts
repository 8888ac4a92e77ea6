/**
 * Which files a `files("GLOB")` source reads. Node 20 has no fs.glob (Node 22 does), so tinyglobby
 * (fdir + picomatch, no install scripts). The pattern is relative to the run's working folder;
 * matches are sorted so the example order never depends on the file system.
 */
import { realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { globSync } from "tinyglobby";
import { DataError } from "../errors.js";

export interface MatchedFile {
  readonly path: string;
  /** The path as messages show it: relative to cwd when inside it. */
  readonly display: string;
}

/** Kernel and device trees: their "files" are live state, endless streams or loops, never data. */
const SYSTEM_TREES = ["/proc", "/sys", "/dev"];

/** Largest file read: bigger text does not fit in one JavaScript string and is best split. */
export const MAX_FILE_BYTES = 256 * 2 ** 20;

export function matchFiles(pattern: string, cwd: string): MatchedFile[] {
  const where = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
  const tree = SYSTEM_TREES.find((t) => where === t || where.startsWith(`${t}/`));
  if (tree) throw new DataError(`files("${pattern}") reads from ${tree}, which holds system state, not data`, "point the pattern at a folder of text or jsonl files");
  // The resolved pattern: tinyglobby finds nothing for more `../` than the working folder is deep.
  const paths = globSync(where, { absolute: true, onlyFiles: true, expandDirectories: false, dot: false });
  if (paths.length === 0) {
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
      const display = rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
      // A link to /dev/zero or a pipe among the files would be read forever; a huge file cannot be held.
      const st = statSync(path);
      if (!st.isFile()) throw new DataError(`${display} is not a regular file (a device, pipe or socket${realpathSync(path) !== path ? `, linked from here to ${realpathSync(path)}` : ""})`, "remove it from the folder, or narrow the pattern");
      if (st.size > MAX_FILE_BYTES) throw new DataError(`${display} is ${(st.size / 2 ** 20).toFixed(0)} MiB; cgx reads files of at most ${MAX_FILE_BYTES / 2 ** 20} MiB`, "split it into several files (the pattern can match them all)");
      return { path, display };
    });
}
