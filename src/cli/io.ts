/** Where the CLI writes, so commands can be run in-process by tests. */
import { writeAtomic } from "../store/durable.js";

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

/** Writes whole or not at all (src/store/durable.ts), so readers never see half a file. */
export function writeFileAtomic(path: string, text: string): void {
  writeAtomic(path, text);
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
