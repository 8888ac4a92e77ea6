/**
 * Training-speed benchmark: cgx against a PyTorch reference of the same GPT, side by side.
 *
 *   npm run --silent bench:train                                 table; installs the reference first
 *   npm run --silent bench:train -- --json                       one JSON object on stdout
 *   npm run --silent bench:train -- --models large --rounds 5 --steps 10 --no-jobs
 *
 * Options: --steps N (default 20 for reference, 5 for large), --rounds R (default 3),
 * --models reference,large, --no-jobs (skip cells/hour), --json.
 *
 * For every model of bench/train-step.ts, rounds alternate a cgx measurement and a PyTorch one
 * (bench/reference_train.py), each in its own process on one thread. The machines here are noisy
 * (runs vary by up to 2x, see docs), so only figures taken side by side in one run are compared, and
 * the median over rounds is reported. The figure that matters is the ratio
 * cgx tokens/s / PyTorch tokens/s. Then cells/hour of the quickstart under `cgx run --jobs 1` and
 * `--jobs 2` (alternated over the same rounds): whether the second core is used.
 *
 * Internally, `--child cgx --model NAME --steps N --json` is one cgx measurement (the parent runs
 * it in a child process, so each measurement has its own heap and its own peak RSS).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { compile } from "../src/compiler/index.js";
import { loadBackend } from "../src/runtime/backend.js";
import { chooseOpenBlasCore } from "../src/runtime/model/kernels/openblas.js";
import { BENCH_MODELS, makeStep, type BenchModel } from "./train-step.js";

type ModelName = keyof typeof BENCH_MODELS;
const MODEL_NAMES = Object.keys(BENCH_MODELS) as ModelName[];
/** Steps per measurement when --steps is not given: the large model is ~8x the work per step. */
const DEFAULT_STEPS: Record<ModelName, number> = { reference: 20, large: 5 };
/** Untimed steps first: the first steps compile wasm, grow the heap and fill caches. */
const WARMUP_STEPS = 3;
const TARGET_RATIO = 1.0;
const AIM_RATIO = 1.5;
const TARGET_JOBS_SPEEDUP = 1.8;

const ROOT = fileURLToPath(new URL("../../", import.meta.url)); // dist/bench/train.js -> repo root
const SELF = fileURLToPath(import.meta.url);
const PYTHON = "/usr/bin/python3";
const REFERENCE_PY = join(ROOT, "bench", "reference_train.py");
const SETUP_HINT = "run bench/setup-reference.sh";

/**
 * One BLAS thread in every process: the comparison is one core against one core, and OpenBLAS would
 * otherwise start a thread per core. OPENBLAS_CORETYPE, where the machine sets it, is passed on
 * untouched with the rest of the environment (older OpenBLAS builds miscompute without it); where it
 * is not set, cgx picks the kernels for the processor (kernels/openblas.ts), and PyTorch, which loads
 * the same OpenBLAS, is given the same choice so both sides run the same GEMM kernels.
 */
chooseOpenBlasCore();
const CHILD_ENV: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };

// ---------------------------------------------------------------------------------------------
// Results, and checks that a child's JSON line has the fields we read

interface CgxMeasurement {
  readonly impl: "cgx";
  readonly model: ModelName;
  readonly backend: string;
  readonly kernels: string;
  readonly kernels_detail: string;
  readonly steps: number;
  readonly ms_per_step: number;
  readonly tokens_per_s: number;
  /** Peak resident set of the child, from process.resourceUsage().maxRSS (KB). */
  readonly max_rss_kb: number;
}

