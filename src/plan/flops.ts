/**
 * How many steps a cell under a FLOPs budget trains, shared by the compiler (the plan's step count)
 * and the runtime (the count its status shows). The runtime stops on its FLOPs ledger: before the
 * step whose FLOPs would take the ledger past the budget. A model that grows or loses layers costs
 * less or more per step over time, and a distillation also runs its teacher's forward pass, so the
 * count is not the budget over the final model's cost: it follows the model along the cell's
 * planned events.
 *
 * Exact while the FLOPs stay below 2^53 (integers add exactly); past that the runtime's ledger may
 * stop one step either side.
 */
import type { ModelShape, PlanGrowOp, PlanGrowth, PlanPruneRule } from "./types.js";

/** What a step costs: the model's depth, and the teacher's while a distillation runs. */
export interface ModelState {
  readonly layers: number;
  readonly teacherLayers: number | null;
}

/** Training FLOPs per token (forward + backward = 3 x forward) of `shape` at a depth of `layers`; see compiler/shapes.ts. */
export function trainingFlopsPerToken(shape: Pick<ModelShape, "width" | "mlp" | "vocab" | "context">, layers: number): number {
  const { width: d, mlp: m, vocab: V, context: T } = shape;
  return 3 * (2 * layers * (4 + 2 * m) * d * d + 4 * layers * T * d + 2 * d * V);
}

/** Depth after one growth operator fires (for `distil`, the student's). */
export function depthAfterGrowth(layers: number, op: PlanGrowOp): number {
  if (op.kind === "distil") return op.layers ?? layers * op.factor!;
  if (op.kind === "stack") return layers * op.factor;
  if (op.kind === "insert") return layers + op.layers;
  return layers + Math.floor(layers / op.every);
}

/** Depth after `layers keep P%` (the runtime keeps the most important round(P·L) blocks, at least one). */
export function depthAfterLayerPruning(layers: number, keep: number): number {
  return Math.max(1, Math.round(keep * layers));
}

/** A change of the model at the start of a step. */
export interface DepthChange {
  readonly step: number;
  readonly apply: (m: ModelState) => ModelState;
}

/** Where a training cell stands: its next step, and which of its events have happened. */
export interface TrainingProgress {
  readonly step: number;
  /** Times each growth event has fired. */
  readonly growthFired: readonly number[];
  /** Whether each pruning rule at a point has been applied (magnitude rules: ignored). */
  readonly pruned: readonly boolean[];
  /** The step a distillation under way ends at (its teacher then goes). */
  readonly distilUntil?: number;
}

/**
 * The depth changes a cell plans (or, given `progress`, has still to come), in the order the runtime applies them: at the first step whose
 * start is at or past the event's token (never step 0), growth before pruning within a step. A
 * plateau event is assumed to fire at its `not_before`, `times` times: when it really fires is
 * known only during training.
 */
export function plannedDepthChanges(tokensPerStep: number, growth: PlanGrowth | null, pruning: readonly PlanPruneRule[], progress?: TrainingProgress): DepthChange[] {
  // During training, what has not happened yet: no earlier than the next step.
  const stepOf = (token: number) => Math.max(1, progress?.step ?? 0, Math.ceil(token / tokensPerStep));
  const changes: (DepthChange & { readonly order: number })[] = [];
  if (progress?.distilUntil !== undefined) changes.push({ step: progress.distilUntil, apply: (m) => ({ ...m, teacherLayers: null }), order: -1 });
  (growth?.events ?? []).forEach((ev, i) => {
    const fires = (ev.trigger.kind === "plateau" ? ev.trigger.times : 1) - (progress?.growthFired[i] ?? 0);
    const token = ev.trigger.kind === "at" ? ev.trigger.token : ev.trigger.not_before;
    const op = ev.op;
    for (let k = 0; k < fires; k++) {
      const step = stepOf(token);
      if (op.kind === "distil") {
        // The model becomes the teacher of a fresh student until the span ends (as the runtime counts it).
        changes.push({ step, apply: (m) => ({ layers: depthAfterGrowth(m.layers, op), teacherLayers: m.layers }), order: i });
        changes.push({ step: step + Math.max(1, Math.round(op.span / tokensPerStep)), apply: (m) => ({ ...m, teacherLayers: null }), order: -1 });
      } else changes.push({ step, apply: (m) => ({ ...m, layers: depthAfterGrowth(m.layers, op) }), order: i });
    }
  });
  const offset = growth?.events.length ?? 0;
  pruning.forEach((rule, i) => {
    if (rule.kind === "layers" && !progress?.pruned[i]) changes.push({ step: stepOf(rule.at), apply: (m) => ({ ...m, layers: depthAfterLayerPruning(m.layers, rule.keep) }), order: offset + i });
  });
  return changes.sort((a, b) => a.step - b.step || a.order - b.order);
}

export interface FlopsStepsInput {
  readonly budget: number;
  readonly tokensPerStep: number;
  /** Training FLOPs per token of the model at a depth. */
  readonly flopsPerToken: (layers: number) => number;
  /** The model at `fromStep`. */
  readonly model: ModelState;
  /** Changes still to come (at or after `fromStep`), in order. */
  readonly changes: readonly DepthChange[];
  readonly fromStep?: number;
  /** FLOPs already spent by `fromStep`. */
  readonly spent?: number;
}

/** The step count at which the runtime's ledger stops: no step is taken whose FLOPs would pass the budget. */
export function stepsWithinFlops(p: FlopsStepsInput): number {
  let step = p.fromStep ?? 0;
  let spent = p.spent ?? 0;
  let model = p.model;
  let next = 0;
  for (;;) {
    while (next < p.changes.length && p.changes[next]!.step <= step) model = p.changes[next++]!.apply(model);
    // A teacher runs its forward pass only: a third of its training FLOPs.
    const perToken = p.flopsPerToken(model.layers) + (model.teacherLayers === null ? 0 : p.flopsPerToken(model.teacherLayers) / 3);
    const perStep = perToken * p.tokensPerStep;
    const until = next < p.changes.length ? p.changes[next]!.step : Infinity;
    // Whole steps affordable at this cost, then nudged so that the last one fits and one more would not.
    let n = Math.max(0, Math.floor((p.budget - spent) / perStep));
    while (n > 0 && spent + n * perStep > p.budget) n--;
    while (spent + (n + 1) * perStep <= p.budget) n++;
    if (step + n < until) return step + n;
    spent += (until - step) * perStep;
    step = until;
  }
}

/** The steps the plan gives a cell that stops on its FLOPs: its model along its planned events. */
export function plannedFlopsSteps(model: ModelShape, budget: number, tokensPerStep: number, startLayers: number, growth: PlanGrowth | null, pruning: readonly PlanPruneRule[]): number {
  return stepsWithinFlops({
    budget,
    tokensPerStep,
    flopsPerToken: (l) => trainingFlopsPerToken(model, l),
    model: { layers: startLayers, teacherLayers: null },
    changes: plannedDepthChanges(tokensPerStep, growth, pruning),
  });
}
