/**
 * Growth and pruning during training, driven by the plan: decides at each step which events are
 * due (growth at a token count or on a loss plateau; magnitude pruning on its schedule; head and
 * layer pruning at their points; a distillation's start and end), applies them to the parameter
 * arrays, and keeps what must survive a checkpoint: which events fired, frozen blocks, the LR
 * rewarm, the plateau window, the masks, a distillation under way, and the compute ledger (FLOPs
 * per span of constant model size, a teacher's forward passes included).
 */
import { plannedDepthChanges, stepsWithinFlops, trainingFlopsPerToken, type TrainingProgress } from "../../plan/flops.js";
import type { Cell, PlanLayerOp, PlanPruneRule } from "../../plan/types.js";
import { grow } from "../model/grow.js";
import { BLOCK_PARAMS, depthOf, initParams, type Params } from "../model/params.js";
import { dropBlocks, headMasks, magnitudeMasks, pruneDue, selected, sparsityAt, sparsityOf, type Masks } from "../model/prune.js";
import { rewarmFactor } from "./schedule.js";

export interface LedgerSpan {
  readonly from_step: number;
  to_step: number;
  readonly layers: number;
  readonly params: number;
  readonly flops_per_token: number;
  flops: number;
  /** Share of zero weights among pruned matrices at the start of the span (masked FLOPs are still spent). */
  readonly sparsity: number;
  /**
   * During a distillation: the teacher's depth and its forward FLOPs per token (it runs forward
   * only, on every training token), which `flops` includes. Absent outside a distillation.
   */
  readonly teacher_layers?: number;
  readonly teacher_flops_per_token?: number;
}

/** A distillation under way: the student trains against the teacher until step `until`. */
export interface DistilState {
  /** The event's index in the plan's growth events. */
  readonly event: number;
  readonly from: number;
  readonly until: number;
  readonly temperature: number;
  readonly weight: number;
  readonly teacher_layers: number;
  readonly teacher_flops_per_token: number;
}

export interface DynamicsState {
  readonly atFired: boolean[];
  readonly plateauFired: number[];
  lastGrowthStep: number;
  frozen: { names: string[]; until: number }[];
  rewarm: { from: number; steps: number } | null;
  /** The last losses, newest last, for plateau detection. */
  losses: number[];
  readonly pointPruned: boolean[];
  ledger: LedgerSpan[];
  /** Set while a distillation runs (absent otherwise, so other cells' checkpoints are unchanged). */
  distil?: DistilState;
}

export type Applied =
  | { readonly event: "grow"; readonly op: PlanLayerOp; readonly trigger: "at" | "plateau"; readonly layers_before: number; readonly layers_after: number }
  | { readonly event: "prune"; readonly rule: PlanPruneRule["kind"]; readonly sparsity?: number; readonly pruned?: unknown; readonly layers_after?: number }
  | {
      readonly event: "distil";
      readonly trigger: "at" | "plateau";
      readonly layers_before: number;
      readonly layers_after: number;
      /** The step at which the teacher is dropped (training may end first). */
      readonly until_step: number;
      readonly temperature: number;
      readonly weight: number;
    }
  | { readonly event: "distil_end"; readonly teacher_layers: number; readonly from_step: number };

/** Forward-pass FLOPs per token of the model as it is now, from its actual weight matrices. */
export function forwardFlopsPerToken(params: Params): number {
  const L = depthOf(params);
  const [V, d] = params.get("embed.tokens")!.shape as [number, number];
  const ctx = params.get("embed.positions")!.shape[0]!;
  let matmul = 0;
  for (let l = 0; l < L; l++) for (const s of ["attn.qkv.w", "attn.proj.w", "mlp.fc.w", "mlp.proj.w"] as const) matmul += params.get(`blocks.${l}.${s}`)!.data.length;
  return 2 * matmul + 4 * L * ctx * d + 2 * d * V;
}

/** Training FLOPs per token (forward and backward: 3 × forward). */
export function flopsPerToken(params: Params): number {
  return 3 * forwardFlopsPerToken(params);
}

/** Non-embedding parameters (the plan's convention). */
function nonEmbeddingParams(params: Params): number {
  let n = 0;
  for (const [name, a] of params) if (!name.startsWith("embed.")) n += a.data.length;
  return n;
}

export class Dynamics {
  readonly tps: number;

  constructor(
    readonly cell: Cell,
    readonly state: DynamicsState,
  ) {
    this.tps = cell.budget.tokens_per_step;
  }

