/**
 * Synthetic run directories for report tests: a hand-made plan and metrics written in the
 * runtime's layout (plan.lock.json, cells/<id>/{status.json, metrics.jsonl}), with losses from a
 * formula so the expected comparisons and trends are known exactly. No training.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrokenFit, ChinchillaFit, FitOptions, PowerLawFit } from "../../../src/analysis/fit/types.js";
import { fitEnvelope } from "../../../src/analysis/fit/envelope.js";
import { fitIsoFlop } from "../../../src/analysis/fit/isoflop.js";
import { FitError } from "../../../src/analysis/fit/types.js";
import type { Fitter } from "../../../src/analysis/report/fitter.js";
import type { Cell, Plan, PlanAnalysis, PlanCurriculum } from "../../../src/plan/types.js";

export interface SynthCurriculum {
  readonly name: string;
  readonly kind: "staged" | "shuffled";
  /** Stage names and the fraction of the budget at which each ends (staged only). */
  readonly stages?: readonly (readonly [string, number])[];
}

export interface LossArgs {
  readonly curriculum: string;
  readonly params: number;
  readonly tokens: number;
  readonly seed: number;
  /** Bucket index (0 = easiest), or null for the mean heldout loss. */
  readonly bucket: number | null;
}

export interface AccuracyArgs {
  readonly curriculum: string;
  readonly params: number;
  readonly tokens: number;
  readonly seed: number;
  /** The task's record key ("facts.qa", "facts.qa on heldout_entities"). */
  readonly task: string;
  /** Difficulty level, 1-based. */
  readonly level: number;
}

export interface SynthOptions {
  readonly experiment?: string;
  readonly curricula: readonly SynthCurriculum[];
  readonly sizes: readonly (readonly [string, number])[];
  readonly seeds: readonly number[];
  readonly budget?: number;
  /** FLOP budgets: every (curriculum, size, seed) is trained at each (an IsoFLOP design, axis `budget`); overrides `budget`. */
  readonly flopBudgets?: readonly number[];
  readonly tokensPerStep?: number;
  readonly evals?: number;
  readonly buckets?: number;
  readonly analyses?: readonly PlanAnalysis[];
  readonly loss: (a: LossArgs) => number;
  /** Cell state by label; "pending" cells get no files; "running" cells stop half way; "diverged" stop a third of the way with an end record. */
  readonly states?: Readonly<Record<string, "pending" | "running" | "diverged" | "failed" | "done">>;
  /** Extra records appended to a cell's metrics by label. */
  readonly extra?: Readonly<Record<string, readonly Record<string, unknown>[]>>;
  /** Append a torn (half-written) line to these cells' metrics. */
  readonly torn?: readonly string[];
  /** Tasks the plan evaluates, by record key ("facts.qa", "facts.qa on heldout_entities"). */
  readonly tasks?: readonly string[];
  /** Accuracy per task and level (rounded to whole items); without it, eval records hold no `tasks`. */
  readonly accuracy?: (a: AccuracyArgs) => number;
  /** Difficulty levels per task (default 2) and items per level (default 100). */
  readonly levels?: number;
  readonly items?: number;
}

/** The runtime's `tasks` field of an eval record, from `o.accuracy`; undefined without it. */
export function taskRecords(o: SynthOptions, a: Omit<AccuracyArgs, "task" | "level">): Record<string, unknown> | undefined {
  if (!o.accuracy || !o.tasks?.length) return undefined;
  const items = o.items ?? 100;
  const out: Record<string, unknown> = {};
  for (const task of o.tasks) {
    const by_level: Record<string, { accuracy: number; n: number }> = {};
    let right = 0;
    for (let level = 1; level <= (o.levels ?? 2); level++) {
      const k = Math.round(Math.min(1, Math.max(0, o.accuracy({ ...a, task, level }))) * items);
      right += k;
      by_level[String(level)] = { accuracy: k / items, n: items };
    }
    const n = items * (o.levels ?? 2);
    out[task] = { accuracy: right / n, n, by_level };
  }
  return out;
}

