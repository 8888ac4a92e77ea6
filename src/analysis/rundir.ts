/**
 * Reads a run directory for analysis: runs/<experiment>/<hash>/plan.lock.json (holding `plan`)
 * and cells/<id>/{status.json, metrics.jsonl}. This is the only input of the analysis: it never
 * imports the compiler or the runtime, and it tolerates partial runs (pending, running, diverged
 * or failed cells, a torn last line of metrics.jsonl), recording what it skipped in `notes`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../store/durable.js";
import { checkRecords } from "../store/records.js";
import { evalStepsOf, readStepRecords, TORN, verifyFinalCheckpoint } from "../store/verify.js";
import type { Cell, Plan } from "../plan/types.js";


/** Largest final loss taken as real: a uniform guess over a million-token vocabulary is 13.8 nats. */
const MAX_PLAUSIBLE_LOSS = 1000;
export type CellState = "pending" | "queued" | "running" | "interrupted" | "done" | "diverged" | "failed";

export interface TrainRecord {
  readonly kind: "train";
  readonly step: number;
  readonly tokens: number;
  readonly flops: number;
  readonly loss: number | null;
  readonly lr?: number;
  readonly grad_norm?: number | null;
  readonly stage?: string | null;
  readonly difficulty?: number | null;
  /** Share of each source's training examples drawn at least once so far (absent in runs made before it was recorded). */
  readonly used?: Readonly<Record<string, number>>;
}

export interface BucketLoss {
  readonly label: string;
  readonly lo: number;
  readonly hi: number;
  readonly loss: number;
}

/** A task's accuracy at an eval (the runtime's `tasks` field, src/runtime/eval/tasks.ts). */
export interface LevelResult {
  readonly accuracy: number;
  /** Items scored. */
  readonly n: number;
}

export interface TaskResult extends LevelResult {
  /** By difficulty level, keyed by the level as a string ("1", "2"). */
  readonly by_level: Readonly<Record<string, LevelResult>>;
}

/** A multiple-choice benchmark's scores at an eval (the runtime's `benchmarks` field, src/runtime/eval/choices.ts). */
export interface BenchmarkResult {
  readonly accuracy: number;
  /** Accuracy choosing by log-likelihood per character of the choice (lm-eval's acc_norm). */
  readonly acc_norm: number;
  /** Accuracy choosing by log-likelihood per token of the choice. */
  readonly acc_tok: number;
  readonly n: number;
  /** Mean over items of 1 / number of choices. */
  readonly chance: number;
  /** sha256 of the file scored. */
  readonly sha256: string | null;
}

export interface EvalRecord {
  readonly kind: "eval";
  readonly step: number;
  readonly tokens: number;
  readonly flops: number;
  readonly stage?: string | null;
  /** The model's depth at this eval (it changes under growth and layer pruning; absent in older runs). */
  readonly layers?: number;
  readonly loss: number;
  readonly by_source: Readonly<Record<string, number>>;
  readonly by_bucket: readonly BucketLoss[];
  /**
   * Task accuracy by record key: "SOURCE.MODE" for the heldout split, "SOURCE.MODE on SPLIT"
   * otherwise. Absent when the eval scored no task.
   */
  readonly tasks?: Readonly<Record<string, TaskResult>>;
  /** Multiple-choice scores by benchmark name; absent when the eval scored none. */
  readonly benchmarks?: Readonly<Record<string, BenchmarkResult>>;
  /** As in a train record: the share of each source used so far. */
  readonly used?: Readonly<Record<string, number>>;
}

