/**
 * Trains one plan cell: batches from the curriculum sampler, AdamW updates, evaluation and a
 * checkpoint at each of the plan's eval points, metrics to metrics.jsonl. Resumes from the newest
 * valid checkpoint, truncating metrics written after it, so a killed cell ends exactly where an
 * uninterrupted one would on the same backend.
 */
import type * as TF from "@tensorflow/tfjs";
import type { Cell } from "../../plan/types.js";
import type { LoadedBackend } from "../backend.js";
import { listCheckpoints, saveCheckpoint } from "./checkpoint.js";
import { resumePoint } from "./resume.js";
import { syncFile } from "../../store/durable.js";
import { bucketSets, sourceSets, type EvalSet } from "../eval/evalsets.js";
import { appendJsonLine } from "../running/files.js";
import { Dynamics, remapMoments, type DynamicsState } from "./dynamics.js";
import { cellReweights, Reweighting, type ReweightingState } from "./reweighting.js";
import type { TaskItem } from "../data/synthetic/index.js";
import type { Tokenizer } from "../data/tokenizers/types.js";
import { Gpt } from "../model/model.js";
import { evaluateTasks } from "../eval/tasks.js";
import { choiceLogLikelihoods, scoreChoices } from "../eval/choices.js";
import type { LoadedBenchmark } from "../eval/benchmark-data.js";
import { Optimizer } from "./optimizer.js";
import { initParams, type Params } from "../model/params.js";
import type { Masks } from "../model/prune.js";
import { cellPaths, countLines, writeStatus, type CellState } from "../running/rundir.js";
import { CurriculumSampler, type PoolExample } from "../curriculum/sampler.js";
import { lrAt, scheduleFor } from "./schedule.js";
import { trainStep } from "./step.js";

export interface CellData {
  readonly train: ReadonlyMap<string, readonly PoolExample[]>;
  readonly heldout: ReadonlyMap<string, readonly PoolExample[]>;
  /** Token placed between packed examples. */
  readonly separator: number;
  /** The experiment's tokenizer: task evaluation by greedy decoding, benchmarks (absent from hand-made data). */
  readonly tokenizer?: Tokenizer;
  readonly tasks?: readonly TaskItem[];
  /** The cell's multiple-choice benchmarks, tokenized (eval/benchmark-data.ts); absent when it has none. */
  readonly benchmarks?: readonly LoadedBenchmark[];
}

export interface Progress {
  readonly cell: string;
  readonly step: number;
  readonly steps: number;
  readonly tokens: number;
  readonly loss: number;
  readonly tokensPerSecond: number;
}

export interface TrainOptions {
  readonly runDir: string;
  readonly backend: LoadedBackend;
  readonly onProgress?: (p: Progress) => void;
  readonly warn?: (message: string) => void;
  /** Log a train line every this many steps (and at the last step); default: ~200 lines per cell. */
  readonly logEvery?: number;
  /**
   * Called at every step: renews the caller's ownership of the cell and throws if it was lost,
   * which stops the cell before it writes anything more.
   */
  readonly heartbeat?: () => void;
  /** Asked after every step: a signal that returns the cell as "interrupted" (see running/stop.ts). */
  readonly shouldStop?: () => NodeJS.Signals | null;
}

/** Checkpoint arrays of a distillation's teacher are named with this prefix. */
const TEACHER = "teacher.";

/** The loop gives the event loop a turn this often, so signals, IPC and lock renewals are heard mid-cell. */
const YIELD_EVERY_MS = 100;

export interface CellOutcome {
  readonly state: CellState;
  readonly finalLoss: number | null;
  readonly message?: string;
}

interface TrainerState {
  readonly step: number;
  readonly optimizerT: number;
  readonly flops: number;
  readonly initialLoss: number | null;
  readonly dynamics: DynamicsState;
  /** Present when a stage reweights its mixture (absent in cells that do not, and older checkpoints). */
  readonly reweighting?: ReweightingState;
}

/** A loss above this multiple of the uniform-prediction loss, or not finite, counts as diverged. */
const DIVERGENCE_FACTOR = 2;

