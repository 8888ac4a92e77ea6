/**
 * The `cgx` command line. Exit codes: 0 success, 1 a problem in the user's input (diagnostics,
 * a missing file), 2 an internal failure. Stack traces only with CGX_DEBUG=1.
 */
import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import type { AdviseCommandOptions } from "./commands/advise.js";
import type { ExportTableCommandOptions } from "./commands/export-table.js";
import type { ExportWeightsCommandOptions } from "./commands/export-weights.js";
import type { FitCommandOptions } from "./commands/fit.js";
import type { ExportSlurmCommandOptions, RunCommandOptions } from "./commands/run.js";
import type { WorkerCommandOptions } from "./commands/queue.js";
import { processIo, UserError, type Io } from "./io.js";
import { DiskError } from "../store/durable.js";

// Each command's module is loaded when the command runs: `cgx check` need not load TensorFlow.js,
// Redis clients and the report's plots before reading a file (over a second of start-up).
const compileCommands = () => import("./commands/compile.js");
const runCommands = () => import("./commands/run.js");

function formatOption() {
  return new Option("--format <format>", "diagnostics format").choices(["human", "json"]).default("human");
}

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("cgx")
    .description("curriculum scaling-law experiments for transformer language models")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();

  program
    .command("check <file>")
    .description("check a .cgx file and report every error")
    .addOption(formatOption())
    .action(async (file: string, opts: { format: "human" | "json" }) => setCode((await compileCommands()).checkCommand(io, file, opts)));

  program
    .command("compile <file>")
    .description("compile a .cgx file into a run plan (JSON)")
    .option("-o, --output <path>", "write the plan here instead of stdout")
    .addOption(formatOption())
    .action(async (file: string, opts: { format: "human" | "json"; output?: string }) => setCode((await compileCommands()).compileCommand(io, file, opts)));

  program
    .command("plan <file>")
    .description("show the cells a run would train: sizes, tokens, FLOPs and an ETA")
    .option("--flops-per-second <rate>", "training throughput for the ETA")
    .addOption(formatOption())
    .action(async (file: string, opts: { format: "human" | "json"; flopsPerSecond?: string }) =>
      setCode((await compileCommands()).planCommand(io, file, { format: opts.format, ...(opts.flopsPerSecond ? { rate: opts.flopsPerSecond } : {}) })),
    );

  program
    .command("fmt <files...>")
    .description("rewrite .cgx files in canonical form (no options, by design)")
    .option("--check", "list files that are not formatted and exit 1, changing nothing")
    .option("--stdout", "print the formatted text instead of rewriting the file")
    .action(async (files: string[], opts: { check?: boolean; stdout?: boolean }) => setCode((await import("./commands/fmt.js")).fmtCommand(io, files, opts)));

  program
    .command("schema")
    .description("print the JSON Schema of run plans")
    .action(async () => setCode((await compileCommands()).schemaCommand(io)));

  program
    .command("explain <code>")
    .description("explain an error code, e.g. cgx explain CGX0501")
    .action(async (code: string) => setCode((await compileCommands()).explainCommand(io, code)));

  program
    .command("run <file>")
    .description("train every cell of the plan, resuming where a previous run stopped, then write the report")
    .option("--backend <name>", "force a backend: tensorflow-gpu, tensorflow, wasm or cpu")
    .option("--runs <dir>", "root of run directories", "runs")
    .option("--cells <ids...>", "train only these cells (ids, indexes or labels from `cgx plan`)")
    .option("--no-report", "train only; do not write the report at the end (`cgx report` writes it later)")
    .option("--kernels <which>", "matmul kernels on wasm: auto (OpenBLAS where it loads), openblas or builtin")
    .option("--jobs <n>", "train this many cells at once, in worker processes (default: one per core)")
    .option("--cache <dir>", "cache for scores and tokenizers (default RUNS/.cache)")
    .option("--queue <url>", "enqueue the cells on Redis (redis://HOST:PORT) for `cgx worker`s instead of training here")
    .option("--out <dir>", "with --queue: the shared directory the workers see (instead of --runs)")
    .option("--detach", "with --queue: return once the cells are queued instead of following them")
    .option("--attempts <n>", "with --queue: tries per cell when its worker process crashes", "2")
    .action(async (file: string, opts: RunCommandOptions) => setCode(await (await runCommands()).runCommand(io, file, opts)));

  const exporter = program.command("export").description("export a plan for a cluster scheduler, a cell's trained model, or a run's results as a table");
  exporter
    .command("slurm <file>")
    .description("write an sbatch array script: one array task per cell, safe to requeue")
    .option("--runs <dir>", "root of run directories, on a file system every node sees", "runs")
    .option("--cache <dir>", "cache for scores and tokenizers (default RUNS/.cache)")
    .option("--parallel <k>", "at most this many array tasks at once (the %K of --array)", "8")
    .option("--backend <name>", "the backend the nodes train on (recorded in the run directory)")
    .option("--kernels <which>", "matmul kernels on wasm: auto, openblas or builtin")
    .option("--sbatch <line>", "an extra #SBATCH line, like --sbatch=--partition=cpu (repeat for more)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("-o, --output <path>", "write the script here (default RUN_DIR/cgx.sbatch)")
    .action(async (file: string, opts: ExportSlurmCommandOptions) => setCode(await (await runCommands()).exportSlurmCommand(io, file, opts)));

  exporter
    .command("weights <run-dir>")
    .description("write a cell's trained model as Hugging Face GPT-2 files: model.safetensors, config.json and the tokenizer's vocab.json and merges.txt")
    .requiredOption("--cell <id>", "the cell (an id or label from `cgx status`)")
    .option("--step <n>", "the checkpoint at this step (default: the newest that verifies)")
    .requiredOption("-o, --output <dir>", "the directory to write the files into (created if missing)")
    .option("--cache <dir>", "cache holding the run's bpe tokenizer (default RUNS/.cache)")
    .action(async (dir: string, opts: ExportWeightsCommandOptions) => setCode(await (await import("./commands/export-weights.js")).exportWeightsCommand(io, dir, opts)));

  exporter
    .command("table <run-dir>")
    .description("write a run's results as a table, a row per cell and eval point: CSV or Parquet by the output's extension")
    .requiredOption("-o, --output <path>", "the table to write: results.csv or results.parquet")
    .option("--final", "only the last eval of each finished cell (the points fits use)")
    .action(async (dir: string, opts: ExportTableCommandOptions) => setCode((await import("./commands/export-table.js")).exportTableCommand(io, dir, opts)));

  program
    .command("cell <run-dir>")
    .description("train one cell of a prepared run directory (what each Slurm array task runs)")
    .requiredOption("--index <i>", "the cell's index in the plan (a Slurm array task id)")
    .option("--cache <dir>", "cache for scores and tokenizers (default RUNS/.cache)")
    .action(async (dir: string, opts: { index: string; cache?: string }) => setCode(await (await import("./commands/slurm.js")).cellCommand(io, dir, opts)));

  program
    .command("worker <url>")
    .description("train cells from a Redis queue (redis://HOST:PORT), each in its own child process, until stopped")
    .option("--concurrency <n>", "cells at once (one process each)", "1")
    .option("--lease <seconds>", "how long a cell waits for this worker after it stops answering (it then goes to another)", "30")
    .option("--idle-exit <seconds>", "exit once the queue has been empty this long")
    .action(async (url: string, opts: WorkerCommandOptions) => setCode(await (await import("./commands/queue.js")).workerCommand(io, url, opts)));

  program
    .command("status <run-dir>")
    .description("show the state of every cell of a run, and who is training it")
    .option("--verify", "check every finished cell's final checkpoint against its checksums and its metrics for gaps (exit 1 if one fails)")
    .action(async (dir: string, opts: { verify?: boolean }) => setCode((await runCommands()).statusCommand(io, dir, opts)));

  program
    .command("fit <file>")
    .description("fit a scaling law to a CSV or JSON Lines table: parameters with bootstrap intervals")
    .option("--x <col>", "the predictor column (params, tokens, FLOPs)")
    .option("--y <col>", "the response column (a loss)")
    .option("--law <law>", "power, chinchilla, broken or isoflop", "power")
    .option("--x2 <col>", "the second predictor: tokens for a Chinchilla law, FLOPs for IsoFLOP profiles")
    .option("--max-breaks <n>", "most breaks of a broken power law", "2")
    .option("--bootstrap <n>", "bootstrap replicates for the intervals (0: none)", "200")
    .option("--seed <n>", "seed of the bootstrap", "0")
    .option("--group <col>", "resample rows with equal values of this column together (e.g. a size or cell id)")
    .option("--json", "print the fit as JSON")
    .action(async (file: string, opts: FitCommandOptions) => setCode((await import("./commands/fit.js")).fitCommand(io, file, opts)));

  program
    .command("advise <run-dir>")
    .description("the compute-optimal model size, tokens and curriculum for a FLOP budget, from a run that varied the budget")
    .option("--flops <C>", "the compute budget in FLOPs, e.g. 1e15")
    .option("--bootstrap <n>", "bootstrap replicates for the intervals", "200")
    .option("--seed <n>", "seed of the bootstrap", "0")
    .option("--json", "print the advice as JSON")
    .action(async (dir: string, opts: AdviseCommandOptions) => setCode((await import("./commands/advise.js")).adviseCommand(io, dir, opts)));

  program
    .command("report <run-dir>")
    .description("analyse a run directory (finished or partly finished): report.html, report.md and analysis.json")
    .option("--out <dir>", "write the report here instead of into the run directory")
    .option("--bootstrap <n>", "bootstrap replicates for fit intervals and bands", "200")
    .option("--seed <n>", "seed of the bootstrap", "0")
    .action(async (dir: string, opts: { out?: string; bootstrap?: string; seed?: string }) => setCode((await import("./commands/report.js")).reportCommand(io, dir, opts)));

  program
    .command("lsp")
    .description("run the language server on stdio (for editors)")
    .option("--stdio", "use stdio (the default; accepted because some clients pass it)")
    .action(async () => {
      // Stdout carries the protocol from here on; the server ends on the client's `exit`.
      (await import("../lsp/server.js")).startLanguageServer();
      await new Promise<never>(() => undefined);
    });

  program
    .command("doctor")
    .description("show which TensorFlow.js backends load here, and why the others do not")
    .action(async () => setCode(await (await runCommands()).doctorCommand(io)));

  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors are the user's.
      return e.exitCode === 0 ? 0 : 1;
    }
    if (e instanceof UserError) {
      io.err(`error: ${e.message}\n${e.help ? `  = help: ${e.help}\n` : ""}`);
      return 1;
    }
    if (e instanceof DiskError) {
      // A full, read-only or failing disk is the machine's problem, not a bug; nothing written is lost.
      io.err(`error: ${e.message}\n  = help: ${e.help}\n`);
      return 1;
    }
    const err = e as Error;
    io.err(`internal error: ${err.message}\n${process.env["CGX_DEBUG"] ? `${err.stack}\n` : "  = help: this is a bug in cgx; rerun with CGX_DEBUG=1 for details and report it\n"}`);
    return 2;
  }
}
