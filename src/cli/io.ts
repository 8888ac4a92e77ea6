/** Where the CLI writes, so commands can be run in-process by tests. */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly cwd: string;
  readonly color: boolean;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  color: Boolean(process.stdout.isTTY) && !process.env["NO_COLOR"],
};

/** Writes via a temporary file and a rename, so readers never see half a file. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** A user-facing failure: printed as `error: message` with exit code 1, never with a stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
  }
}