export async function trainCell(cell: Cell, data: CellData, opts: TrainOptions): Promise<CellOutcome> {
  const { tf, name: backendName } = opts.backend;
  const paths = cellPaths(opts.runDir, cell.id);
  const steps = cell.budget.steps;
  const B = cell.train.batch;
  const T = cell.model.context;
  const tps = cell.budget.tokens_per_step;
  /** The steps the cell expects to train in all, as of its last status (see Dynamics.expectedSteps). */
  let expected = steps;
  const status = (state: CellState, step: number, message?: string) =>
    writeStatus(paths, {
      id: cell.id,
      label: cell.label,
      state,
      step,
      // Under a FLOPs budget a model that changes depth may train more or fewer steps than planned.
      steps: (expected = Math.max(step, dyn.expectedSteps(step))),
      tokens: step * tps,
      backend: backendName,
      updated: new Date().toISOString(),
      ...(message ? { message } : {}),
    });

  const plannedBenchmarks = cell.eval.benchmarks ?? [];
  if (plannedBenchmarks.some((b) => !data.benchmarks?.some((l) => l.name === b.name))) {
    throw new Error(`internal error: the cell's benchmarks (${plannedBenchmarks.map((b) => b.name).join(", ")}) were not loaded: its data must come through withBenchmarks (src/runtime/eval/benchmark-data.ts)`);
  }
  const sampler = new CurriculumSampler(cell.curriculum, data.train, { context: T, batch: B, seed: cell.seed, separator: data.separator, budget: cell.budget.tokens });
  const evalSets: { kind: "source" | "bucket"; sets: EvalSet[] }[] = [{ kind: "source", sets: sourceSets(data.heldout, cell.eval.samples, T, data.separator) }];
  for (const g of cell.eval.loss_by) if (g.kind === "difficulty_bucket") evalSets.push({ kind: "bucket", sets: bucketSets(data.heldout, g.buckets, cell.eval.samples, T, data.separator) });

  const evalPoints = new Set(cell.eval.points.map((p) => p / tps));
  const logEvery = opts.logEvery ?? Math.max(1, Math.floor(steps / 200));

  // Resume from the newest checkpoint the metrics agree with, or start.
  const resumed = resumePoint<TrainerState>(paths, { trainEvery: logEvery, evalSteps: evalPoints }, (m) => opts.warn?.(m));
  let params: Params;
  let state: TrainerState;
  let masks: Masks = new Map();
  /** The teacher's weights while a distillation runs (saved with every checkpoint in its span). */
  let teacherParams: Params | undefined;
  if (resumed) {
    params = new Map();
    for (const [k, a] of resumed.arrays) {
      if (k.startsWith("mask.")) masks.set(k.slice(5), a.data);
      else if (k.startsWith(TEACHER)) (teacherParams ??= new Map()).set(k.slice(TEACHER.length), { ...a, name: k.slice(TEACHER.length) });
      else if (!k.startsWith("opt.")) params.set(k, a);
    }
    state = resumed.manifest.state;
  } else {
    const start = cell.growth ? cell.growth.start_layers : cell.model.layers;
    params = initParams(cell.model, start, cell.seed);
    state = { step: 0, optimizerT: 0, flops: 0, initialLoss: null, dynamics: Dynamics.initial(cell, params) };
  }
  let model = new Gpt(tf, cell.model, params);
  let teacher = teacherParams ? new Gpt(tf, cell.model, teacherParams) : null;
  const optimizer = new Optimizer(tf, cell.train.optimizer);
  if (resumed) optimizer.load(resumed.arrays, state.optimizerT);
  const dyn = new Dynamics(cell, state.dynamics);
  const reweighting = cellReweights(cell) ? new Reweighting(cell, sampler, { train: data.train, heldout: data.heldout, separator: data.separator }, state.reweighting) : null;
  const measureLosses = (sets: readonly EvalSet[]) => evaluate(tf, model, [{ kind: "source", sets: [...sets] }], B, T).by_source;
  let maskTensors = toTensors(tf, masks, model);
  const schedule = scheduleFor(cell.train, steps, tps);
  const uniformLoss = Math.log(cell.model.vocab);
  // A FLOPs budget stops on the ledger: a grown model is cheaper early and may take more steps.
  const maxSteps = cell.budget.stop_on === "flops" ? steps * 100 : steps;
  const done = (s: number) => (cell.budget.stop_on === "flops" ? dyn.totalFlops + dyn.flopsPerStep > cell.budget.flops || s >= maxSteps : s >= steps);
  const checkpoint = (s: number) => {
    // The records a checkpoint counts must be on disk before the checkpoint that counts them.
    syncFile(paths.metrics);
    saveCheckpoint<TrainerState>(
      paths.checkpoints,
      s,
      countLines(paths.metrics),
      [
        ...model.toArrays().values(),
        ...optimizer.toArrays(),
        ...[...masks].map(([n, m]) => ({ name: `mask.${n}`, shape: [m.length], data: m })),
        ...(teacher ? [...teacher.toArrays().values()].map((a) => ({ ...a, name: `${TEACHER}${a.name}` })) : []),
      ],
      { step: s, optimizerT: optimizer.t, flops, initialLoss, dynamics: dyn.state, ...(reweighting ? { reweighting: reweighting.state } : {}) },
    );
  };

  let step = state.step;
  let flops = state.flops;
  let initialLoss = state.initialLoss;
  let lastLoss = NaN;
  let windowStart = performance.now();
  let windowSteps = 0;
  let lastYield = performance.now();
  status("running", step);
  try {
    while (!done(step)) {
      opts.heartbeat?.();
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
      if (dyn.due(step)) {
        const r = dyn.apply(step, model.toArrays(), masks);
        masks = r.masks;
        if (r.dropTeacher) {
          teacher?.dispose();
          teacher = null;
        }
        if (r.teacher) {
          // A distillation starts: the model as it was becomes the teacher (a copy of its weights).
          teacher?.dispose();
          teacher = new Gpt(tf, cell.model, r.teacher);
        }
        if (r.origin) {
          // The model changed shape: rebuild it, and carry or reset the optimizer's moments. A
          // distillation's student is a new model: its optimizer starts afresh.
          const moments = new Map(optimizer.toArrays().map((a) => [a.name, a] as const));
          model.dispose();
          model = new Gpt(tf, cell.model, r.params);
          if (r.teacher || (cell.growth?.optimizer === "reset" && r.applied.some((a) => a.event === "grow"))) optimizer.load(new Map(), 0);
          else optimizer.load(remapMoments(moments, r.origin), optimizer.t);
        } else model.assign(r.params);
        for (const t of maskTensors.values()) t.dispose();
        maskTensors = toTensors(tf, masks, model);
        expected = Math.max(step, dyn.expectedSteps(step));
        for (const a of r.applied) appendJsonLine(paths.metrics, { kind: "event", step, tokens: step * tps, flops, layers: model.layers, params: dyn.state.ledger.at(-1)!.params, ...a });
      }
      // Reweighting moves the mixture before the step is drawn; its forward passes cost FLOPs too.
      // The ledger's span holds the model's training FLOPs per token: 3 x its forward pass.
      const rw = reweighting?.before(step, dyn.state.ledger.at(-1)!.flops_per_token / 3, measureLosses);
      if (rw) {
        flops += rw.measure_flops;
        appendJsonLine(paths.metrics, { ...rw, flops });
      }
      const batch = sampler.batch(step);
      for (const m of batch.marks) appendJsonLine(paths.metrics, { kind: "event", step, tokens: step * tps, flops, ...m });
      const lr = lrAt(schedule, step) * dyn.lrFactor(step);
      const frozen = dyn.frozenAt(step);
      const d = dyn.distillingAt(step);
      if (d && !teacher) throw new Error(`internal error: a distillation runs at step ${step} but its teacher was not restored`);
      const distil = d && teacher ? { teacher, temperature: d.temperature, weight: d.weight } : undefined;
      const loss = trainStep(tf, model, optimizer, batch, { rows: B, context: T, lr, clip: cell.train.clip, masks: maskTensors, frozen, ...(distil ? { distil } : {}) });
      // During a distillation the train records also carry its KL and the objective trained on.
      const distilFields = loss.distil ? { distil_kl: loss.distil.kl, distil_objective: loss.distil.objective } : {};
      flops += dyn.recordStep(step, loss.value);
      step++;
      windowSteps++;
      lastLoss = loss.value;
      if (initialLoss === null) initialLoss = loss.value;
      if (!Number.isFinite(loss.value) || loss.value > DIVERGENCE_FACTOR * Math.max(uniformLoss, initialLoss)) {
        appendJsonLine(paths.metrics, { kind: "train", step, tokens: step * tps, flops, loss: Number.isFinite(loss.value) ? loss.value : null, lr, grad_norm: finite(loss.gradNorm), stage: batch.stage, difficulty: batch.meanDifficulty, used: batch.used, ...distilFields });
        const message = `loss ${Number.isFinite(loss.value) ? loss.value.toFixed(3) : String(loss.value)} at step ${step}: diverged`;
        appendJsonLine(paths.metrics, { kind: "end", state: "diverged", step, message, ledger: dyn.state.ledger });
        status("diverged", step, message);
        return { state: "diverged", finalLoss: null, message };
      }
      const now = performance.now();
      const tokensPerSecond = (windowSteps * tps * 1000) / Math.max(1, now - windowStart);
      if (step % logEvery === 0 || step === steps) {
        appendJsonLine(paths.metrics, { kind: "train", step, tokens: step * tps, flops, loss: loss.value, lr, grad_norm: finite(loss.gradNorm), stage: batch.stage, difficulty: batch.meanDifficulty, used: batch.used, ...distilFields });
      }
      opts.onProgress?.({ cell: cell.id, step, steps: Math.max(step, expected), tokens: step * tps, loss: loss.value, tokensPerSecond });
      if (now - windowStart > 5000) {
        windowStart = now;
        windowSteps = 0;
      }
      if (evalPoints.has(step) || done(step)) {
        const ev = evaluate(tf, model, evalSets, B, T);
        const tasks = data.tasks?.length && data.tokenizer ? evaluateTasks(model, data.tokenizer, data.tasks, { batch: Math.max(B, 32), prefix: [data.separator] }) : undefined;
        const benchmarks = data.benchmarks?.length ? evaluateBenchmarks(model, data.benchmarks, Math.max(B, 32)) : undefined;
        appendJsonLine(paths.metrics, { kind: "eval", step, tokens: step * tps, flops, stage: sampler.stageAt(step - 1), layers: model.layers, ...ev, ...(tasks ? { tasks } : {}), ...(benchmarks ? { benchmarks } : {}), used: batch.used });
        checkpoint(step);
        status("running", step);
      }
      // Stopped between two steps: the last checkpoint stands (a checkpoint here would follow no
      // eval, which resuming requires), and the steps since it are trained again on resume.
      const signal = done(step) ? null : (opts.shouldStop?.() ?? null);
      if (signal) {
        const last = listCheckpoints(paths.checkpoints).at(-1) ?? 0;
        const message = `stopped by ${signal} at step ${step}; resumes from ${last ? `the checkpoint at step ${last}` : "the start"}`;
        status("interrupted", step, message);
        return { state: "interrupted", finalLoss: null, message };
      }
    }
    // A share of data used that training never reached: the stage (or the pace) ran to the budget.
    for (const m of sampler.unreached(step)) {
      appendJsonLine(paths.metrics, { kind: "event", step, tokens: step * tps, flops, ...m });
      opts.warn?.(`${cell.label}: the ${m.what} was to last until ${Math.round(m.share * 1000) / 10}% of \`${m.source}\` had been used, but training ended with ${Math.round((m.used[m.source] ?? 0) * 1000) / 10}% used${m.what === "pace" ? "; the ceiling never reached its top" : "; it ran to the end of the budget and the stages after it never ran"}`);
    }
    // FLOPs are dense: masked (pruned) weights are still multiplied, so pruning saves nothing here.
    appendJsonLine(paths.metrics, { kind: "end", state: "done", step, flops, flops_basis: "dense", ledger: dyn.state.ledger });
    status("done", step);
    return { state: "done", finalLoss: lastLoss };
  } finally {
    model.dispose();
    teacher?.dispose();
    optimizer.dispose();
    for (const t of maskTensors.values()) t.dispose();
  }
}