  static initial(cell: Cell, params: Params): DynamicsState {
    return {
      atFired: (cell.growth?.events ?? []).map(() => false),
      plateauFired: (cell.growth?.events ?? []).map(() => 0),
      lastGrowthStep: 0,
      frozen: [],
      rewarm: null,
      losses: [],
      pointPruned: cell.pruning.map(() => false),
      ledger: [{ from_step: 0, to_step: 0, layers: depthOf(params), params: nonEmbeddingParams(params), flops_per_token: flopsPerToken(params), flops: 0, sparsity: 0 }],
    };
  }

  private maxWindow(): number {
    let w = 0;
    for (const e of this.cell.growth?.events ?? []) if (e.trigger.kind === "plateau") w = Math.max(w, Math.round(e.trigger.window / this.tps));
    return w;
  }

  /** Records a step's training loss (for plateau detection) and its FLOPs in the ledger. */
  recordStep(step: number, loss: number): number {
    const span = this.state.ledger[this.state.ledger.length - 1]!;
    const f = spanStepFlops(span, this.tps);
    span.flops += f;
    span.to_step = step + 1;
    const keep = 2 * this.maxWindow();
    if (keep > 0) {
      this.state.losses.push(loss);
      if (this.state.losses.length > keep) this.state.losses.splice(0, this.state.losses.length - keep);
    }
    return f;
  }

  get totalFlops(): number {
    return this.state.ledger.reduce((s, x) => s + x.flops, 0);
  }

  /**
   * The steps this cell is expected to train in all, as of `step`: the plan's count, or under a
   * FLOPs budget what the ledger affords along the events still to come (plateau events assumed
   * to fire as soon as they may), so that the status agrees with what the cell really trains.
   */
  expectedSteps(step: number): number {
    const c = this.cell;
    if (c.budget.stop_on !== "flops") return c.budget.steps;
    const g = c.growth;
    const progress: TrainingProgress = {
      step,
      growthFired: (g?.events ?? []).map((ev, i) => (ev.trigger.kind === "at" ? (this.state.atFired[i] ? 1 : 0) : this.state.plateauFired[i]!)),
      pruned: this.state.pointPruned,
      ...(this.state.distil ? { distilUntil: this.state.distil.until } : {}),
    };
    const span = this.state.ledger[this.state.ledger.length - 1]!;
    return stepsWithinFlops({
      budget: c.budget.flops,
      tokensPerStep: this.tps,
      flopsPerToken: (l) => trainingFlopsPerToken(c.model, l),
      model: { layers: span.layers, teacherLayers: this.state.distil?.teacher_layers ?? null },
      changes: plannedDepthChanges(this.tps, g, c.pruning, progress),
      fromStep: step,
      spent: this.totalFlops,
    });
  }

  get flopsPerStep(): number {
    return spanStepFlops(this.state.ledger[this.state.ledger.length - 1]!, this.tps);
  }

  /** The distillation that runs at `step`, if any: the trainer then runs the teacher too. */
  distillingAt(step: number): DistilState | undefined {
    const d = this.state.distil;
    return d && step < d.until ? d : undefined;
  }

  lrFactor(step: number): number {
    const r = this.state.rewarm;
    return r ? rewarmFactor(step, r.from, r.steps) : 1;
  }

  frozenAt(step: number): Set<string> {
    const out = new Set<string>();
    for (const f of this.state.frozen) if (step < f.until) for (const n of f.names) out.add(n);
    return out;
  }

  private plateau(step: number, windowSteps: number, minDrop: number): boolean {
    const l = this.state.losses;
    if (windowSteps <= 0 || l.length < 2 * windowSteps || step - this.state.lastGrowthStep < 2 * windowSteps) return false;
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    const prev = mean(l.slice(l.length - 2 * windowSteps, l.length - windowSteps));
    const cur = mean(l.slice(l.length - windowSteps));
    return (prev - cur) / prev < minDrop;
  }

  /** Whether any event is due at the start of `step` (cheap: no weights needed). */
  due(step: number): boolean {
    const token = step * this.tps;
    const g = this.cell.growth;
    const d = this.state.distil;
    if (d && step >= d.until) return true;
    // No growth while a distillation runs: a plateau event that comes due waits for the span's end.
    const growthDue = !d && (g?.events ?? []).some((ev, i) =>
      ev.trigger.kind === "at"
        ? !this.state.atFired[i] && token >= ev.trigger.token && step > 0
        : this.state.plateauFired[i]! < ev.trigger.times && token >= ev.trigger.not_before && this.plateau(step, Math.round(ev.trigger.window / this.tps), ev.trigger.min_drop),
    );
    return (
      growthDue ||
      this.cell.pruning.some((rule, i) => (rule.kind === "magnitude" ? pruneDue(rule, token) : !this.state.pointPruned[i] && token >= rule.at && step > 0))
    );
  }

