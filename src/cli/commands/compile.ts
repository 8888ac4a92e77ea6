/** `cgx check`, `cgx compile`, `cgx plan`, `cgx schema`, `cgx explain`: everything that needs no training. */
import { resolve } from "node:path";
import { CODES, isCode } from "../../compiler/codes.js";
import { planJson } from "../../compiler/emit.js";
import { PLAN_SCHEMA } from "../../plan/schema.js";
import type { Plan } from "../../plan/types.js";
import { type Io, UserError, writeFileAtomic } from "../io.js";
import { compileAndReport, type DiagFormat } from "../source.js";
import { duration, human, sci, table } from "../table.js";

/**
 * Throughput used for `cgx plan`'s ETA when none is given: training FLOP/s of the reference model
 * on the wasm backend on a 2-core machine, as `npm run bench:train` measures it (~4,500 tokens/s x
 * 2.75 MFLOP/token), rounded down because smaller models use the hardware less well.
 */
export const DEFAULT_FLOPS_PER_SECOND = 1e10;

export function checkCommand(io: Io, file: string, opts: { format: DiagFormat }): number {
  const { ok, result, display } = compileAndReport(io, file, opts.format, true);
  if (ok && opts.format === "human") {
    const warnings = result.diagnostics.length;
    io.out(`${display}: ok${warnings ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""}\n`);
  }
  return ok ? 0 : 1;
}

export function compileCommand(io: Io, file: string, opts: { format: DiagFormat; output?: string }): number {
  const { ok, result } = compileAndReport(io, file, opts.format);
  if (!ok || !result.plan) return 1;
  const text = planJson(result.plan);
  if (opts.output && opts.output !== "-") {
    writeFileAtomic(resolve(io.cwd, opts.output), text);
    io.err(`wrote ${opts.output}: ${result.plan.cells.length} cells\n`);
  } else io.out(text);
  return 0;
}

export function planCommand(io: Io, file: string, opts: { format: DiagFormat; rate?: string; json?: boolean }): number {
  const { ok, result } = compileAndReport(io, file, opts.format);
  if (!ok || !result.plan) return 1;
  const rate = opts.rate === undefined ? DEFAULT_FLOPS_PER_SECOND : Number(opts.rate);
  if (!(rate > 0)) throw new UserError(`--flops-per-second must be a positive number, got \`${opts.rate}\``);
  io.out(planTable(result.plan, rate));
  return 0;
}

export function planTable(plan: Plan, flopsPerSecond: number): string {
  const rows = plan.cells.map((c) => [
    String(c.index),
    c.id,
    c.label,
    `${c.growth ? `${c.growth.start_layers}->` : ""}${c.model.layers}x${c.model.width}`,
    human(c.model.params),
    human(c.budget.tokens),
    String(c.budget.steps),
    sci(c.budget.flops),
    duration(c.budget.flops / flopsPerSecond),
  ]);
  const head = `experiment ${plan.experiment}: ${plan.cells.length} cells, source ${plan.source_hash.slice(0, 12)}\n\n`;
  const body = table(["#", "id", "cell", "layers x width", "params", "tokens", "steps", "FLOPs", "ETA"], rows, new Set([0, 4, 5, 6, 7, 8]));
  const total = `\ntotal: ${human(plan.totals.tokens)} tokens, ${sci(plan.totals.flops)} FLOPs, ETA ${duration(plan.totals.flops / flopsPerSecond)} at ${sci(flopsPerSecond)} FLOP/s (set with --flops-per-second)\n`;
  return head + body + total + referenceLine(plan, flopsPerSecond);
}

/** What `difficulty perplexity(...)` trains before the first cell (training only: scoring reads every example once more). */
function referenceLine(plan: Plan, flopsPerSecond: number): string {
  const d = plan.data.difficulty;
  if (d.kind !== "perplexity") return "";
  const flops = d.ref_tokens * d.model.flops_per_token;
  return `before the cells: a perplexity reference model of ${human(d.model.params)} params (${d.model.layers}x${d.model.width}) on ${human(d.ref_tokens)} tokens of ${d.on.join(", ")}, ${sci(flops)} FLOPs, ETA ${duration(flops / flopsPerSecond)}; then every example is scored; both are cached\n`;
}

export function schemaCommand(io: Io): number {
  io.out(JSON.stringify(PLAN_SCHEMA, null, 2) + "\n");
  return 0;
}

export function explainCommand(io: Io, code: string): number {
  const normal = code.toUpperCase().startsWith("CGX") ? code.toUpperCase() : `CGX${code.padStart(4, "0")}`;
  if (!isCode(normal)) {
    throw new UserError(`no such error code \`${code}\``, "codes look like CGX0501; docs/errors.md lists them all");
  }
  const info = CODES[normal];
  io.out(`${normal}: ${info.title} (${info.severity})\n\n${info.explanation}\n`);
  return 0;
}
