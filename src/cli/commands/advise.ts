/**
 * `cgx advise RUN_DIR --flops C`: from a finished (or partly finished) run that varied the budget,
 * the compute-optimal model size and tokens for a budget of C FLOPs per curriculum, with 95%
 * intervals, the loss each is expected to reach, and the curriculum to train.
 */
import { shortNumber as sig } from "../../analysis/fit/frontier.js";
import { advise } from "../../analysis/report/advice.js";
import { defaultFitter } from "../../analysis/report/fitter-default.js";
import { APPROACH_NAMES, runOptimal } from "../../analysis/report/optimal.js";
import { loadRun, RunDirError } from "../../analysis/rundir.js";
import { oneRunDir, wholeNumber } from "../args.js";
import { type Io, UserError } from "../io.js";
import { table } from "../table.js";

export interface AdviseCommandOptions {
  readonly flops?: string;
  readonly bootstrap?: string;
  readonly seed?: string;
  readonly json?: boolean;
}

export function adviseCommand(io: Io, dir: string, opts: AdviseCommandOptions): number {
  if (opts.flops === undefined) throw new UserError("give the compute budget with --flops C", "e.g. cgx advise runs/isoflop/HASH --flops 1e15");
  const flops = Number(opts.flops);
  if (!(flops > 0) || !Number.isFinite(flops)) throw new UserError(`--flops must be a positive number of FLOPs, got \`${opts.flops}\``, "e.g. --flops 1e15");
  const bootstrap = wholeNumber("--bootstrap", opts.bootstrap, 200);
  const seed = wholeNumber("--seed", opts.seed, 0);
  let run;
  try {
    run = loadRun(oneRunDir(io, dir));
  } catch (e) {
    if (e instanceof RunDirError) throw new UserError(e.message, e.help);
    throw e;
  }
  const o = runOptimal(run, { fitter: defaultFitter, bootstrap, seed });
  if (!o.ran) throw new UserError(o.notes[0] ?? "no compute-optimal analysis could be made", "advice needs a run that trains each size at several budgets");
  const a = advise(o, flops);
  if (opts.json) {
    io.out(JSON.stringify({ ...a, groups: o.groups.map((g) => ({ label: g.label, approaches: g.approaches.map((r) => ({ approach: r.approach, a: r.n_opt?.exponent ?? null, a_interval: r.n_opt?.intervals.exponent ?? null, error: r.error, warnings: r.warnings })) })) }, (k, v: unknown) => (k === "draws" ? undefined : v), 2) + "\n");
    return 0;
  }
  const iv = (x: readonly [number, number] | null) => (x ? ` [${sig(x[0])}, ${sig(x[1])}]` : "");
  io.out(`compute-optimal advice for C = ${sig(flops)} FLOPs (${run.plan.experiment}, ${o.groups.reduce((s, g) => s + g.runs, 0)} finished runs)\n\n`);
  if (!a.rows.length) io.out("no group has a compute-optimal frontier: see the report's compute-optimal section for why\n");
  else {
    io.out(
      table(
        ["group", "approach", "params (95% CI)", "tokens (95% CI)", "expected loss (95% CI)"],
        a.rows.map((r) => [r.group, APPROACH_NAMES[r.approach], `${sig(r.params)}${iv(r.params_interval)}`, `${sig(r.tokens)}${iv(r.tokens_interval)}`, r.loss === null ? "-" : `${r.loss.toFixed(3)}${r.loss_interval ? ` [${r.loss_interval[0].toFixed(3)}, ${r.loss_interval[1].toFixed(3)}]` : ""}`]),
        new Set([2, 3, 4]),
      ),
    );
    io.out(`\nrecommended: ${a.recommended ?? "none"}: ${a.why}\n`);
  }
  for (const w of a.warnings) io.out(`warning: ${w}\n`);
  return 0;
}
