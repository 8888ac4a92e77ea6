/**
 * `reweight by loss(...)`: the rule that moves a stage's mixture weights from the loss of each of
 * its sources, in the exponentiated-gradient form of online domain reweighting (DoReMi, Xie et al.
 * 2023; online data mixing, Albalak et al. 2023). Pure: the trainer measures the losses and keeps
 * the state in its checkpoints, so a resumed cell moves its weights exactly as an uninterrupted one.
 *
 * At each update of a stage, with the losses L_i of its k sources measured on fixed sequences:
 *
 *   excess_i = L_i / L_i(first)  (against: initial, the loss left of what it was when the stage began)
 *            = L_i               (against: none, the loss itself, in nats)
 *   alpha_i <- alpha_i + rate * (excess_i - mean excess)   (alpha starts at the log of the declared weights;
 *                                                       the common shift changes nothing, centring keeps alpha small)
 *   a = softmax(alpha);  w_i = (1 - k * floor) * a_i + floor
 *
 * So the source whose loss has fallen least (or is highest) gains weight, every source keeps at
 * least `floor`, and equal excesses leave the weights where they are. At the stage's first step,
 * `against: initial` only records the reference losses (every excess is 1).
 */
import type { PlanReweight } from "../../plan/types.js";

/** One stage's reweighting state: what a checkpoint saves. */
export interface ReweightState {
  readonly phase: number;
  readonly alpha: readonly number[];
  /** Losses at the stage's first update (the reference of `against: initial`). */
  readonly reference: readonly number[] | null;
}

export interface ReweightUpdate {
  readonly state: ReweightState;
  readonly excess: readonly number[];
  readonly weights: readonly number[];
}

/** The state when a stage with these declared weights begins. */
export function initialReweight(phase: number, declared: readonly number[]): ReweightState {
  const total = declared.reduce((a, b) => a + b, 0);
  return { phase, alpha: declared.map((w) => Math.log(Math.max(w / total, 1e-12))), reference: null };
}

/** One update from the losses measured now, in the order of the stage's mix. */
export function reweightUpdate(spec: PlanReweight, state: ReweightState, losses: readonly number[]): ReweightUpdate {
  if (losses.length !== state.alpha.length) throw new Error(`internal error: ${losses.length} losses for ${state.alpha.length} sources`);
  // A source whose loss is not a finite number (a diverging model) gets no push either way.
  const reference = state.reference ?? losses;
  const excess = losses.map((l, i) => {
    if (!Number.isFinite(l)) return NaN;
    return spec.against === "initial" ? l / reference[i]! : l;
  });
  const finite = excess.filter(Number.isFinite);
  const mean = finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : 0;
  // Shifting every alpha by the same amount changes nothing; centring keeps them near zero.
  const alpha = state.alpha.map((a, i) => a + spec.rate * ((Number.isFinite(excess[i]!) ? excess[i]! : mean) - mean));
  return { state: { phase: state.phase, alpha, reference }, excess, weights: weightsOf(spec, alpha) };
}

/** Sampling weights from the state: softmax mixed with the floor. */
export function weightsOf(spec: PlanReweight, alpha: readonly number[]): number[] {
  const max = Math.max(...alpha);
  const e = alpha.map((a) => Math.exp(a - max));
  const z = e.reduce((a, b) => a + b, 0);
  const k = alpha.length;
  return e.map((x) => (1 - k * spec.floor) * (x / z) + spec.floor);
}
