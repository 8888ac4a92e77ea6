/** Learning-rate schedules, as pure functions of the step. */
import type { PlanTrain } from "../../plan/types.js";

export interface LrSchedule {
  readonly peak: number;
  readonly kind: PlanTrain["schedule"]["kind"];
  readonly warmupSteps: number;
  readonly totalSteps: number;
  /** Final LR as a fraction of the peak (cosine and linear decay). */
  readonly minLr: number;
}

export function scheduleFor(train: PlanTrain, totalSteps: number, tokensPerStep: number): LrSchedule {
  return {
    peak: train.optimizer.lr,
    kind: train.schedule.kind,
    warmupSteps: Math.round(train.schedule.warmup / tokensPerStep),
    totalSteps,
    minLr: train.schedule.min_lr,
  };
}

/** LR at a step: linear warmup from ~0 to the peak, then constant, linear or cosine decay to minLr x peak. */
export function lrAt(s: LrSchedule, step: number): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  if (s.kind === "constant") return s.peak;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const p = Math.min(1, (step - s.warmupSteps) / span);
  const floor = s.minLr * s.peak;
  if (s.kind === "linear") return floor + (s.peak - floor) * (1 - p);
  return floor + (s.peak - floor) * 0.5 * (1 + Math.cos(Math.PI * p));
}

/** A rewarm after growth: the LR climbs back linearly over `steps` from the event. */
export function rewarmFactor(step: number, eventStep: number, steps: number): number {
  if (steps <= 0 || step < eventStep) return 1;
  return Math.min(1, (step - eventStep + 1) / steps);
}