  /**
   * Applies every event due at the start of `step` to the parameters and masks. Returns the new
   * parameters (or the same object when nothing structural changed), the origin of each block for
   * optimizer state (null entries are new blocks), and what happened, for the metrics.
   */
  apply(step: number, params: Params, masks: Masks): ApplyResult {
    const token = step * this.tps;
    const applied: Applied[] = [];
    let origin: (number | null)[] | null = null;
    let teacher: Params | undefined;
    let dropTeacher = false;
    const compose = (next: readonly (number | null)[]) => {
      // Chain block origins when several structural events happen at one step.
      origin = origin ? next.map((o) => (o === null ? null : origin![o] ?? null)) : [...next];
    };
    const g = this.cell.growth;
    const ending = this.state.distil;
    if (ending && step >= ending.until) {
      // The span is over: the teacher goes, and the student trains alone from here.
      this.state.distil = undefined;
      dropTeacher = true;
      this.state.lastGrowthStep = step;
      this.state.losses = [];
      applied.push({ event: "distil_end", teacher_layers: ending.teacher_layers, from_step: ending.from });
    }
    (g?.events ?? []).forEach((ev, i) => {
      if (this.state.distil) return;
      let due = false;
      if (ev.trigger.kind === "at") due = !this.state.atFired[i] && token >= ev.trigger.token && step > 0;
      else
        due =
          this.state.plateauFired[i]! < ev.trigger.times &&
          token >= ev.trigger.not_before &&
          this.plateau(step, Math.round(ev.trigger.window / this.tps), ev.trigger.min_drop);
      if (!due) return;
      if (ev.trigger.kind === "at") this.state.atFired[i] = true;
      else this.state.plateauFired[i]!++;
      const before = depthOf(params);
      if (ev.op.kind === "distil") {
        // The model as it is becomes the teacher; a fresh student of the new depth replaces it.
        const op = ev.op;
        const depth = op.layers ?? before * op.factor!;
        teacher = params;
        params = initParams(this.cell.model, depth, this.cell.seed, "distil", i * 100 + (this.state.plateauFired[i] ?? 0));
        masks = new Map();
        compose(new Array<null>(depth).fill(null));
        this.state.frozen = [];
        if (g!.rewarm > 0) this.state.rewarm = { from: step, steps: Math.round(g!.rewarm / this.tps) };
        const until = step + Math.max(1, Math.round(op.span / this.tps));
        this.state.distil = { event: i, from: step, until, temperature: op.temperature, weight: op.weight, teacher_layers: before, teacher_flops_per_token: forwardFlopsPerToken(teacher) };
        this.state.lastGrowthStep = step;
        this.state.losses = [];
        applied.push({ event: "distil", trigger: ev.trigger.kind, layers_before: before, layers_after: depth, until_step: until, temperature: op.temperature, weight: op.weight });
        return;
      }
      const r = grow(params, ev.op, this.cell.seed, i * 100 + (this.state.plateauFired[i] ?? 0));
      params = r.params;
      masks = remapMasks(masks, r.origin);
      compose(r.origin);
      const fresh = r.origin.flatMap((o, b) => (o === null ? BLOCK_PARAMS.map((s) => `blocks.${b}.${s}`) : []));
      // Frozen names refer to block indices, which shift when blocks are inserted below them.
      this.state.frozen = this.state.frozen.map((f) => ({ ...f, names: renameFrozen(f.names, r.origin) }));
      if (g!.freeze > 0 && fresh.length) this.state.frozen.push({ names: fresh, until: step + Math.round(g!.freeze / this.tps) });
      if (g!.rewarm > 0) this.state.rewarm = { from: step, steps: Math.round(g!.rewarm / this.tps) };
      this.state.lastGrowthStep = step;
      this.state.losses = [];
      applied.push({ event: "grow", op: ev.op, trigger: ev.trigger.kind, layers_before: before, layers_after: depthOf(params) });
    });
    this.cell.pruning.forEach((rule, i) => {
      if (rule.kind === "magnitude") {
        if (!pruneDue(rule, token)) return;
        const names = selected(params, rule.pattern);
        const s = sparsityAt(rule, token);
        const next = magnitudeMasks(params, names, s, rule.scope, masks);
        for (const [n, m] of next) masks.set(n, m);
        applied.push({ event: "prune", rule: "magnitude", sparsity: s });
      } else if (!this.state.pointPruned[i] && token >= rule.at && step > 0) {
        this.state.pointPruned[i] = true;
        if (rule.kind === "heads") {
          const r = headMasks(params, this.cell.model.heads, rule.keep, masks);
          masks = r.masks;
          applied.push({ event: "prune", rule: "heads", pruned: r.pruned });
        } else {
          const r = dropBlocks(params, rule.keep);
          params = r.params;
          masks = remapMasks(masks, r.origin);
          compose(r.origin);
          this.state.frozen = this.state.frozen.map((f) => ({ ...f, names: renameFrozen(f.names, r.origin) }));
          applied.push({ event: "prune", rule: "layers", pruned: r.dropped, layers_after: depthOf(params) });
        }
      }
    });
    if (applied.length) {
      // Masks act on the weights now, not only after the next update.
      params = applyMasks(params, masks);
      const prunedNames = [...masks.keys()];
      const d = this.state.distil;
      this.state.ledger.push({
        from_step: step,
        to_step: step,
        layers: depthOf(params),
        params: nonEmbeddingParams(params),
        flops_per_token: flopsPerToken(params),
        flops: 0,
        sparsity: prunedNames.length ? sparsityOf(params, prunedNames) : 0,
        ...(d ? { teacher_layers: d.teacher_layers, teacher_flops_per_token: d.teacher_flops_per_token } : {}),
      });
    }
    return { params, masks, origin, applied, ...(teacher ? { teacher } : {}), dropTeacher };
  }
}