/** Growth, pruning and other events (a record kind the runtime may write later). Fields beyond these are kept as they are. */
export interface EventRecord {
  readonly kind: "event";
  readonly step: number | null;
  readonly tokens: number | null;
  /** A short name: the record's `event`, `type`, `op` or `name` field, else "event". */
  readonly name: string;
  readonly detail: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A `reweight` record: the mixture weights a stage moved to at an update, from the losses measured then. */
export interface ReweightRecord {
  readonly kind: "reweight";
  readonly step: number;
  readonly tokens: number;
  readonly stage: string | null;
  readonly weights: Readonly<Record<string, number>>;
  readonly loss: Readonly<Record<string, number>>;
  readonly excess: Readonly<Record<string, number>>;
}

export interface EndRecord {
  readonly kind: "end";
  readonly state: string;
  readonly step: number;
  readonly flops?: number;
  readonly message?: string;
}

export interface CellRun {
  readonly cell: Cell;
  /** From status.json; "pending" when the cell never started (no status file). */
  readonly state: CellState;
  readonly message: string | null;
  readonly train: readonly TrainRecord[];
  readonly evals: readonly EvalRecord[];
  readonly events: readonly EventRecord[];
  /** Mixture weight updates of reweighted stages (empty for other cells). */
  readonly reweights: readonly ReweightRecord[];
  readonly end: EndRecord | null;
  /** Finished: state done, an end record, and at least one eval. Only these enter fits and comparisons. */
  readonly finished: boolean;
}

export interface RunMeta {
  readonly plan_hash: string | null;
  readonly cgx_version: string | null;
  readonly backend: string | null;
}

export interface RunData {
  readonly dir: string;
  readonly plan: Plan;
  readonly meta: RunMeta;
  readonly cells: readonly CellRun[];
  /** Problems met while reading (torn lines, inconsistent status), for the report. */
  readonly notes: readonly string[];
}

export class RunDirError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

const STATES: readonly CellState[] = ["pending", "queued", "running", "interrupted", "done", "diverged", "failed"];

/** The finite numbers of an object of numbers (a record's `weights`, `loss`, `excess`). */
function finiteFields(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === "object") for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (num(x) !== null) out[k] = x as number;
  return out;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Run directories at `dir` itself, or one or two levels below (a runs root or an experiment folder). */
export function findRunDirs(dir: string): string[] {
  if (existsSync(join(dir, "plan.lock.json"))) return [dir];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const found: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const a = join(dir, n);
    if (!statSync(a).isDirectory()) continue;
    if (existsSync(join(a, "plan.lock.json"))) found.push(a);
    else for (const m of readdirSync(a).sort()) if (existsSync(join(a, m, "plan.lock.json"))) found.push(join(a, m));
  }
  return found;
}

export function loadRun(dir: string): RunData {
  const lockPath = join(dir, "plan.lock.json");
  if (!existsSync(lockPath)) throw new RunDirError(`\`${dir}\` holds no plan.lock.json`, "give the run directory `cgx run` printed, like runs/EXPERIMENT/HASH");
  let lock: Record<string, unknown>;
  try {
    lock = readJsonFile(lockPath) as Record<string, unknown>;
  } catch (e) {
    throw new RunDirError(`cannot read ${lockPath}: ${(e as Error).message}`, "the lock file is written once when the run starts; restore it or rerun `cgx run`");
  }
  const plan = lock["plan"] as Plan | undefined;
  if (!plan || typeof plan !== "object" || !Array.isArray(plan.cells)) {
    throw new RunDirError(`${lockPath} holds no plan`, "the lock file should hold the plan under `plan`; rerun `cgx run` to recreate it");
  }
  const notes: string[] = [];
  const unverified: string[] = [];
  const cells = plan.cells.map((cell) => loadCell(dir, cell, notes, unverified));
  if (unverified.length) {
    // A copy of a run made without its checkpoints (to share results) is fine; say what could not be checked.
    notes.push(`${unverified.length} finished cell${unverified.length === 1 ? " has" : "s have"} no checkpoints folder, so ${unverified.length === 1 ? "its" : "their"} final weights could not be verified: ${unverified.slice(0, 3).join(", ")}${unverified.length > 3 ? ", ..." : ""}`);
  }
  const str = (k: string) => (typeof lock[k] === "string" ? (lock[k] as string) : null);
  return { dir, plan, meta: { plan_hash: str("plan_hash"), cgx_version: str("cgx_version"), backend: str("backend") }, cells, notes };
}