interface TorchMeasurement {
  readonly impl: "pytorch";
  readonly torch: string;
  readonly threads: number;
  /** "openblas", or the path of the BLAS library the process mapped. */
  readonly blas: string;
  readonly ms_per_step: number;
  readonly tokens_per_s: number;
  readonly max_rss_kb: number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasFields(v: Json, numbers: readonly string[], strings: readonly string[]): boolean {
  return numbers.every((k) => typeof v[k] === "number" && Number.isFinite(v[k])) && strings.every((k) => typeof v[k] === "string");
}

function isCgxMeasurement(v: unknown): v is CgxMeasurement {
  return isObject(v) && v.impl === "cgx" && hasFields(v, ["steps", "ms_per_step", "tokens_per_s", "max_rss_kb"], ["model", "backend", "kernels", "kernels_detail"]);
}

function isTorchMeasurement(v: unknown): v is TorchMeasurement {
  return isObject(v) && v.impl === "pytorch" && hasFields(v, ["threads", "ms_per_step", "tokens_per_s", "max_rss_kb"], ["torch", "blas"]);
}

/** The last line of a child's stdout that parses as JSON (libraries may print before it). */
function lastJsonLine(stdout: string): unknown {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

/** A short reason from a failed child: its last non-empty stderr lines. */
function tail(text: string, lines = 3): string {
  return text.trim().split("\n").filter((l) => l.trim() !== "").slice(-lines).join(" | ").slice(0, 400);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const mib = (kb: number) => `${Math.round(kb / 1024)} MiB`;

// ---------------------------------------------------------------------------------------------
// The child: one cgx measurement

async function childCgx(name: ModelName, steps: number): Promise<void> {
  const model: BenchModel = BENCH_MODELS[name];
  // The default path of `cgx run`: wasm, with OpenBLAS kernels where they load (CGX_KERNELS=builtin
  // forces the backend's own).
  const b = await loadBackend("wasm");
  const run = makeStep(b, model);
  for (let i = 0; i < WARMUP_STEPS; i++) run.step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    run.step();
    times.push(performance.now() - t0);
  }
  run.dispose();
  const ms = median(times);
  const out: CgxMeasurement = {
    impl: "cgx",
    model: name,
    backend: b.name,
    kernels: b.kernels,
    kernels_detail: b.kernelsDetail,
    steps,
    ms_per_step: round2(ms),
    tokens_per_s: Math.round((run.tokensPerStep * 1000) / ms),
    max_rss_kb: process.resourceUsage().maxRSS,
  };
  console.log(JSON.stringify(out));
}

function measureCgx(name: ModelName, steps: number): CgxMeasurement {
  const out = spawnSync(process.execPath, [SELF, "--child", "cgx", "--model", name, "--steps", String(steps), "--json"], { encoding: "utf8", env: CHILD_ENV });
  const r = out.status === 0 ? lastJsonLine(out.stdout) : undefined;
  if (!isCgxMeasurement(r)) throw new Error(`the cgx measurement of ${name} failed (exit ${out.status ?? out.signal}): ${tail(out.stderr || out.stdout)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// The PyTorch reference

/** Why the PyTorch reference cannot run here, or undefined when it can. */
function torchUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  if (!existsSync(REFERENCE_PY)) return `${REFERENCE_PY} not found`;
  const out = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", env: CHILD_ENV });
  if (out.error) return `${PYTHON} does not start: ${out.error.message}`;
  if (out.status !== 0) return `\`import torch\` fails in ${PYTHON}: ${tail(out.stderr, 1)}`;
  return undefined;
}

function measureTorch(m: BenchModel, steps: number): TorchMeasurement | string {
  const args = [REFERENCE_PY, "--vocab", m.vocab, "--context", m.context, "--batch", m.batch, "--width", m.width, "--layers", m.layers, "--heads", m.heads, "--mlp", m.mlp, "--steps", steps, "--warmup", WARMUP_STEPS].map(String);
  const out = spawnSync(PYTHON, args, { encoding: "utf8", env: CHILD_ENV });
  const r = out.status === 0 ? lastJsonLine(out.stdout) : undefined;
  return isTorchMeasurement(r) ? r : `bench/reference_train.py failed (exit ${out.status ?? out.signal}): ${tail(out.stderr || out.stdout)}`;
}

// ---------------------------------------------------------------------------------------------
// Cells/hour under `cgx run --jobs N`

/**
 * The README's main job: experiments/quickstart.cgx, 20 cells (5 sizes x curriculum and control x
 * 2 seeds), as a user runs it (without the report, which is the same work at any --jobs). A grid of
 * many cells is what --jobs is for: each worker's fixed costs (starting node, the backend and the
 * data; V8 optimising tfjs's code on a core that now has no idle neighbour to do it on) are paid
 * once per worker and spread over its cells. With 4 cells of 5-7 s these costs took the speed-up
 * to 1.78x; with these 20 cells, or 4 cells twice as long, it is 1.85-1.9x (docs/performance.md).
 */
const JOBS_EXPERIMENT = join(ROOT, "experiments", "quickstart.cgx");

function jobsCells(): number {
  const r = compile(readFileSync(JOBS_EXPERIMENT, "utf8"));
  if (!r.plan) throw new Error(`${JOBS_EXPERIMENT} does not compile: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.plan.cells.length;
}

interface JobsRun {
  readonly jobs: number;
  readonly cells: number;
  /** Median over rounds of the wall clock of the whole `cgx run`, start-up and data loading included. */
  readonly wall_s: number;
  readonly cells_per_hour: number;
  readonly rounds_wall_s: number[];
}

interface JobsMeasurement {
  readonly experiment: string;
  readonly cells: number;
  readonly runs: JobsRun[];
  /** Median over rounds of (--jobs 1 wall) / (--jobs 2 wall), the two measured back to back. */
  readonly speedup: number;
  readonly rounds_speedup: number[];
}

function cgxRun(file: string, runs: string, cache: string, jobs: number, cells?: string): number {
  const t0 = performance.now();
  // --no-report: cells/hour counts training; the report at the end is the same work for any --jobs.
  const args = [join(ROOT, "bin", "cgx.js"), "run", file, "--runs", runs, "--cache", cache, "--jobs", String(jobs), "--no-report", ...(cells ? ["--cells", cells] : [])];
  const out = spawnSync(process.execPath, args, {
    encoding: "utf8",
    env: CHILD_ENV,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - t0) / 1000;
  if (out.status !== 0) throw new Error(`cgx run --jobs ${jobs} failed (exit ${out.status ?? out.signal}): ${tail(out.stderr || out.stdout)}`);
  return wall;
}

function measureJobs(rounds: number, log: (s: string) => void): JobsMeasurement {
  const dir = mkdtempSync(join(tmpdir(), "cgx-bench-jobs-"));
  const cellCount = jobsCells();
  try {
    const file = JOBS_EXPERIMENT;
    // One shared data cache, filled first (by training the first cell alone): scoring the sources
    // is a once-per-machine cost that a first run alone pays, and it would land on whichever
    // --jobs ran first.
    const cache = join(dir, "cache");
    log("cells/hour: filling the data cache");
    cgxRun(file, join(dir, "warm-runs"), cache, 1, "0");
    const walls = new Map<number, number[]>([
      [1, []],
      [2, []],
    ]);
    const speedups: number[] = [];
    // Each round runs both, back to back, in alternating order: the speed of these machines drifts
    // by a third over a minute, so a ratio of neighbours is steadier than a ratio of medians.
    for (let r = 1; r <= rounds; r++) {
      const order = r % 2 === 1 ? [1, 2] : [2, 1];
      const wall = new Map<number, number>();
      for (const jobs of order) {
        const w = cgxRun(file, join(dir, `jobs${jobs}-round${r}`), cache, jobs); // a fresh runs dir: nothing to resume
        wall.set(jobs, w);
        walls.get(jobs)!.push(round1(w));
        log(`cells/hour round ${r}/${rounds}: cgx run --jobs ${jobs}, ${cellCount} cells: ${round1(w)} s`);
      }
      speedups.push(round2(wall.get(1)! / wall.get(2)!));
    }
    const runs = [...walls].map(([jobs, times]) => {
      const wall = median(times);
      return { jobs, cells: cellCount, wall_s: round1(wall), cells_per_hour: Math.round((cellCount * 3600) / wall), rounds_wall_s: times };
    });
    return { experiment: "experiments/quickstart.cgx", cells: cellCount, runs, speedup: round2(median(speedups)), rounds_speedup: speedups };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The parent: rounds, table, JSON

interface ModelReport {
  readonly name: ModelName;
  readonly label: string;
  readonly tokens_per_step: number;
  readonly steps: number;
  readonly cgx: {
    readonly kernels: string;
    readonly kernels_detail: string;
    readonly ms_per_step: number;
    readonly tokens_per_s: number;
    readonly max_rss_kb: number;
    readonly rounds_ms_per_step: number[];
  };
  readonly pytorch: {
    readonly torch: string;
    readonly blas: string;
    readonly ms_per_step: number;
    readonly tokens_per_s: number;
    readonly max_rss_kb: number;
    readonly rounds_ms_per_step: number[];
  } | null;
  /** Why there are no PyTorch figures, when there are none. */
  readonly pytorch_skipped: string | null;
  /** cgx tokens/s over PyTorch tokens/s. */
  readonly ratio: number | null;
}

function benchModel(name: ModelName, steps: number, rounds: number, torchSkip: string | undefined, log: (s: string) => void): ModelReport {
  const m = BENCH_MODELS[name];
  const tokens = m.batch * m.context;
  const cgx: CgxMeasurement[] = [];
  const torch: TorchMeasurement[] = [];
  let skipped = torchSkip;
  for (let r = 1; r <= rounds; r++) {
    // cgx, then PyTorch, in every round: a slow phase of the machine (other jobs) lands on both sides.
    const c = measureCgx(name, steps);
    cgx.push(c);
    let line = `${name} round ${r}/${rounds}: cgx ${c.ms_per_step} ms/step`;
    if (skipped === undefined) {
      const t = measureTorch(m, steps);
      if (typeof t === "string") {
        skipped = t; // a failure is reported with the results, never dropped silently
        line += ", pytorch failed";
      } else {
        torch.push(t);
        line += `, pytorch ${t.ms_per_step} ms/step`;
      }
    }
    log(line);
  }
  const cgxMs = median(cgx.map((c) => c.ms_per_step));
  const first = cgx[0]!;
  // Only rounds with both figures would be side by side; a PyTorch failure after some rounds
  // drops its partial figures rather than comparing against fewer rounds.
  const torchOk = skipped === undefined && torch.length === rounds;
  const torchMs = torchOk ? median(torch.map((t) => t.ms_per_step)) : undefined;
  const tokPerS = (ms: number) => Math.round((tokens * 1000) / ms);
  return {
    name,
    label: m.label,
    tokens_per_step: tokens,
    steps,
    cgx: {
      kernels: first.kernels,
      kernels_detail: first.kernels_detail,
      ms_per_step: round2(cgxMs),
      tokens_per_s: tokPerS(cgxMs),
      max_rss_kb: Math.max(...cgx.map((c) => c.max_rss_kb)),
      rounds_ms_per_step: cgx.map((c) => c.ms_per_step),
    },
    pytorch:
      torchMs === undefined
        ? null
        : {
            torch: torch[0]!.torch,
            blas: torch[0]!.blas,
            ms_per_step: round2(torchMs),
            tokens_per_s: tokPerS(torchMs),
            max_rss_kb: Math.max(...torch.map((t) => t.max_rss_kb)),
            rounds_ms_per_step: torch.map((t) => t.ms_per_step),
          },
    pytorch_skipped: skipped ?? null,
    ratio: torchMs === undefined ? null : round2(torchMs / cgxMs), // = cgx tokens/s / pytorch tokens/s
  };
}

function printModels(reports: readonly ModelReport[], rounds: number): void {
  const cols = ["model", "cgx tok/s", "torch tok/s", "ratio", "cgx ms", "torch ms", "cgx RSS", "torch RSS"];
  const widths = [10, 10, 12, 6, 9, 9, 9, 10];
  const row = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" ");
  console.log(`training speed, one thread each, median of ${rounds} round(s) alternating cgx and PyTorch; ratio = cgx tok/s / PyTorch tok/s`);
  console.log(row(cols));
  for (const r of reports) {
    const t = r.pytorch;
    console.log(
      row([
        r.name,
        String(r.cgx.tokens_per_s),
        t ? String(t.tokens_per_s) : "-",
        r.ratio === null ? "-" : r.ratio.toFixed(2),
        r.cgx.ms_per_step.toFixed(1),
        t ? t.ms_per_step.toFixed(1) : "-",
        mib(r.cgx.max_rss_kb),
        t ? mib(t.max_rss_kb) : "-",
      ]),
    );
  }
  for (const r of reports) {
    console.log(`  ${r.name}: ${r.label}, ${r.tokens_per_step} tokens/step, median of ${r.steps} steps after ${WARMUP_STEPS} warm-up`);
  }
  const k = reports[0]?.cgx;
  if (k) console.log(`cgx kernels: ${k.kernels} (${k.kernels_detail})`);
  const torch = reports.find((r) => r.pytorch)?.pytorch;
  if (torch) console.log(`pytorch: ${torch.torch}, BLAS ${torch.blas}`);
  const ratios = reports.flatMap((r) => (r.ratio === null ? [] : [`${r.name} ${r.ratio.toFixed(2)}`]));
  if (ratios.length > 0) {
    const met = reports.every((r) => r.ratio === null || r.ratio >= TARGET_RATIO);
    console.log(`target: ratio >= ${TARGET_RATIO.toFixed(1)} (aim ${AIM_RATIO}): ${ratios.join(", ")}: ${met ? "met" : "NOT met"}`);
  } else {
    console.log(`target: ratio >= ${TARGET_RATIO.toFixed(1)} (aim ${AIM_RATIO}): not measured, no PyTorch figures`);
  }
}

function printJobs(m: JobsMeasurement, rounds: number): void {
  console.log(`cells/hour, cgx run ${m.experiment} (${m.cells} cells, the README's main job, without its report), median over ${rounds} round(s) of the whole command's wall clock, data cache warm`);
  for (const j of m.runs) console.log(`  --jobs ${j.jobs}: ${String(j.cells_per_hour).padStart(6)} cells/hour (${j.wall_s} s; rounds ${j.rounds_wall_s.join(", ")} s)`);
  const s = m.speedup;
  console.log(`  speed-up --jobs 2 over --jobs 1: ${s.toFixed(2)}x, median of the rounds' ${m.rounds_speedup.map((x) => x.toFixed(2)).join(", ")} (target >= ${TARGET_JOBS_SPEEDUP}x: ${s >= TARGET_JOBS_SPEEDUP ? "met" : "NOT met"})`);
}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a whole number of at least 1, got \`${v}\``);
  return n;
}

function modelNames(v: string | undefined): ModelName[] {
  if (v === undefined) return MODEL_NAMES;
  const names = v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const bad = names.filter((s) => !(MODEL_NAMES as readonly string[]).includes(s));
  if (bad.length > 0 || names.length === 0) throw new Error(`unknown --models \`${v}\`; use a comma-separated list of ${MODEL_NAMES.join(", ")}`);
  return names as ModelName[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: "string" },
      rounds: { type: "string" },
      models: { type: "string" },
      "no-jobs": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      child: { type: "string" },
      model: { type: "string" },
    },
    strict: true,
  });
  const steps = positiveInt("--steps", values.steps);

