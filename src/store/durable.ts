/**
 * Durable files: every write is whole or absent. A file is written to a temporary sibling, every
 * byte checked, flushed to disk, renamed into place and its directory flushed, so a kill, a full
 * disk or a power cut leaves the previous version or the new one, never a part. Appends either
 * add the whole record or leave the file as it was. Disk failures (full, read-only, I/O error)
 * surface as a DiskError naming the path, which the CLI reports as the user's problem (exit 1).
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

/** Error codes that mean "the disk (or its permissions) refused", not "cgx has a bug". */
const DISK_CODES: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large for this file system",
  EIO: "input/output error (a failing disk or a lost network mount?)",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is a file, not a directory",
  EEXIST: "a file is in the way",
  ENAMETOOLONG: "the name is too long for this file system",
  // Seen when a directory exists but its file system takes no new files (/proc, /sys).
  ENOENT: "this file system does not take new files there",
};

/** What to do about each kind of refusal. */
function helpFor(code: string): string {
  if (code === "ENOSPC" || code === "EDQUOT" || code === "EFBIG") return "free space on that disk (or use a directory on another one) and run the same command again";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return "fix the permissions (or use a directory you can write to) and run the same command again";
  if (code === "EIO") return "check the disk or network mount, then run the same command again";
  return "give a path that names a file in a directory you can write to";
}

export class DiskError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    readonly action: string,
  ) {
    super(`cannot ${action} ${path}: ${DISK_CODES[code] ?? code} (${code})`);
  }

  /** One help line: how to fix it, and that nothing already written is lost. */
  get help(): string {
    return `${helpFor(this.code)}; what was already written is intact and a run resumes where it stopped`;
  }
}

/** Runs `fn`; a disk-level failure becomes a DiskError naming `path`. Other errors pass through. */
export function onDisk<T>(path: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asDiskError(e, path, action);
  }
}

function asDiskError(e: unknown, path: string, action: string): unknown {
  if (e instanceof DiskError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  return code && code in DISK_CODES ? new DiskError(path, code, action) : e;
}

let counter = 0;

/** A temporary sibling of `path`, named so that orphans can be traced to their writer's pid. */
export function tempPath(path: string): string {
  return `${path}.tmp-${process.pid}-${counter++}`;
}

/** Matches temporary names made by tempPath (and by checkpoint directories: `.tmp-PID`). */
const TEMP_NAME = /\.tmp-(\d+)(?:-\d+)?$/;

export function tempWriterPid(name: string): number | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Writes every byte of `data` at the file's current position; a short write is retried, never ignored. */
function writeAll(fd: number, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) {
    const n = writeSync(fd, data, off, data.length - off);
    // write(2) returning 0 for a non-empty buffer means the device takes no more.
    if (n <= 0) throw Object.assign(new Error("short write"), { code: "ENOSPC" });
    off += n;
  }
}

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? Buffer.from(data, "utf8") : data;
}

/** Removes a temporary we made, if it is there; a failure to remove it must not hide the error that matters. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Left for removeOrphanTemps.
  }
}

/** Creates `path` holding every byte of `data`, flushed to disk. */
function writeFlushed(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, "w");
  try {
    writeAll(fd, bytesOf(data));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (a rename is durable only once its directory is). */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch (e) {
    // Some file systems cannot fsync a directory; the rename itself is still atomic there.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EBADF" && code !== "ENOTSUP") throw asDiskError(e, dir, "flush");
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Flushes a file's contents to disk (metrics before the checkpoint that counts them). */
export function syncFile(path: string): void {
  onDisk(path, "flush", () => {
    const fd = openSync(path, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** Replaces `path` with `data`, whole or not at all; on failure the previous version stays. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  onDisk(dir, "create", () => mkdirSync(dir, { recursive: true }));
  const tmp = tempPath(path);
  try {
    writeFlushed(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw asDiskError(e, path, "write");
  }
  syncDir(dir);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Creates `path` holding `data` only if no file is there: the content is complete before the
 * name appears (a flushed temporary hard-linked into place), so readers never see it half written.
 * Returns false when the path already exists.
 */
export function createExclusive(path: string, data: string): boolean {
  const dir = dirname(path);
  onDisk(dir, "create", () => mkdirSync(dir, { recursive: true }));
  const tmp = tempPath(path);
  try {
    writeFlushed(tmp, data);
    try {
      linkSync(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    }
  } catch (e) {
    throw asDiskError(e, path, "create");
  } finally {
    removeQuietly(tmp);
  }
  syncDir(dir);
  return true;
}

/** Appends one record; if the disk refuses part of it, the file is cut back to where it was. */
export function appendWhole(path: string, text: string): void {
  const dir = dirname(path);
  onDisk(dir, "create", () => mkdirSync(dir, { recursive: true }));
  onDisk(path, "append to", () => {
    const fd = openSync(path, "a");
    const size = fstatSync(fd).size;
    try {
      writeAll(fd, Buffer.from(text, "utf8"));
    } catch (e) {
      // Leave no torn record behind: the next reader sees exactly the records before this one.
      try {
        ftruncateSync(fd, size);
      } catch {
        // The truncation cannot fail for lack of space; if it fails anyway the resume check catches the torn line.
      }
      throw e;
    } finally {
      closeSync(fd);
    }
  });
}

/** Renames a directory into place and flushes its parent (checkpoints). */
export function renameDurable(from: string, to: string): void {
  onDisk(to, "rename into", () => renameSync(from, to));
  syncDir(dirname(to));
}

/**
 * Removes temporary files and directories in `dir` left by writers that are gone: `isGone(pid,
 * ageMs)` decides, given the pid in the name and the entry's age. Never touches this process's own
 * temporaries. Returns what it removed, for the caller to mention.
 */
export function removeOrphanTemps(dir: string, isGone: (pid: number, ageMs: number) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const pid = tempWriterPid(n);
    if (pid === undefined || pid === process.pid) continue;
    const p = join(dir, n);
    try {
      if (!isGone(pid, Date.now() - statSync(p).mtimeMs)) continue;
      rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      // Gone already (another cleaner): fine.
    }
  }
  return removed;
}

/** True when no process with this pid runs on this host. */
export function pidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "EPERM";
  }
}
