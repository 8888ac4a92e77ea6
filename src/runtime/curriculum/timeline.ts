/**
 * Where training is in a curriculum: which phase a step belongs to and how far through it it is.
 * A phase (a stage, or the one span of a pace, pacing or order) ends at a token count from the plan
 * or once a share of a source has been used since it began (`10% of easy`), which only the draws
 * made so far can tell. So the timeline moves forward step by step with the sampler's usage, and
 * says what happened on the way (a stage that ended on data used, a ceiling that reached its top,
 * a share never reached) as marks the trainer writes as event records.
 */
import type { PlanDataUsed } from "../../plan/types.js";
import type { Usage } from "./usage.js";

export interface TimedPhase {
  readonly stage: string | null;
  /** The plan's start in tokens; null when it starts where the phase before it ended on data used. */
  readonly start: number | null;
  readonly end: number | PlanDataUsed;
}

/** Something the trainer records as an `event` record at the step it happened. */
export type SamplerMark =
  | { readonly event: "stage_end"; readonly stage: string; readonly next: string; readonly used: Readonly<Record<string, number>> }
  | { readonly event: "pace_full"; readonly used: Readonly<Record<string, number>> }
  | { readonly event: "not_reached"; readonly what: string; readonly source: string; readonly share: number; readonly used: Readonly<Record<string, number>> };

export type NotReached = Extract<SamplerMark, { event: "not_reached" }>;

export class Timeline {
  private current = 0;
  /** Token at which the current phase began, and its source's used count then (data-used ends). */
  private startToken: number;
  private usedAtStart = 0;
  /** The first step of each phase entered, in order: what `stageAt` reads. */
  private readonly entered: { step: number; phase: number }[] = [{ step: 0, phase: 0 }];
  private full = false;

  /**
   * `staged`: reaching a phase's end moves to the next one (the last runs to the budget). Otherwise
   * there is one phase, and its end is where its pacing is complete; `marksFull` says so in a mark.
   */
  constructor(
    private readonly phases: readonly TimedPhase[],
    private readonly usage: Usage,
    private readonly staged: boolean,
    private readonly marksFull: boolean,
  ) {
    this.startToken = phases[0]!.start ?? 0;
    this.usedAtStart = this.usedOf(phases[0]!.end);
  }

  get phase(): number {
    return this.current;
  }

  /** The step at which the current phase began. */
  get enteredStep(): number {
    return this.entered.at(-1)!.step;
  }

  /** The phase's start as the sampler counts sequences from it: the plan's where it has one. */
  get phaseStart(): number {
    return this.phases[this.current]!.start ?? this.startToken;
  }

  /** Before the draws of `step` (whose first token is `token`): moves past every phase that has ended. */
  advance(step: number, token: number): SamplerMark[] {
    const marks: SamplerMark[] = [];
    while (this.staged && this.current < this.phases.length - 1 && this.ended(token)) {
      const done = this.phases[this.current]!;
      this.current++;
      const next = this.phases[this.current]!;
      if (typeof done.end !== "number") marks.push({ event: "stage_end", stage: done.stage!, next: next.stage!, used: this.usage.shares() });
      this.startToken = token;
      this.usedAtStart = this.usedOf(next.end);
      this.entered.push({ step, phase: this.current });
    }
    if (this.marksFull && !this.full && this.progress(token) >= 1) {
      this.full = true;
      marks.push({ event: "pace_full", used: this.usage.shares() });
    }
    return marks;
  }

  /** Progress in [0, 1] through the current phase at `token`. */
  progress(token: number): number {
    const ph = this.phases[this.current]!;
    const end = ph.end;
    if (typeof end !== "number") {
      const target = end.share * this.usage.counts(end.source).examples;
      return target <= 0 ? 1 : Math.min(1, (this.usage.counts(end.source).used - this.usedAtStart) / target);
    }
    const start = this.phaseStart;
    const span = end - start;
    return span <= 0 ? 1 : Math.min(1, Math.max(0, (token - start) / span));
  }

  /** The phase a step already drawn belonged to. */
  phaseOfStep(step: number): number {
    let p = 0;
    for (const e of this.entered) if (e.step <= step) p = e.phase;
    return p;
  }

  /** At the end of training: data-used ends that were never reached (the phase ran to the budget). */
  unreached(token: number): NotReached[] {
    const ph = this.phases[this.current]!;
    const end = ph.end;
    if (typeof end === "number" || (this.staged && this.current === this.phases.length - 1) || this.progress(token) >= 1) return [];
    const what = this.staged ? `stage ${ph.stage}` : "pace";
    return [{ event: "not_reached", what, source: end.source, share: end.share, used: this.usage.shares() }];
  }

  private ended(token: number): boolean {
    const end = this.phases[this.current]!.end;
    return typeof end === "number" ? token >= end : this.progress(token) >= 1;
  }

  private usedOf(end: number | PlanDataUsed): number {
    return typeof end === "number" ? 0 : this.usage.counts(end.source).used;
  }
}