  if (values.child !== undefined) {
    if (values.child !== "cgx") throw new Error(`unknown --child \`${values.child}\``);
    const [name] = modelNames(values.model);
    await childCgx(name!, steps ?? DEFAULT_STEPS[name!]);
    return;
  }

  const rounds = positiveInt("--rounds", values.rounds) ?? 3;
  const names = modelNames(values.models);
  const json = values.json;
  // Progress on stderr, so that stdout is the table, or only the JSON object with --json.
  const log = (s: string) => process.stderr.write(`${s}\n`);

  // Other people's processes share these 2 cores: the load average says how far to trust the figures.
  const loadStart = round2(loadavg()[0]!);
  log(`load average (1 min) at start: ${loadStart}`);
  const torchSkip = torchUnavailable();
  // Said at once and again with the results: a comparison without its reference must never pass as one.
  if (torchSkip !== undefined) log(`pytorch reference skipped: ${torchSkip}; ${SETUP_HINT}`);

  const reports = names.map((name) => benchModel(name, steps ?? DEFAULT_STEPS[name], rounds, torchSkip, log));
  const jobs = values["no-jobs"] ? null : measureJobs(rounds, log);
  const load = { start: loadStart, end: round2(loadavg()[0]!) };

  const skippedLines = [...new Set(reports.flatMap((r) => (r.pytorch_skipped === null ? [] : [r.pytorch_skipped])))].map((why) => `pytorch reference skipped: ${why}; ${SETUP_HINT}`);
  const notOpenBlas = [...new Set(reports.flatMap((r) => (r.pytorch && r.pytorch.blas !== "openblas" ? [r.pytorch.blas] : [])))].map(
    (blas) => `warning: PyTorch ran on ${blas}, not OpenBLAS: it is ~10x slower there, so the ratio flatters cgx; ${SETUP_HINT}`,
  );

  if (json) {
    for (const l of [...skippedLines, ...notOpenBlas]) log(l);
    console.log(
      JSON.stringify({
        benchmark: "train",
        rounds,
        warmup_steps: WARMUP_STEPS,
        load_average: load,
        target: { ratio: TARGET_RATIO, aim_ratio: AIM_RATIO, jobs_speedup: TARGET_JOBS_SPEEDUP },
        models: reports,
        jobs,
      }),
    );
    return;
  }
  printModels(reports, rounds);
  for (const l of [...skippedLines, ...notOpenBlas]) console.log(l);
  const busy = Math.max(load.start, load.end) > 1.2 ? "; other processes were using the CPU, so these figures are slower and noisier than on a quiet machine" : "";
  console.log(`load average (1 min): ${load.start} at start, ${load.end} at end${busy}`);
  if (jobs) printJobs(jobs, rounds);
}

main().catch((e: unknown) => {
  console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