/** Accuracy, acc_norm, acc_tok, items and chance per benchmark, with the sha256 of the file scored. */
function evaluateBenchmarks(model: Gpt, benchmarks: readonly LoadedBenchmark[], batch: number) {
  return Object.fromEntries(benchmarks.map((b) => [b.name, { ...scoreChoices(b.questions, choiceLogLikelihoods(model, b.questions, batch)), sha256: b.sha256 }]));
}

/** Masks as tensors shaped like the weights they multiply. */
function toTensors(tf: LoadedBackend["tf"], masks: Masks, model: Gpt): Map<string, TF.Tensor> {
  const out = new Map<string, TF.Tensor>();
  for (const [n, m] of masks) {
    const v = model.vars.get(n);
    if (v) out.set(n, tf.tensor(m, v.shape));
  }
  return out;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Mean token loss on each eval set, in batches of the training batch size. */
export function evaluate(tf: LoadedBackend["tf"], model: Gpt, groups: readonly { kind: "source" | "bucket"; sets: EvalSet[] }[], B: number, T: number) {
  const lossOf = (seqs: readonly Int32Array[]): number => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < seqs.length; i += B) {
      const chunk = seqs.slice(i, i + B);
      const inputs = new Int32Array(chunk.length * T);
      const targets = new Int32Array(chunk.length * T);
      chunk.forEach((s, j) => {
        inputs.set(s.subarray(0, T), j * T);
        targets.set(s.subarray(1, T + 1), j * T);
      });
      sum += tf.tidy(() => tf.sum(model.tokenLosses(tf.tensor2d(inputs, [chunk.length, T], "int32") as TF.Tensor2D, tf.tensor1d(targets, "int32") as TF.Tensor1D)).dataSync()[0]!);
      n += chunk.length * T;
    }
    return n ? sum / n : NaN;
  };
  const bySource: Record<string, number> = {};
  const byBucket: { label: string; lo: number; hi: number; loss: number }[] = [];
  for (const g of groups) {
    for (const s of g.sets) {
      const l = lossOf(s.sequences);
      if (g.kind === "source") bySource[s.label] = l;
      else byBucket.push({ label: s.label, lo: s.lo, hi: s.hi, loss: l });
    }
  }
  const values = Object.values(bySource);
  return { loss: values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN, by_source: bySource, by_bucket: byBucket };
}
