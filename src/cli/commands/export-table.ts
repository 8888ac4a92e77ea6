/**
 * `cgx export table RUN_DIR -o results.csv|results.parquet [--final]`: a row per cell and eval
 * record, with the cell's grid coordinates, size, tokens, FLOPs and seed beside every loss and
 * accuracy (columns in docs/interop.md). The format follows the output's extension.
 */
import { extname, relative, resolve } from "node:path";
import { loadRun, RunDirError } from "../../analysis/rundir.js";
import { resultsTable, toCsv } from "../../analysis/table.js";
import { toParquet } from "../../analysis/table-parquet.js";
import { writeAtomic } from "../../store/durable.js";
import { oneRunDir } from "../args.js";
import { type Io, UserError } from "../io.js";

export interface ExportTableCommandOptions {
  readonly output: string;
  readonly final?: boolean;
}

const FORMATS = [".csv", ".parquet"];

export function exportTableCommand(io: Io, dir: string, opts: ExportTableCommandOptions): number {
  const ext = extname(opts.output).toLowerCase();
  if (!FORMATS.includes(ext)) throw new UserError(`cannot tell the format of \`${opts.output}\` from its extension`, `name the output with .csv or .parquet, like results${FORMATS[0]}`);
  const runDir = oneRunDir(io, dir);
  let run;
  try {
    run = loadRun(runDir);
  } catch (e) {
    if (e instanceof RunDirError) throw new UserError(e.message, e.help);
    throw e;
  }
  const table = resultsTable(run, { finalOnly: opts.final === true });
  if (!table.rows.length) {
    const finished = run.cells.filter((c) => c.finished).length;
    throw new UserError(
      opts.final ? `no cell of ${run.plan.experiment} is finished (0 of ${run.cells.length})` : `no cell of ${run.plan.experiment} has an eval record yet (${run.cells.length} cells)`,
      opts.final && run.cells.some((c) => c.evals.length) ? `leave out --final for the ${run.cells.reduce((n, c) => n + c.evals.length, 0)} eval records there are, or let \`cgx run\` finish` : `train the cells with \`cgx run\` first (${finished} finished); \`cgx status ${relative(io.cwd, runDir) || runDir}\` shows where they are`,
    );
  }
  const path = resolve(io.cwd, opts.output);
  writeAtomic(path, ext === ".csv" ? toCsv(table) : toParquet(table, { experiment: run.plan.experiment, plan_hash: run.meta.plan_hash ?? "" }));
  for (const n of run.notes) io.err(`note: ${n}\n`);
  io.out(`wrote ${relative(io.cwd, path) || path}: ${table.rows.length} rows (${new Set(table.rows.map((r) => r[0])).size} cells), ${table.columns.length} columns\n`);
  return 0;
}
