/**
 * Reweighting during a cell's training: at each update point of a stage with `reweight by
 * loss(...)`, measures the loss of each of its sources on fixed sequences, moves the weights by
 * the rule of curriculum/reweight.ts and hands them to the sampler from that step on. Its state
 * (the rule's state per stage, and every weight change so far, which the sampler replays) goes
 * into the cell's checkpoints, so a resumed cell draws exactly what an uninterrupted one draws.
 */
import type { Cell } from "../../plan/types.js";
import { initialReweight, reweightUpdate, type ReweightState } from "../curriculum/reweight.js";
import type { CurriculumSampler, PoolExample, WeightChange } from "../curriculum/sampler.js";
import { packSequences, type EvalSet } from "../eval/evalsets.js";

/** What a checkpoint keeps. */
export interface ReweightingState {
  readonly stages: readonly ReweightState[];
  readonly changes: readonly WeightChange[];
}

/** The `reweight` record written to metrics.jsonl at each update. */
export interface ReweightRecord {
  readonly kind: "reweight";
  readonly step: number;
  readonly tokens: number;
  readonly stage: string | null;
  readonly on: "heldout" | "train";
  readonly against: "initial" | "none";
  readonly loss: Readonly<Record<string, number>>;
  readonly excess: Readonly<Record<string, number | null>>;
  readonly weights: Readonly<Record<string, number>>;
  /** Forward FLOPs of the measurement (also added to the cell's FLOPs). */
  readonly measure_flops: number;
}

export interface ReweightingData {
  readonly train: ReadonlyMap<string, readonly PoolExample[]>;
  readonly heldout: ReadonlyMap<string, readonly PoolExample[]>;
  readonly separator: number;
}

/** Mean token loss of each set, by its label (the trainer's evaluation, passed in). */
export type MeasureLosses = (sets: readonly EvalSet[]) => Record<string, number>;

export function cellReweights(cell: Cell): boolean {
  const c = cell.curriculum;
  return c.kind === "staged" ? c.stages.some((s) => s.reweight) : "reweight" in c && c.reweight !== undefined;
}

export class Reweighting {
  private stages: ReweightState[];
  private readonly changes: WeightChange[];
  /** Measurement sequences per split and source, built when first needed. */
  private readonly sets = new Map<string, EvalSet>();

  constructor(
    private readonly cell: Cell,
    private readonly sampler: CurriculumSampler,
    private readonly data: ReweightingData,
    saved: ReweightingState | undefined,
  ) {
    this.stages = [...(saved?.stages ?? [])];
    this.changes = [...(saved?.changes ?? [])];
    for (const c of this.changes) sampler.setWeights(c);
  }

  get state(): ReweightingState {
    return { stages: this.stages, changes: this.changes };
  }

  /**
   * Before step `step` is drawn: updates the weights when the step is an update point of a
   * reweighted stage, and returns the record to write; null otherwise.
   */
  before(step: number, forwardFlopsPerToken: number, measure: MeasureLosses): ReweightRecord | null {
    const at = this.sampler.prepare(step);
    const spec = at.reweight;
    if (!spec) return null;
    const tps = this.cell.budget.tokens_per_step;
    const every = Math.max(1, Math.round(spec.every / tps));
    if ((step - at.entered) % every !== 0) return null;
    const sets = at.sources.map((s) => this.setFor(spec.on, s, spec.samples));
    const measured = measure(sets);
    const losses = at.sources.map((s) => measured[s] ?? NaN);
    const current = this.stages.find((s) => s.phase === at.phase) ?? initialReweight(at.phase, this.declared(at.phase));
    const update = reweightUpdate(spec, current, losses);
    this.stages = [...this.stages.filter((s) => s.phase !== at.phase), update.state];
    const change: WeightChange = { phase: at.phase, step, weights: update.weights };
    this.sampler.setWeights(change);
    this.changes.push(change);
    const tokens = sets.reduce((n, s) => n + s.sequences.length * this.cell.model.context, 0);
    const byName = <T>(values: readonly T[]) => Object.fromEntries(at.sources.map((s, i) => [s, values[i]!]));
    return {
      kind: "reweight",
      step,
      tokens: step * tps,
      stage: at.stage,
      on: spec.on,
      against: spec.against,
      loss: byName(losses),
      excess: byName(update.excess.map((e) => (Number.isFinite(e) ? e : null))),
      weights: byName(update.weights),
      measure_flops: tokens * forwardFlopsPerToken,
    };
  }

  /** The declared weights of a phase: its stage's mix, or the curriculum's. */
  private declared(phase: number): readonly number[] {
    const c = this.cell.curriculum;
    const mixture = c.kind === "staged" ? c.stages[phase]!.mixture : c.mixture;
    if (!mixture) throw new Error("internal error: reweighting a curriculum without a mix");
    return mixture.map((p) => p.weight);
  }

  /**
   * Fixed sequences of one source's split, the same at every update and in every cell of the
   * experiment (seeded by the split and the source, not the cell), so losses are comparable.
   */
  private setFor(on: "heldout" | "train", source: string, samples: number): EvalSet {
    const key = `${on}:${source}:${samples}`;
    let set = this.sets.get(key);
    if (!set) {
      const examples = (on === "heldout" ? this.data.heldout : this.data.train).get(source) ?? [];
      set = { label: source, sequences: packSequences(examples, samples, this.cell.model.context + 1, this.data.separator, `reweight:${key}`), lo: 0, hi: 0 };
      this.sets.set(key, set);
    }
    return set;
  }
}
