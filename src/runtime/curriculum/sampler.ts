/**
 * The curriculum sampler: turns a plan curriculum and the training examples into batches. Every
 * batch is a pure function of (seed, step), so resuming at step k needs no saved sampler state,
 * and token accounting is exact: each step is `batch x context` target tokens, and the stage of a
 * step is the stage containing its first token in the plan's boundaries.
 */
import type { PlanCurriculum, PlanFilter, PlanMixPart, PlanStage } from "../../plan/types.js";
import { passes } from "./filters.js";
import { ceilingFraction, competence } from "./pacing.js";
import { deriveSeed, Rng } from "../rng.js";

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
}

/** Examples after filters, sorted by difficulty (ascending), with their token mass and source names. */
interface Pool {
  readonly sorted: readonly PoolExample[];
  readonly sourceOf: readonly string[];
  readonly tokens: number;
}

/** Picks the index of an example in the pool. */
type Pick = (rng: Rng, pool: Pool, progress: number) => number;

/** How a phase of the curriculum draws: which sources with which weights, and how within a source. */
interface Phase {
  readonly stage: string | null;
  readonly start: number;
  readonly end: number;
  readonly pools: readonly Pool[];
  readonly weights: readonly number[];
  readonly pick: Pick;
}

const GOLDEN = 0.6180339887498949;
/** `ordered` draws from a window this wide (as a share of the pool) around the current rank. */
const ORDER_WINDOW = 0.02;

export class SamplerError extends Error {}