export interface ApplyResult {
  readonly params: Params;
  readonly masks: Masks;
  /** Each block's origin for optimizer state (null entries are new blocks); null when the shape kept. */
  readonly origin: (number | null)[] | null;
  readonly applied: Applied[];
  /** A distillation started: the teacher's weights (the model as it was), and the model is all new. */
  readonly teacher?: Params;
  /** A distillation's span ended: the trainer drops its teacher. */
  readonly dropTeacher: boolean;
}

/** FLOPs of one training step in a ledger span: the model's forward and backward, and a teacher's forward. */
function spanStepFlops(span: LedgerSpan, tps: number): number {
  return (span.flops_per_token + (span.teacher_flops_per_token ?? 0)) * tps;
}

function renameFrozen(names: readonly string[], origin: readonly (number | null)[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const m = /^blocks\.(\d+)\.(.+)$/.exec(n);
    if (!m) continue;
    const j = origin.indexOf(Number(m[1]));
    if (j >= 0) out.push(`blocks.${j}.${m[2]}`);
  }
  return out;
}

/** Moves block masks to their blocks' new indices; new blocks start unmasked. */
export function remapMasks(masks: Masks, origin: readonly (number | null)[]): Masks {
  const out: Masks = new Map();
  for (const [n, m] of masks) if (!n.startsWith("blocks.")) out.set(n, m);
  origin.forEach((o, i) => {
    if (o === null) return;
    for (const s of BLOCK_PARAMS) {
      const m = masks.get(`blocks.${o}.${s}`);
      if (m) out.set(`blocks.${i}.${s}`, m);
    }
  });
  return out;
}

export function applyMasks(params: Params, masks: Masks): Params {
  const out: Params = new Map(params);
  for (const [n, m] of masks) {
    const a = params.get(n);
    if (!a) continue;
    const d = Float32Array.from(a.data);
    for (let i = 0; i < d.length; i++) d[i]! *= m[i]!;
    out.set(n, { name: n, shape: a.shape, data: d });
  }
  return out;
}

/** Renames optimizer moments ("opt.m.blocks.3.x") to follow their blocks; moments of new blocks start at zero. */
export function remapMoments<T>(moments: Map<string, T>, origin: readonly (number | null)[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const [k, v] of moments) if (!/^opt\.[mv]\.blocks\./.test(k)) out.set(k, v);
  origin.forEach((o, i) => {
    if (o === null) return;
    for (const [k, v] of moments) {
      const m = /^opt\.([mv])\.blocks\.(\d+)\.(.+)$/.exec(k);
      if (m && Number(m[2]) === o) out.set(`opt.${m[1]}.blocks.${i}.${m[3]}`, v);
    }
  });
  return out;
}