function loadCell(dir: string, cell: Cell, notes: string[], unverified: string[]): CellRun {
  const cdir = join(dir, "cells", cell.id);
  let state: CellState = "pending";
  let message: string | null = null;
  const statusPath = join(cdir, "status.json");
  if (existsSync(statusPath)) {
    try {
      const st = readJsonFile(statusPath) as Record<string, unknown>;
      if (typeof st["state"] === "string" && (STATES as readonly string[]).includes(st["state"])) state = st["state"] as CellState;
      if (typeof st["message"] === "string") message = st["message"];
    } catch {
      notes.push(`${cell.label}: status.json is unreadable; treated as pending`);
    }
  }
  const train: TrainRecord[] = [];
  const evals: EvalRecord[] = [];
  const events: EventRecord[] = [];
  const reweights: ReweightRecord[] = [];
  let end: EndRecord | null = null;
  const metricsPath = join(cdir, "metrics.jsonl");
  if (existsSync(metricsPath)) {
    const lines = readFileSync(metricsPath, "utf8").split("\n");
    let bad = 0;
    let badTasks = 0;
    let badBenchmarks = 0;
    const tps = cell.budget.tokens_per_step;
    for (const line of lines) {
      if (!line.trim()) continue;
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch {
        bad++;
        continue;
      }
      if (!r || typeof r !== "object") {
        bad++;
        continue;
      }
      const step = num(r["step"]);
      const tokens = num(r["tokens"]) ?? (step !== null ? step * tps : null);
      const flops = num(r["flops"]) ?? (tokens !== null ? tokens * cell.model.flops_per_token : null);
      switch (r["kind"]) {
        case "train":
          if (step === null || tokens === null || flops === null) {
            bad++;
            break;
          }
          train.push({
            kind: "train",
            step,
            tokens,
            flops,
            loss: num(r["loss"]),
            ...(num(r["lr"]) !== null ? { lr: num(r["lr"])! } : {}),
            grad_norm: num(r["grad_norm"]),
            stage: typeof r["stage"] === "string" ? r["stage"] : null,
            difficulty: num(r["difficulty"]),
            ...usedOf(r["used"]),
          });
          break;
        case "eval": {
          const loss = num(r["loss"]);
          if (step === null || tokens === null || flops === null) {
            bad++;
            break;
          }
          const bySource: Record<string, number> = {};
          const src = r["by_source"];
          if (src && typeof src === "object") for (const [k, v] of Object.entries(src as Record<string, unknown>)) if (num(v) !== null) bySource[k] = v as number;
          const byBucket: BucketLoss[] = [];
          if (Array.isArray(r["by_bucket"])) {
            for (const b of r["by_bucket"] as Record<string, unknown>[]) {
              if (b && typeof b.label === "string" && num(b.loss) !== null) byBucket.push({ label: b.label, lo: num(b.lo) ?? NaN, hi: num(b.hi) ?? NaN, loss: b.loss as number });
            }
          }
          const tasks = readTasks(r["tasks"]);
          if (tasks.bad) badTasks += tasks.bad;
          const benchmarks = readBenchmarks(r["benchmarks"]);
          if (benchmarks.bad) badBenchmarks += benchmarks.bad;
          evals.push({
            kind: "eval",
            step,
            tokens,
            flops,
            stage: typeof r["stage"] === "string" ? r["stage"] : null,
            ...(num(r["layers"]) !== null ? { layers: num(r["layers"])! } : {}),
            loss: loss ?? NaN,
            by_source: bySource,
            by_bucket: byBucket,
            ...(tasks.value ? { tasks: tasks.value } : {}),
            ...(benchmarks.value ? { benchmarks: benchmarks.value } : {}),
            ...usedOf(r["used"]),
          });
          break;
        }
        case "event": {
          const nameKey = ["event", "type", "op", "name"].find((k) => typeof r[k] === "string");
          const nameField = nameKey === undefined ? undefined : (r[nameKey] as string);
          const detail = Object.entries(r)
            .filter(([k]) => !["kind", "step", "tokens", "flops", nameKey].includes(k))
            .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : typeof v === "number" && !Number.isInteger(v) ? String(Number(v.toPrecision(3))) : String(v)}`)
            .join(", ");
          events.push({ kind: "event", step, tokens, name: nameField ?? "event", detail, raw: r });
          break;
        }
        case "reweight": {
          const weights = finiteFields(r["weights"]);
          if (step === null || tokens === null || !Object.keys(weights).length) {
            bad++;
            break;
          }
          reweights.push({ kind: "reweight", step, tokens, stage: typeof r["stage"] === "string" ? r["stage"] : null, weights, loss: finiteFields(r["loss"]), excess: finiteFields(r["excess"]) });
          break;
        }
        case "end":
          end = { kind: "end", state: typeof r["state"] === "string" ? r["state"] : "unknown", step: step ?? 0, ...(num(r["flops"]) !== null ? { flops: num(r["flops"])! } : {}), ...(typeof r["message"] === "string" ? { message: r["message"] } : {}) };
          break;
        default:
          // Unknown kinds are for later readers; skipping them is not an error.
          break;
      }
    }
    if (bad) notes.push(`${cell.label}: skipped ${bad} unreadable line${bad === 1 ? "" : "s"} of metrics.jsonl`);
    if (badTasks) notes.push(`${cell.label}: skipped ${badTasks} malformed task result${badTasks === 1 ? "" : "s"} in eval records (an accuracy must lie in [0, 1] with a count of items > 0)`);
    if (badBenchmarks) notes.push(`${cell.label}: skipped ${badBenchmarks} malformed benchmark result${badBenchmarks === 1 ? "" : "s"} in eval records (each accuracy, acc_norm, acc_tok and chance must lie in [0, 1] with a count of items > 0)`);
  }
  if (message === null && end?.message) message = end.message;
  const finalEval = evals.at(-1);
  let finished = state === "done" && end !== null && end.state === "done" && finalEval !== undefined && Number.isFinite(finalEval.loss);
  if (state === "done" && !finished) {
    notes.push(`${cell.label}: status says done but metrics.jsonl has no ${end === null ? "end record" : "finite final eval"}; left out`);
  }
  // A cross-entropy is above 0 and, for a model that trained at all, far below this: anything else is a corrupt record.
  if (finished && finalEval && !(finalEval.loss > 0 && finalEval.loss < MAX_PLAUSIBLE_LOSS)) {
    notes.push(`${cell.label}: its final heldout loss is ${finalEval.loss}, not a plausible cross-entropy (above 0, below ${MAX_PLAUSIBLE_LOSS}); left out`);
    finished = false;
  }
  if (finished && finalEval && finalEval.tokens < cell.budget.tokens && cell.budget.stop_on === "tokens") {
    notes.push(`${cell.label}: last eval at ${finalEval.tokens} tokens, before the budget of ${cell.budget.tokens}; left out`);
    finished = false;
  }
  // One clean history (no gap, duplicate or step going back), and for a finished cell a final
  // checkpoint whose every file matches its checksum: otherwise the cell is flagged and left out.
  const steps = readStepRecords(metricsPath);
  const history = checkRecords(
    steps.filter((r) => r.kind !== TORN),
    { evalSteps: evalStepsOf(cell) },
  );
  if (history.length) {
    notes.push(`${cell.label}: metrics.jsonl has ${history.join("; ")}${finished ? "; left out (`cgx run` retrains it from its newest good checkpoint)" : ""}`);
    finished = false;
  }
  if (finished && !existsSync(join(cdir, "checkpoints"))) unverified.push(cell.label);
  else if (finished) {
    const problems = verifyFinalCheckpoint(cdir, steps);
    if (problems.length) {
      notes.push(`${cell.label}: final checkpoint does not verify (${problems.join("; ")}); left out (\`cgx run\` retrains it from its newest good checkpoint)`);
      finished = false;
    }
  }
  return { cell, state, message, train, evals, events, reweights, end, finished };
}

/** A record's `used` field: shares in [0, 1] by source; anything else is left out. */
function usedOf(v: unknown): { used?: Record<string, number> } {
  if (!v || typeof v !== "object" || Array.isArray(v)) return {};
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const share = num(x);
    if (share !== null && share >= 0 && share <= 1) out[k] = share;
  }
  return Object.keys(out).length ? { used: out } : {};
}

