/**
 * The curriculum sampler: turns a plan curriculum and the training examples into batches. Every
 * batch is a function of (seed, step) alone, so resuming at step k needs no saved sampler state,
 * and token accounting is exact: each step is `batch x context` target tokens, and the stage of a
 * step is the stage containing its first token in the plan's boundaries.
 *
 * What has been drawn so far matters where the plan measures time in data used (`10% of easy`)
 * or draws without replacement; and every batch reports the share of each source used. So the
 * sampler draws steps in order, and a call for an earlier or later step replays the draws from
 * step 0 (without building the token arrays): the same plan and seed give the same batches
 * whichever steps are asked for, as a resumed cell needs.
 */
import type { PlanCurriculum, PlanFilter, PlanMixPart, PlanReweight } from "../../plan/types.js";
import { EpochDraws } from "./draws.js";
import { passes } from "./filters.js";
import { ceilingFraction, competence } from "./pacing.js";
import { Timeline, type NotReached, type SamplerMark, type TimedPhase } from "./timeline.js";
import { Usage } from "./usage.js";
import { deriveSeed, Rng } from "../rng.js";

export type { SamplerMark } from "./timeline.js";

/** One training example, tokenized, with its difficulty and filterable fields. */
export interface PoolExample {
  readonly tokens: ArrayLike<number>;
  readonly difficulty: number;
  /** grade, length, words and any numeric metadata. */
  readonly fields: Readonly<Record<string, number>>;
}

export interface SamplerOptions {
  readonly context: number;
  readonly batch: number;
  readonly seed: number;
  /** Token placed between packed examples. */
  readonly separator: number;
  /** The cell's budget in tokens (for `ordered` pacing over the whole run). */
  readonly budget: number;
}

export interface Batch {
  /** [batch, context] inputs and next-token targets, row-major. */
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
  /** The stage (staged curricula) this step belongs to, else null. */
  readonly stage: string | null;
  /** Mean difficulty of the examples drawn, and how many sequences each source gave. */
  readonly meanDifficulty: number;
  readonly sourceCounts: Readonly<Record<string, number>>;
  /** Share of each source's examples used once this batch is drawn (see usage.ts). */
  readonly used: Readonly<Record<string, number>>;
  /** What happened before this step's draws: a stage ended on data used, a ceiling reached its top. */
  readonly marks: readonly SamplerMark[];
}

/** Examples after filters, sorted by difficulty (ascending), with their token mass, source names and indexes there. */
interface Pool {
  readonly sorted: readonly PoolExample[];
  readonly sourceOf: readonly string[];
  readonly indexOf: Int32Array;
  readonly tokens: number;
}

/**
 * Picks the index of an example in the pool. `draws` is given when drawing without replacement;
 * picks that walk the data by rank (`ordered`) ignore it.
 */
type Pick = (rng: Rng, pool: Pool, progress: number, draws: EpochDraws | undefined) => number;

/** How a phase of the curriculum draws: which sources with which weights, and how within a source. */
interface Phase extends TimedPhase {
  readonly pools: readonly Pool[];
  readonly weights: readonly number[];
  readonly pick: Pick;
  /** The stage's `reweight by loss(...)`, and the source of each pool (one source per pool there). */
  readonly reweight?: PlanReweight;
  readonly sources: readonly string[];
}

/** Mixture weights set during training (reweighting): from step `step` on, in phase `phase`. */
export interface WeightChange {
  readonly phase: number;
  readonly step: number;
  readonly weights: readonly number[];
}

/** Where step `step` falls, as the trainer needs to know before it is drawn (see `prepare`). */
export interface StepPhase {
  readonly phase: number;
  readonly stage: string | null;
  /** The step at which this phase began. */
  readonly entered: number;
  readonly reweight?: PlanReweight;
  readonly sources: readonly string[];
  /** The weights the step would be drawn with. */
  readonly weights: readonly number[];
}

/** What the draws so far have changed: usage, where the timeline is, and the epochs of each pool. */
interface DrawState {
  /** The step drawn next. */
  next: number;
  readonly usage: Usage;
  readonly timeline: Timeline;
  /** Per phase and pool, when drawing without replacement. */
  readonly draws: readonly (readonly EpochDraws[])[] | null;
  /** The step whose phase `prepare` has moved the timeline to, with the marks it made on the way. */
  prepared: { readonly step: number; readonly marks: SamplerMark[] } | null;
}

