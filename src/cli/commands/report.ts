/** `cgx report RUN_DIR [--out DIR]`: re-runs every analysis from a run directory and writes the report. */
import { relative, resolve } from "node:path";
import { defaultFitter } from "../../analysis/report/fitter-default.js";
import { type Fitter, writeReport } from "../../analysis/report/index.js";
import { RunDirError } from "../../analysis/rundir.js";
import { oneRunDir, wholeNumber } from "../args.js";
import { type Io, UserError } from "../io.js";

export interface ReportCommandOptions {
  readonly out?: string;
  readonly bootstrap?: string;
  readonly seed?: string;
}

export function reportCommand(io: Io, dir: string, opts: ReportCommandOptions, fitter: Fitter = defaultFitter): number {
  const bootstrap = wholeNumber("--bootstrap", opts.bootstrap, 200);
  const seed = wholeNumber("--seed", opts.seed, 0);
  const runDir = oneRunDir(io, dir);
  const outDir = opts.out ? resolve(io.cwd, opts.out) : runDir;
  let written;
  try {
    written = writeReport(runDir, { fitter, bootstrap, seed, outDir });
  } catch (e) {
    if (e instanceof RunDirError) throw new UserError(e.message, e.help);
    throw e;
  }
  const a = written.analysis;
  const show = (p: string) => {
    const r = relative(io.cwd, p);
    return r && !r.startsWith("..") ? r : p;
  };
  io.out(`report for ${a.experiment}: ${a.cells.finished} of ${a.cells.total} cells finished\n`);
  for (const c of a.comparisons) {
    for (const r of c.rows) {
      const d = r.diff;
      const ci = d.lo !== null && d.hi !== null ? ` [${d.lo.toFixed(3)}, ${d.hi.toFixed(3)}]` : ` (${d.method})`;
      io.out(`  ${c.subject} − ${c.baseline} at ${r.size}${r.context ? ` (${r.context})` : ""}: ${d.mean >= 0 ? "+" : ""}${d.mean.toFixed(3)}${ci}\n`);
    }
  }
  for (const n of a.notes) io.err(`note: ${n}\n`);
  io.out(`wrote ${written.files.map(show).join(", ")}\n`);
  return 0;
}