const uniform: Pick = (rng, pool) => rng.int(pool.sorted.length);

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
  private readonly stages: readonly PlanStage[];

  constructor(
    readonly curriculum: PlanCurriculum,
    examples: ReadonlyMap<string, readonly PoolExample[]>,
    private readonly opts: SamplerOptions,
  ) {
    /** One pool over several sources: sorted by difficulty across all of them. */
    const pool = (names: readonly string[], filters: readonly PlanFilter[]): Pool => {
      const tagged: Array<[PoolExample, string]> = [];
      for (const name of names) {
        const all = examples.get(name);
        if (!all) throw new SamplerError(`the curriculum \`${curriculum.name}\` uses source \`${name}\`, which has no examples loaded`);
        for (const e of all) if (e.tokens.length > 0 && passes(e, filters)) tagged.push([e, name]);
      }
      if (tagged.length === 0) {
        const what = filters.length ? ` (${filters.map((f) => `${f.field} ${f.op} ${f.value}`).join(" and ")})` : "";
        throw new SamplerError(`no example of ${names.map((n) => `\`${n}\``).join(", ")} passes the filters of \`${curriculum.name}\`${what}`);
      }
      tagged.sort((a, b) => a[0].difficulty - b[0].difficulty);
      let tokens = 0;
      for (const [e] of tagged) tokens += e.tokens.length;
      return { sorted: tagged.map((t) => t[0]), sourceOf: tagged.map((t) => t[1]), tokens };
    };
    // With a mixture, each source is its own pool drawn in its share. Without one, all sources form
    // one pool (so pacing and ordering apply across sources, and each source counts by its size).
    const mixPools = (mixture: readonly PlanMixPart[] | null, filters: readonly PlanFilter[]) => {
      if (!mixture) return { pools: [pool([...examples.keys()].sort(), filters)], weights: [1] };
      return { pools: mixture.map((p) => pool([p.source], filters)), weights: mixture.map((p) => p.weight) };
    };
    const budget = opts.budget;
    const c = curriculum;
    this.stages = c.kind === "staged" ? c.stages : [];
    switch (c.kind) {
      case "staged":
        this.phases = c.stages.map((st) => {
          const { pools, weights } = mixPools(st.mixture, st.filters);
          const pick = st.order === "shuffled" ? uniform : ordered(st.order === "hard_first");
          return { stage: st.name, start: st.start, end: st.end, pools, weights, pick };
        });
        break;
      case "shuffled": {
        const { pools, weights } = mixPools(c.mixture, c.filters);
        this.phases = [{ stage: null, start: 0, end: budget, pools, weights, pick: uniform }];
        break;
      }
      case "anti":
      case "ordered": {
        const { pools, weights } = mixPools(c.mixture, c.filters);
        const descending = c.kind === "anti" || (c.kind === "ordered" && c.descending);
        this.phases = [{ stage: null, start: 0, end: budget, pools, weights, pick: ordered(descending) }];
        break;
      }
      case "competence": {
        const { pools, weights } = mixPools(c.mixture, c.filters);
        const pick: Pick = (rng, p, progress) => {
          const n = p.sorted.length;
          const k = Math.max(1, Math.ceil(competence(c.fn, c.start_competence, progress) * n));
          const rank = rng.int(k);
          return c.descending ? n - 1 - rank : rank;
        };
        this.phases = [{ stage: null, start: 0, end: c.full_at, pools, weights, pick }];
        break;
      }
      case "paced": {
        const { pools, weights } = mixPools(c.mixture, c.filters);
        const all = pools.flatMap((p) => p.sorted.map((e) => e.difficulty)).sort((a, b) => a - b);
        const level = (l: typeof c.from): number => {
          if (l.kind === "min") return all[0]!;
          if (l.kind === "max") return all[all.length - 1]!;
          if (l.kind === "quantile") return all[Math.min(all.length - 1, Math.floor(l.value * all.length))]!;
          return l.value;
        };
        const lo = level(c.from);
        const hi = level(c.to);
        const pick: Pick = (rng, p, progress) => {
          const ceiling = lo + (hi - lo) * ceilingFraction(c.fn, progress);
          // Examples at or under the ceiling are eligible; a source with none gives its easiest.
          let k = upperBound(p.sorted, ceiling);
          if (k === 0) k = 1;
          return rng.int(k);
        };
        this.phases = [{ stage: null, start: c.start, end: c.end, pools, weights, pick }];
        break;
      }
    }
  }

  private phaseAt(token: number): Phase {
    if (this.curriculum.kind === "staged") {
      for (const ph of this.phases) if (token < ph.end) return ph;
      return this.phases[this.phases.length - 1]!;
    }
    return this.phases[0]!;
  }

  /** Progress in [0, 1] through the phase (a stage, the pacing span, or the whole run). */
  private progress(ph: Phase, token: number): number {
    const span = ph.end - ph.start;
    return span <= 0 ? 1 : Math.min(1, Math.max(0, (token - ph.start) / span));
  }

  stageAt(step: number): string | null {
    const token = step * this.opts.batch * this.opts.context;
    return this.curriculum.kind === "staged" ? this.phaseAt(token).stage : null;
  }

  /** The batch for a step: a pure function of (seed, step). */
  batch(step: number): Batch {
    const { batch: B, context: T } = this.opts;
    const token = step * B * T;
    const ph = this.phaseAt(token);
    const progress = this.progress(ph, token);
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const counts: Record<string, number> = {};
    let diffSum = 0;
    let diffN = 0;
    const cumulative = cumulativeWeights(ph.weights);
    const offset = (deriveSeed(this.opts.seed, "mix") % 1_000_000) / 1_000_000;
    const seq = new Int32Array(T + 1);
    for (let b = 0; b < B; b++) {
      // Source choice by a Weyl sequence over the step's sequence index: shares match the weights
      // to within a sequence or two over any stage, and stay a pure function of the index.
      const m = Math.floor((token - ph.start) / T) + b;
      const u = (offset + m * GOLDEN) % 1;
      let s = 0;
      while (s < cumulative.length - 1 && u >= cumulative[s]!) s++;
      const pool = ph.pools[s]!;
      const rng = Rng.for(this.opts.seed, step, b);
      let filled = 0;
      while (filled < T + 1) {
        const i = ph.pick(rng, pool, progress);
        const ex = pool.sorted[i]!;
        if (filled === 0) counts[pool.sourceOf[i]!] = (counts[pool.sourceOf[i]!] ?? 0) + 1;
        diffSum += ex.difficulty;
        diffN++;
        const len = ex.tokens.length;
        const room = T + 1 - filled;
        // A long example contributes a random window; short ones are packed with a separator.
        const from = filled === 0 && len > room ? rng.int(len - room + 1) : 0;
        const take = Math.min(room, len - from);
        for (let i = 0; i < take; i++) seq[filled + i] = ex.tokens[from + i]!;
        filled += take;
        if (filled < T + 1) seq[filled++] = this.opts.separator;
      }
      inputs.set(seq.subarray(0, T), b * T);
      targets.set(seq.subarray(1, T + 1), b * T);
    }
    return { inputs, targets, stage: ph.stage, meanDifficulty: diffN ? diffSum / diffN : 0, sourceCounts: counts };
  }
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