function readLevel(v: unknown): LevelResult | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  const accuracy = num(o["accuracy"]);
  const n = num(o["n"]);
  if (accuracy === null || accuracy < 0 || accuracy > 1 || n === null || n <= 0) return null;
  return { accuracy, n };
}

/** The `tasks` field of an eval record; malformed entries are counted and left out. */
function readTasks(v: unknown): { value: Record<string, TaskResult> | null; bad: number } {
  if (v === undefined || v === null) return { value: null, bad: 0 };
  if (typeof v !== "object" || Array.isArray(v)) return { value: null, bad: 1 };
  const out: Record<string, TaskResult> = {};
  let bad = 0;
  for (const [key, t] of Object.entries(v as Record<string, unknown>)) {
    const top = readLevel(t);
    if (!top) {
      bad++;
      continue;
    }
    const by_level: Record<string, LevelResult> = {};
    const levels = (t as Record<string, unknown>)["by_level"];
    if (levels && typeof levels === "object" && !Array.isArray(levels)) {
      for (const [lv, l] of Object.entries(levels as Record<string, unknown>)) {
        const r = readLevel(l);
        if (r) by_level[lv] = r;
        else bad++;
      }
    }
    out[key] = { ...top, by_level };
  }
  return { value: Object.keys(out).length ? out : null, bad };
}

/** The `benchmarks` field of an eval record; malformed entries are counted and left out. */
function readBenchmarks(v: unknown): { value: Record<string, BenchmarkResult> | null; bad: number } {
  if (v === undefined || v === null) return { value: null, bad: 0 };
  if (typeof v !== "object" || Array.isArray(v)) return { value: null, bad: 1 };
  const out: Record<string, BenchmarkResult> = {};
  let bad = 0;
  const share = (x: unknown) => (num(x) !== null && (x as number) >= 0 && (x as number) <= 1 ? (x as number) : null);
  for (const [name, b] of Object.entries(v as Record<string, unknown>)) {
    const top = readLevel(b);
    const o = (b ?? {}) as Record<string, unknown>;
    const [accNorm, accTok, chance] = [share(o["acc_norm"]), share(o["acc_tok"]), share(o["chance"])];
    if (!top || accNorm === null || accTok === null || chance === null) {
      bad++;
      continue;
    }
    out[name] = { ...top, acc_norm: accNorm, acc_tok: accTok, chance, sha256: typeof o["sha256"] === "string" ? o["sha256"] : null };
  }
  return { value: Object.keys(out).length ? out : null, bad };
}

/** Writes whole or not at all (src/store/durable.ts): readers see the old file or the new one. */
export function writeFileAtomic(path: string, text: string): void {
  writeAtomic(path, text);
}