export function syntheticPlan(o: SynthOptions): Plan {
  const tps = o.tokensPerStep ?? 1000;
  const nEval = o.evals ?? 8;
  const cells: Cell[] = [];
  for (const cur of o.curricula) {
    for (const [size, params] of o.sizes) {
      for (const flopBudget of o.flopBudgets ?? [null]) {
        const budget = flopBudget === null ? (o.budget ?? 400_000) : flopBudget / (6 * params);
        const steps = Math.max(1, Math.round(budget / tps));
        const points = Array.from({ length: nEval }, (_, i) => Math.round(((i + 1) * steps) / nEval) * tps);
        for (const seed of o.seeds) {
          const curriculum: PlanCurriculum =
            cur.kind === "staged"
              ? {
                  name: cur.name,
                  kind: "staged",
                  stages: (cur.stages ?? [["all", 1]]).map(([name, frac], i, all) => ({
                    name,
                    start: i === 0 ? 0 : Math.round(all[i - 1]![1] * steps) * tps,
                    end: Math.round(frac * steps) * tps,
                    mixture: [{ source: "text", weight: 1 }],
                    filters: [],
                    order: "shuffled",
                  })),
                }
              : { name: cur.name, kind: "shuffled", metric: { kind: "length" }, mixture: null, filters: [] };
          const index = cells.length;
          cells.push({
            id: `c${String(index).padStart(3, "0")}${cur.name.slice(0, 3)}`,
            index,
            label: `${cur.name}/${size}${flopBudget === null ? "" : `/budget=${flopBudget.toExponential()}`}/s${seed}`,
            seed,
            axes: { curriculum: cur.name, ...(flopBudget === null ? {} : { budget: flopBudget }) },
            size,
            model: { layers: 2, width: 32, heads: 2, mlp: 4, vocab: 256, context: 32, params, params_total: params + 9000, flops_per_token: 6 * params },
            budget: { tokens: steps * tps, steps, tokens_per_step: tps, flops: flopBudget ?? 6 * params * steps * tps, stop_on: flopBudget === null ? "tokens" : "flops" },
            curriculum,
            train: {
              optimizer: { kind: "adamw", lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, momentum: 0 },
              schedule: { kind: "cosine", warmup: tps * 2, min_lr: 0.1 },
              batch: 8,
              clip: 1,
            },
            growth: null,
            pruning: [],
            eval: {
              points,
              loss_by: [{ kind: "source" }, ...(o.buckets ? [{ kind: "difficulty_bucket" as const, buckets: o.buckets }] : [])],
              tasks: (o.tasks ?? []).map((key) => {
                const [, task = key, split = "heldout"] = /^(.*?)(?: on (\S+))?$/.exec(key) ?? [];
                const dot = task.lastIndexOf(".");
                return { source: task.slice(0, dot), mode: task.slice(dot + 1), split };
              }),
              samples: 16,
            },
          });
        }
      }
    }
  }
  return {
    format: "cgx-plan",
    version: 1,
    experiment: o.experiment ?? "synthetic",
    source_hash: "0".repeat(64),
    compiler_version: "0.1.0",
    data: { tokenizer: { kind: "bytes", vocab: 256 }, context: 32, heldout: 0.05, difficulty: { kind: "length" }, sources: [{ name: "text", kind: "builtin", corpus: "simple.sentences" }] },
    seeds: o.seeds,
    cells,
    analyses: o.analyses ?? [],
    totals: { cells: cells.length, tokens: cells.reduce((s, c) => s + c.budget.tokens, 0), flops: cells.reduce((s, c) => s + c.budget.flops, 0) },
  };
}

/** Writes the run directory and returns its path. */
export function writeSyntheticRun(o: SynthOptions, root = mkdtempSync(join(tmpdir(), "cgx-report-"))): string {
  const plan = syntheticPlan(o);
  const dir = join(root, plan.experiment, "abcdef012345");
  mkdirSync(join(dir, "cells"), { recursive: true });
  writeFileSync(join(dir, "plan.lock.json"), JSON.stringify({ plan_hash: "abcdef012345".padEnd(64, "0"), cgx_version: "0.1.0", tfjs_version: "4.22.0", node_version: process.version, backend: "wasm", git_revision: null, plan }, null, 2));
  for (const cell of plan.cells) {
    const state = o.states?.[cell.label] ?? "done";
    if (state === "pending") continue;
    const cdir = join(dir, "cells", cell.id);
    mkdirSync(cdir, { recursive: true });
    const tps = cell.budget.tokens_per_step;
    const lastStep = state === "running" ? Math.floor(cell.budget.steps / 2) : state === "diverged" || state === "failed" ? Math.floor(cell.budget.steps / 3) : cell.budget.steps;
    const cur = cell.curriculum.name;
    const L = (tokens: number, bucket: number | null) => o.loss({ curriculum: cur, params: cell.model.params, tokens, seed: cell.seed, bucket });
    const lines: string[] = [];
    const stages = cell.curriculum.kind === "staged" ? cell.curriculum.stages : [];
    const stageAt = (t: number) => stages.find((s) => t <= s.end)?.name ?? null;
    const every = Math.max(1, Math.floor(cell.budget.steps / 50));
    const points = new Set(cell.eval.points.map((p) => p / tps));
    for (let step = 1; step <= lastStep; step++) {
      const tokens = step * tps;
      const flops = tokens * cell.model.flops_per_token;
      if (step % every === 0 || step === lastStep) {
        const wiggle = 0.02 * Math.sin(step * 1.7 + cell.seed);
        const difficulty = cell.curriculum.kind === "staged" ? 2 + (6 * tokens) / cell.budget.tokens + wiggle * 10 : 5 + wiggle * 10;
        lines.push(JSON.stringify({ kind: "train", step, tokens, flops, loss: L(tokens, null) + 0.05 + wiggle, lr: 3e-3, grad_norm: 1, stage: stageAt(tokens - 1), difficulty }));
      }
      if (points.has(step)) {
        const by_bucket = Array.from({ length: o.buckets ?? 0 }, (_, b) => ({ label: `b${b + 1}`, lo: b * 2, hi: b * 2 + 2, loss: L(tokens, b) }));
        const tasks = taskRecords(o, { curriculum: cur, params: cell.model.params, tokens, seed: cell.seed });
        lines.push(JSON.stringify({ kind: "eval", step, tokens, flops, stage: stageAt(tokens - 1), loss: L(tokens, null), by_source: { text: L(tokens, null) }, by_bucket, ...(tasks ? { tasks } : {}) }));
      }
    }
    // Extra records go where the runtime would write them: in step order (those without a step at the end).
    for (const r of o.extra?.[cell.label] ?? []) {
      const at = typeof r["step"] === "number" ? lines.findIndex((l) => (JSON.parse(l) as { step: number }).step > (r["step"] as number)) : -1;
      if (at < 0) lines.push(JSON.stringify(r));
      else lines.splice(at, 0, JSON.stringify(r));
    }
    let message: string | undefined;
    if (state === "done") lines.push(JSON.stringify({ kind: "end", state: "done", step: lastStep, flops: lastStep * tps * cell.model.flops_per_token }));
    if (state === "diverged") {
      message = `loss NaN at step ${lastStep}: diverged`;
      lines.push(JSON.stringify({ kind: "train", step: lastStep + 1, tokens: (lastStep + 1) * tps, flops: 0, loss: null, lr: 3e-3, grad_norm: null, stage: null, difficulty: 3 }));
      lines.push(JSON.stringify({ kind: "end", state: "diverged", step: lastStep + 1, message }));
    }
    if (state === "failed") message = "out of memory";
    let text = lines.map((l) => l + "\n").join("");
    if (o.torn?.includes(cell.label)) text += '{"kind":"train","step":';
    writeFileSync(join(cdir, "metrics.jsonl"), text);
    writeFileSync(
      join(cdir, "status.json"),
      JSON.stringify({ id: cell.id, label: cell.label, state, step: lastStep, steps: cell.budget.steps, tokens: lastStep * tps, backend: "wasm", updated: "2025-01-01T00:00:00.000Z", ...(message ? { message } : {}) }),
    );
  }
  return dir;
}

