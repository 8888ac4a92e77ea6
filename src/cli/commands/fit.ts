/**
 * `cgx fit FILE --x COL --y COL --law power|chinchilla|broken`: fits a scaling law to any CSV or
 * JSON Lines table and prints the parameters with bootstrap intervals (a table, or JSON).
 */
import { readFileSync, statSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fitBroken, fitChinchilla, fitIsoFlop, fitPowerLaw, FitError, type AnyFit, type Interval, type IsoFlopFit } from "../../analysis/fit/index.js";
import { groupColumn, numericColumn, readTable, TableError, type Table } from "../../analysis/fit/table.js";
import { type Io, UserError } from "../io.js";
import { table } from "../table.js";

export interface FitCommandOptions {
  readonly x?: string;
  readonly y?: string;
  /** The second predictor (tokens, D) of a Chinchilla fit. */
  readonly x2?: string;
  readonly law?: string;
  readonly json?: boolean;
  readonly maxBreaks?: string | number;
  readonly bootstrap?: string | number;
  readonly seed?: string | number;
  /** A column whose equal values are resampled together (e.g. a cell or size id). */
  readonly group?: string;
}

const LAWS = ["power", "chinchilla", "broken", "isoflop"] as const;
type Law = (typeof LAWS)[number];

function wholeNumber(name: string, value: string | number | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const v = typeof value === "number" ? value : Number(value.trim() === "" ? NaN : value);
  if (!Number.isInteger(v) || v < min) throw new UserError(`--${name} must be a whole number >= ${min}, not \`${value}\``);
  if (v > max) throw new UserError(`--${name} must be at most ${max}, not \`${value}\``, name === "bootstrap" ? "200 replicates give stable 95% intervals; 2000 are plenty" : undefined);
  return v;
}

/** Most bootstrap replicates: each is a refit, and beyond this the intervals no longer change. */
const MAX_BOOTSTRAP = 100_000;
/** Largest table read: a bigger file is almost surely not a table of runs. */
const MAX_TABLE_BYTES = 512 * 1024 * 1024;

function load(io: Io, file: string): { display: string; table: Table } {
  const path = resolve(io.cwd, file);
  const display = relative(io.cwd, path) || file;
  let text: string;
  try {
    // A device or pipe (/dev/zero) would be read forever: only regular files of sane size.
    const st = statSync(path);
    if (st.isFile() && st.size > MAX_TABLE_BYTES) throw new UserError(`\`${file}\` is ${(st.size / 2 ** 20).toFixed(0)} MB; cgx fit reads tables of at most ${MAX_TABLE_BYTES / 2 ** 20} MB`, "fit a sample of its rows, or the per-size means");
    if (!st.isFile() && !st.isDirectory()) throw new UserError(`\`${file}\` is not a regular file (a device, pipe or socket)`, "give a .csv or .jsonl file");
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`cannot read \`${file}\`: no such file`, "check the path");
    if (code === "EISDIR") throw new UserError(`\`${file}\` is a directory, not a table`, "give a .csv or .jsonl file");
    throw new UserError(`cannot read \`${file}\`: ${(e as Error).message}`);
  }
  try {
    return { display, table: readTable(text, path) };
  } catch (e) {
    if (e instanceof TableError) throw new UserError(`${display}: ${e.message}`, e.help);
    throw e;
  }
}

/** A numeric column, positive (the laws are fitted in log space), with line numbers in errors. */
function positiveColumn(display: string, t: Table, column: string): number[] {
  let values: number[];
  try {
    values = numericColumn(t, column);
  } catch (e) {
    if (e instanceof TableError) throw new UserError(`${display}: ${e.message}`, e.help);
    throw e;
  }
  values.forEach((v, i) => {
    if (v <= 0) throw new UserError(`${display}: line ${t.lines[i]}: \`${column}\` is ${v}, not positive`, "the laws are fitted in log space, so every value must be > 0");
  });
  return values;
}

