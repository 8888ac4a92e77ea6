/** Reading the arguments several commands share: whole-number options and a run directory. */
import { relative, resolve } from "node:path";
import { findRunDirs } from "../analysis/rundir.js";
import { type Io, UserError } from "./io.js";

/** A whole number of 0 or more from an option's text; the default when it is absent. */
export function wholeNumber(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${name} must be a whole number of 0 or more, got \`${v}\``);
  return n;
}

/** The one run directory (holding plan.lock.json) at or under `dir`. */
export function oneRunDir(io: Io, dir: string): string {
  const found = findRunDirs(resolve(io.cwd, dir));
  if (!found.length) throw new UserError(`\`${dir}\` holds no plan.lock.json`, "give the run directory `cgx run` printed, like runs/EXPERIMENT/HASH");
  if (found.length > 1) throw new UserError(`\`${dir}\` holds ${found.length} run directories`, `give one of them: ${found.map((f) => relative(io.cwd, f) || f).join(", ")}`);
  return found[0]!;
}
