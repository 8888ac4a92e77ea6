/**
 * Drawing without replacement within an epoch, over a pool sorted by difficulty whose eligible
 * part is a prefix that only grows (a rising ceiling, growing competence, or the whole pool). Each
 * draw takes a uniformly random example among the eligible ones not yet drawn in this epoch, which
 * is a seeded random permutation of them; examples that become eligible join the undrawn ones at
 * once. When every eligible example has been drawn, a new epoch starts over all of them.
 *
 * The state is a function of the draws made, and each draw takes exactly one `rng.int`, as a draw
 * with replacement does: so the sampler replays it exactly from the step count on resume.
 */
import type { Rng } from "../rng.js";

export class EpochDraws {
  /** Undrawn eligible indexes in [0, size); order is irrelevant (a draw picks one at random). */
  private readonly undrawn: Int32Array;
  private size = 0;
  /** Indexes below this have joined the current epoch. */
  private joined = 0;
  epochs = 1;

  constructor(n: number) {
    this.undrawn = new Int32Array(n);
  }

  /** One draw among the first `eligible` examples of the pool (at least 1). */
  pick(rng: Rng, eligible: number): number {
    if (eligible < this.joined) this.shrink(eligible);
    // Newly eligible examples have not been drawn in this epoch: they join it.
    for (let i = this.joined; i < eligible; i++) this.undrawn[this.size++] = i;
    this.joined = Math.max(this.joined, eligible);
    if (this.size === 0) {
      for (let i = 0; i < eligible; i++) this.undrawn[i] = i;
      this.size = eligible;
      this.epochs++;
    }
    const r = rng.int(this.size);
    const picked = this.undrawn[r]!;
    this.undrawn[r] = this.undrawn[--this.size]!;
    return picked;
  }

  /** A smaller eligible prefix than before (not met with monotone pacing): drop the rest from the epoch. */
  private shrink(eligible: number): void {
    let k = 0;
    for (let j = 0; j < this.size; j++) if (this.undrawn[j]! < eligible) this.undrawn[k++] = this.undrawn[j]!;
    this.size = k;
    this.joined = eligible;
  }
}