export function fitCommand(io: Io, file: string, opts: FitCommandOptions): number {
  const law = (opts.law ?? "power") as Law;
  if (!LAWS.includes(law)) throw new UserError(`unknown law \`${opts.law}\``, `use one of: ${LAWS.join(", ")}`);
  if (!opts.x || !opts.y) throw new UserError("give the columns to fit with --x COL and --y COL", "e.g. cgx fit runs.csv --x params --y loss");
  if (law === "chinchilla" && !opts.x2) throw new UserError("a Chinchilla fit needs the tokens column as --x2 COL", "e.g. --x params --x2 tokens --y loss");
  if (law === "isoflop" && !opts.x2) throw new UserError("an IsoFLOP fit needs the FLOPs column as --x2 COL", "e.g. --x params --x2 flops --y loss");
  if (law !== "chinchilla" && law !== "isoflop" && opts.x2) throw new UserError(`--x2 is only for --law chinchilla and --law isoflop`);
  // The IsoFLOP bootstrap redraws each run's loss from the pooled residual noise: there are no units to resample.
  if (law === "isoflop" && opts.group) throw new UserError("--group has no effect with --law isoflop", "its intervals come from redrawing each row's loss with the residual noise pooled over budgets; leave --group out");
  const bootstrap = wholeNumber("bootstrap", opts.bootstrap, 200, 0, MAX_BOOTSTRAP);
  const seed = wholeNumber("seed", opts.seed, 0, 0);
  const maxBreaks = wholeNumber("max-breaks", opts.maxBreaks, 2, 0);

  const { display, table: t } = load(io, file);
  if (!t.lines.length) throw new UserError(`${display}: the table has no rows`);
  const x = positiveColumn(display, t, opts.x);
  const y = positiveColumn(display, t, opts.y);
  const x2 = opts.x2 ? positiveColumn(display, t, opts.x2) : [];
  let groups: string[] | undefined;
  try {
    groups = opts.group ? groupColumn(t, opts.group) : undefined;
  } catch (e) {
    if (e instanceof TableError) throw new UserError(`${display}: ${e.message}`, e.help);
    throw e;
  }
  const base = { bootstrap, seed, ...(groups ? { groups } : {}), labels: { x: opts.x, x2: opts.x2 ?? "x2", y: opts.y } };

  let fit: AnyFit | IsoFlopFit;
  try {
    fit =
      law === "power"
        ? fitPowerLaw(x, y, base)
        : law === "chinchilla"
          ? fitChinchilla(x, x2, y, base)
          : law === "isoflop"
            ? fitIsoFlop(x, x2, y, { bootstrap, seed })
            : fitBroken(x, y, { ...base, maxBreaks });
  } catch (e) {
    if (e instanceof FitError) throw new UserError(`${display}: cannot fit a ${law} law: ${e.message}`, e.help);
    throw e;
  }
  const input = { file: display, x: opts.x, ...(opts.x2 ? { x2: opts.x2 } : {}), y: opts.y, rows: t.lines.length, bootstrap, seed, ...(opts.group ? { group: opts.group } : {}) };
  // Bootstrap draws serve in-process comparisons; a table of them is noise to a reader.
  if (opts.json) io.out(JSON.stringify({ ...fit, input }, (k, v: unknown) => (k === "draws" ? undefined : v), 2) + "\n");
  else io.out(fit.law === "isoflop" ? renderIsoFlop(fit, input) : render(fit, input));
  return 0;
}

function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(3).replace("e+", "e") : String(Number(v.toPrecision(4)));
}

function interval(iv: Interval | null | undefined): string {
  return iv ? `[${num(iv[0])}, ${num(iv[1])}]` : "-";
}

const FORMULAS: Record<AnyFit["law"], string> = {
  power: "L = E + A * x^(-alpha)",
  chinchilla: "L = E + A / N^alpha + B / D^beta",
  broken: "y = a + b x^(-c0) prod_i (1 + (x/d_i)^(1/f_i))^(-c_i f_i)",
};