const GOLDEN = 0.6180339887498949;
/** `ordered` draws from a window this wide (as a share of the pool) around the current rank. */
const ORDER_WINDOW = 0.02;

export class SamplerError extends Error {}

/** A uniform draw among the first `eligible` examples of the pool (ranked from the hard end when descending). */
function prefix(eligible: (pool: Pool, progress: number) => number, descending = false): Pick {
  return (rng, pool, p, draws) => {
    const k = eligible(pool, p);
    const rank = draws ? draws.pick(rng, k) : rng.int(k);
    return descending ? pool.sorted.length - 1 - rank : rank;
  };
}

const uniform: Pick = prefix((pool) => pool.sorted.length);

function ordered(descending: boolean): Pick {
  return (rng, pool, p) => {
    const n = pool.sorted.length;
    const w = Math.max(1, Math.round(n * ORDER_WINDOW));
    const start = Math.min(n - w, Math.floor(Math.min(1, Math.max(0, p)) * (n - w + 1)));
    const rank = Math.min(n - 1, start + rng.int(w));
    return descending ? n - 1 - rank : rank;
  };
}

export class CurriculumSampler {
  private readonly phases: Phase[];
  private state: DrawState;
  /** Weights set during training, in step order; replayed by every redraw from step 0. */
  private readonly changes: WeightChange[] = [];