/**
 * A small, exact fitter for tests (not the fitting module): for each alpha on a grid, E and A by
 * least squares; the best alpha wins. Intervals from a bootstrap over groups.
 */
export const testFitter: Fitter = {
  powerLaw(x: readonly number[], y: readonly number[], opts: FitOptions): PowerLawFit {
    const distinct = new Set(x).size;
    if (distinct < 3) throw new FitError(`${distinct} distinct x values for 3 parameters`, "add sizes");
    const one = (xs: readonly number[], ys: readonly number[]) => {
      let best = { E: NaN, A: NaN, alpha: NaN, sse: Infinity };
      for (let k = 1; k <= 150; k++) {
        const alpha = k * 0.01;
        const u = xs.map((v) => v ** -alpha);
        const mu = u.reduce((a, b) => a + b, 0) / u.length;
        const my = ys.reduce((a, b) => a + b, 0) / ys.length;
        let suu = 0;
        let suy = 0;
        u.forEach((v, i) => {
          suu += (v - mu) ** 2;
          suy += (v - mu) * (ys[i]! - my);
        });
        if (suu === 0) continue;
        const A = suy / suu;
        const E = my - A * mu;
        const sse = u.reduce((s, v, i) => s + (ys[i]! - E - A * v) ** 2, 0);
        if (sse < best.sse) best = { E, A, alpha, sse };
      }
      return best;
    };
    const b = one(x, y);
    const n = x.length;
    const my = y.reduce((a, c) => a + c, 0) / n;
    const sst = y.reduce((s, v) => s + (v - my) ** 2, 0);
    return {
      law: "power",
      E: b.E,
      A: b.A,
      alpha: b.alpha,
      intervals: { E: (opts.bootstrap ?? 0) > 0 ? [b.E - 0.01, b.E + 0.01] : null, A: null, alpha: (opts.bootstrap ?? 0) > 0 ? [b.alpha * 0.9, b.alpha * 1.1] : null },
      goodness: { n, r2: sst > 0 ? 1 - b.sse / sst : 1, rmse_log: Math.sqrt(b.sse / n) / my, loo_mae_log: null },
    };
  },
  chinchilla(): ChinchillaFit {
    throw new FitError("not in the test fitter", "");
  },
  broken(x: readonly number[], y: readonly number[]): BrokenFit {
    const xs = [...x].sort((a, b) => a - b);
    const mid = xs[Math.floor(xs.length / 2)]!;
    return {
      law: "broken",
      breaks: [{ x: mid, interval: [mid / 1.5, mid * 1.5] }],
      params: { a: 1, b: 1, c0: 0.1, c1: 0.1, d1: mid, f1: 1 },
      selection: { criterion: "bic", scores: [{ breaks: 0, score: 10 }, { breaks: 1, score: 5 }] },
      goodness: { n: y.length, r2: 0.9, rmse_log: 0.01, loo_mae_log: null },
    };
  },
  // The compute-optimal approaches are cheap: the real ones.
  isoflop: (n, c, y, opts) => fitIsoFlop(n, c, y, opts),
  envelope: (curves, opts) => fitEnvelope(curves, opts),
};