function renderIsoFlop(fit: IsoFlopFit, input: { file: string; x: string; x2?: string; y: string; rows: number; bootstrap: number }): string {
  let out = `IsoFLOP profiles: ${input.y} on ${input.x} at each budget of ${input.x2} (${input.rows} points, ${fit.budgets.length} budgets, ${input.bootstrap} bootstrap resamples)\n  L = c0 + c1 ln N + c2 (ln N)^2 per budget; N_opt = k C^a, D_opt = k' C^b through the minima (D = C / 6N)\n\n`;
  out += table(
    ["budget", "points", "sizes", "N_opt", "95% interval", "D_opt", "loss at N_opt", "95% interval"],
    fit.budgets.map((b) => [num(b.flops), String(b.points), String(b.sizes), b.n_opt === null ? (b.parabola ? "no minimum" : "too few sizes") : `${num(b.n_opt)}${b.inside ? "" : " (outside)"}`, interval(b.intervals.n_opt), b.d_opt === null ? "-" : num(b.d_opt), b.loss_opt === null ? "-" : num(b.loss_opt), interval(b.intervals.loss_opt)]),
    new Set([0, 1, 2, 3, 4, 5, 6, 7]),
  );
  out += "\n";
  const row = (name: string, f: IsoFlopFit["n_opt"]) => [name, f ? num(f.exponent) : "-", f ? interval(f.intervals.exponent) : "-", f ? num(f.k) : "-"];
  out += table(["frontier", "exponent", "95% interval", "k"], [row("N_opt = k C^a", fit.n_opt), row("D_opt = k C^b", fit.d_opt)], new Set([1, 2, 3]));
  for (const w of fit.warnings) out += `warning: ${w}\n`;
  return out;
}

function render(fit: AnyFit, input: { file: string; x: string; x2?: string; y: string; rows: number; bootstrap: number }): string {
  const on = fit.law === "chinchilla" ? `${input.x} and ${input.x2}` : input.x;
  let out = `${fit.law} law: ${input.y} on ${on} (${input.rows} points, ${input.bootstrap} bootstrap resamples)\n  ${FORMULAS[fit.law]}\n\n`;
  const right = new Set([1]);
  if (fit.law === "power" || fit.law === "chinchilla") {
    const names = fit.law === "power" ? (["E", "A", "alpha"] as const) : (["E", "A", "alpha", "B", "beta"] as const);
    const ivs = fit.intervals as Readonly<Record<string, Interval | null>>;
    out += table(["param", "estimate", "95% interval"], names.map((k) => [k, num((fit as unknown as Record<string, number>)[k]!), interval(ivs[k])]), right);
  } else {
    const chosen = fit.breaks.length;
    const h = fit.selection.heldout_largest;
    out += `breaks: ${chosen} (by ${fit.selection.criterion}: ${fit.selection.scores.map((s) => `${s.breaks} -> ${num(s.score)}`).join(", ")}${h ? `; held-out error on the largest ${h.sizes} size${h.sizes === 1 ? "" : "s"}: ${h.scores.map((s) => `${s.breaks} -> ${num(s.score)}`).join(", ")}` : ""})\n\n`;
    if (chosen) out += table(["break", `at ${input.x}`, "95% interval"], fit.breaks.map((b, i) => [String(i + 1), num(b.x), interval(b.interval)]), right) + "\n";
    out += table(["param", "estimate"], Object.entries(fit.params).map(([k, v]) => [k, num(v)]), right);
  }
  const g = fit.goodness;
  out += `\nR^2 (log) ${num(g.r2)}   RMSE (log) ${num(g.rmse_log)}   leave-one-out MAE (log) ${g.loo_mae_log === null ? "-" : num(g.loo_mae_log)}\n`;
  for (const w of fit.warnings) out += `warning: ${w}\n`;
  return out;
}