  constructor(
    readonly curriculum: PlanCurriculum,
    private readonly examples: ReadonlyMap<string, readonly PoolExample[]>,
    private readonly opts: SamplerOptions,
  ) {
    /** One pool over several sources: sorted by difficulty across all of them. */
    const pool = (names: readonly string[], filters: readonly PlanFilter[]): Pool => {
      const tagged: Array<[PoolExample, string, number]> = [];
      for (const name of names) {
        const all = examples.get(name);
        if (!all) throw new SamplerError(`the curriculum \`${curriculum.name}\` uses source \`${name}\`, which has no examples loaded`);
        all.forEach((e, i) => {
          if (e.tokens.length > 0 && passes(e, filters)) tagged.push([e, name, i]);
        });
      }
      if (tagged.length === 0) {
        const what = filters.length ? ` (${filters.map((f) => `${f.field} ${f.op} ${f.value}`).join(" and ")})` : "";
        throw new SamplerError(`no example of ${names.map((n) => `\`${n}\``).join(", ")} passes the filters of \`${curriculum.name}\`${what}`);
      }
      tagged.sort((a, b) => a[0].difficulty - b[0].difficulty);
      let tokens = 0;
      for (const [e] of tagged) tokens += e.tokens.length;
      return { sorted: tagged.map((t) => t[0]), sourceOf: tagged.map((t) => t[1]), indexOf: Int32Array.from(tagged, (t) => t[2]), tokens };
    };
    // With a mixture, each source is its own pool drawn in its share. Without one, all sources form
    // one pool (so pacing and ordering apply across sources, and each source counts by its size).
    const mixPools = (mixture: readonly PlanMixPart[] | null, filters: readonly PlanFilter[]) => {
      if (!mixture) return { pools: [pool([...examples.keys()].sort(), filters)], weights: [1], sources: [] as string[] };
      return { pools: mixture.map((p) => pool([p.source], filters)), weights: mixture.map((p) => p.weight), sources: mixture.map((p) => p.source) };
    };
    const budget = opts.budget;
    const c = curriculum;
    switch (c.kind) {
      case "staged":
        this.phases = c.stages.map((st) => {
          const { pools, weights, sources } = mixPools(st.mixture, st.filters);
          const pick = st.order === "shuffled" ? uniform : ordered(st.order === "hard_first");
          return { stage: st.name, start: typeof st.start === "number" ? st.start : null, end: st.end, pools, weights, pick, sources, ...(st.reweight ? { reweight: st.reweight } : {}) };
        });
        break;
      case "shuffled": {
        const { pools, weights } = mixPools(c.mixture, c.filters);
        this.phases = [{ stage: null, start: 0, end: budget, pools, weights, pick: uniform, sources: [] }];
        break;
      }
      case "anti":
      case "ordered": {
        const { pools, weights, sources } = mixPools(c.mixture, c.filters);
        const descending = c.kind === "anti" || (c.kind === "ordered" && c.descending);
        this.phases = [{ stage: null, start: 0, end: budget, pools, weights, pick: ordered(descending), sources, ...reweightOf(c) }];
        break;
      }
      case "competence": {
        const { pools, weights, sources } = mixPools(c.mixture, c.filters);
        const pick = prefix((p, progress) => Math.max(1, Math.ceil(competence(c.fn, c.start_competence, progress) * p.sorted.length)), c.descending);
        this.phases = [{ stage: null, start: 0, end: c.full_at, pools, weights, pick, sources, ...reweightOf(c) }];
        break;
      }
      case "paced": {
        const { pools, weights, sources } = mixPools(c.mixture, c.filters);
        const all = pools.flatMap((p) => p.sorted.map((e) => e.difficulty)).sort((a, b) => a - b);
        const level = (l: typeof c.from): number => {
          if (l.kind === "min") return all[0]!;
          if (l.kind === "max") return all[all.length - 1]!;
          if (l.kind === "quantile") return all[Math.min(all.length - 1, Math.floor(l.value * all.length))]!;
          return l.value;
        };
        const lo = level(c.from);
        const hi = level(c.to);
        // Examples at or under the ceiling are eligible; a source with none gives its easiest.
        const pick = prefix((p, progress) => Math.max(1, upperBound(p.sorted, lo + (hi - lo) * ceilingFraction(c.fn, progress))));
        this.phases = [{ stage: null, start: c.start, end: c.end, pools, weights, pick, sources, ...reweightOf(c) }];
        break;
      }
    }
    this.state = this.fresh();
  }

  private fresh(): DrawState {
    const usage = new Usage(this.examples);
    const staged = this.curriculum.kind === "staged";
    const timeline = new Timeline(this.phases, usage, staged, this.curriculum.kind === "paced");
    const draws = this.curriculum.draw === "without_replacement" ? this.phases.map((ph) => ph.pools.map((p) => new EpochDraws(p.sorted.length))) : null;
    return { next: 0, usage, timeline, draws, prepared: null };
  }

  /** Brings the draw state to just before `step`: forward by drawing, back by starting over. */
  private seek(step: number): void {
    if (step < this.state.next) this.state = this.fresh();
    while (this.state.next < step) this.draw(this.state.next, false);
  }

  stageAt(step: number): string | null {
    if (this.curriculum.kind !== "staged") return null;
    this.seek(step + 1);
    return this.phases[this.state.timeline.phaseOfStep(step)]!.stage;
  }

  /**
   * Moves to the phase of `step` before it is drawn, so the trainer can change its weights first
   * (reweighting). The step is then drawn by `batch(step)` with the marks made here.
   */
  prepare(step: number): StepPhase {
    this.seek(step);
    const st = this.state;
    if (st.prepared?.step !== step) st.prepared = { step, marks: st.timeline.advance(step, step * this.opts.batch * this.opts.context) };
    const phase = st.timeline.phase;
    const ph = this.phases[phase]!;
    return { phase, stage: ph.stage, entered: st.timeline.enteredStep, sources: ph.sources, weights: this.weightsAt(phase, step), ...(ph.reweight ? { reweight: ph.reweight } : {}) };
  }

  /**
   * From `step` on (until another change), phase `phase` draws its sources with `weights`. Changes
   * come in step order, at the step being prepared; a resumed cell gives back those it had made.
   */
  setWeights(change: WeightChange): void {
    const last = this.changes.at(-1);
    if (last && change.step < last.step) throw new SamplerError(`weights changed at step ${change.step} after a change at step ${last.step}`);
    if (change.step < this.state.next) this.state = this.fresh(); // replay the draws from there with the new weights
    this.changes.push(change);
  }

  /** The weights phase `phase` draws step `step` with: its declared ones, or the last change before. */
  private weightsAt(phase: number, step: number): readonly number[] {
    let w = this.phases[phase]!.weights;
    for (const c of this.changes) if (c.phase === phase && c.step <= step) w = c.weights;
    return w;
  }

  /** The batch for a step: the same for the same (seed, step) whatever was asked before. */
  batch(step: number): Batch {
    this.seek(step);
    return this.draw(step, true);
  }

  /** Once training has ended after `steps` steps: the shares of data used it was to reach and did not. */
  unreached(steps: number): NotReached[] {
    this.seek(steps);
    return this.state.timeline.unreached(steps * this.opts.batch * this.opts.context);
  }

  /** Examples used, draws made, and examples of a source, after the steps drawn so far. */
  usageOf(source: string): ReturnType<Usage["counts"]> {
    return this.state.usage.counts(source);
  }

  /** Draws step `step` (the next one); builds its token arrays only when `fill`. */
  private draw(step: number, fill: boolean): Batch {
    const { batch: B, context: T } = this.opts;
    const st = this.state;
    const token = step * B * T;
    const marks = st.prepared?.step === step ? st.prepared.marks : st.timeline.advance(step, token);
    st.prepared = null;
    const phase = st.timeline.phase;
    const ph = this.phases[phase]!;
    const phaseStart = st.timeline.phaseStart;
    const progress = st.timeline.progress(token);
    const inputs = new Int32Array(fill ? B * T : 0);
    const targets = new Int32Array(fill ? B * T : 0);
    const counts: Record<string, number> = {};
    let diffSum = 0;
    let diffN = 0;
    const cumulative = cumulativeWeights(this.changes.length ? this.weightsAt(phase, step) : ph.weights);
    const offset = (deriveSeed(this.opts.seed, "mix") % 1_000_000) / 1_000_000;
    const seq = new Int32Array(T + 1);
    for (let b = 0; b < B; b++) {
      // Source choice by a Weyl sequence over the step's sequence index: shares match the weights
      // to within a sequence or two over any stage, and stay a pure function of the index.
      const m = Math.floor((token - phaseStart) / T) + b;
      const u = (offset + m * GOLDEN) % 1;
      let s = 0;
      while (s < cumulative.length - 1 && u >= cumulative[s]!) s++;
      const pool = ph.pools[s]!;
      const draws = st.draws?.[phase]![s];
      const rng = Rng.for(this.opts.seed, step, b);
      let filled = 0;
      while (filled < T + 1) {
        const i = ph.pick(rng, pool, progress, draws);
        const ex = pool.sorted[i]!;
        st.usage.mark(pool.sourceOf[i]!, pool.indexOf[i]!);
        if (filled === 0) counts[pool.sourceOf[i]!] = (counts[pool.sourceOf[i]!] ?? 0) + 1;
        diffSum += ex.difficulty;
        diffN++;
        const len = ex.tokens.length;
        const room = T + 1 - filled;
        // A long example contributes a random window; short ones are packed with a separator.
        const from = filled === 0 && len > room ? rng.int(len - room + 1) : 0;
        const take = Math.min(room, len - from);
        if (fill) for (let i = 0; i < take; i++) seq[filled + i] = ex.tokens[from + i]!;
        filled += take;
        if (filled < T + 1) seq[filled++] = this.opts.separator;
      }
      if (!fill) continue;
      inputs.set(seq.subarray(0, T), b * T);
      targets.set(seq.subarray(1, T + 1), b * T);
    }
    st.next = step + 1;
    const used = fill ? st.usage.shares() : {};
    return { inputs, targets, stage: ph.stage, meanDifficulty: diffN ? diffSum / diffN : 0, sourceCounts: counts, used, marks };
  }
}

/** A single-phase curriculum's `reweight`, as a phase field. */
function reweightOf(c: PlanCurriculum): { reweight?: PlanReweight } {
  return "reweight" in c && c.reweight ? { reweight: c.reweight } : {};
}

function cumulativeWeights(weights: readonly number[]): number[] {
  let total = 0;
  for (const w of weights) total += w;
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}

/** Number of sorted examples with difficulty <= x. */
function upperBound(sorted: readonly PoolExample[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.difficulty <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
