/**
 * How much of each source training has used. An example is *used* once it has been drawn into a
 * training sequence at least once (whole, or the window of it that fitted); the share of a source
 * used is the number of its used examples over the number it has: its training examples with at
 * least one token (an empty text can never be drawn). Usage only grows; it is what `10% of easy`
 * measures and what train and eval records report.
 */
import type { PoolExample } from "./sampler.js";

export class Usage {
  private readonly seen = new Map<string, Uint8Array>();
  private readonly used = new Map<string, number>();
  private readonly drawable = new Map<string, number>();
  private readonly draws = new Map<string, number>();
  /** Source names sorted, so records list them in one order. */
  readonly sources: readonly string[];

  constructor(examples: ReadonlyMap<string, readonly PoolExample[]>) {
    this.sources = [...examples.keys()].sort();
    for (const name of this.sources) {
      const list = examples.get(name)!;
      this.seen.set(name, new Uint8Array(list.length));
      this.used.set(name, 0);
      this.draws.set(name, 0);
      this.drawable.set(name, list.reduce((n, e) => n + (e.tokens.length > 0 ? 1 : 0), 0));
    }
  }

  /** Example `index` of `source` was drawn. */
  mark(source: string, index: number): void {
    const seen = this.seen.get(source)!;
    this.draws.set(source, this.draws.get(source)! + 1);
    if (seen[index]) return;
    seen[index] = 1;
    this.used.set(source, this.used.get(source)! + 1);
  }

  /** Share of the source's examples used so far, in [0, 1]. */
  share(source: string): number {
    const n = this.drawable.get(source) ?? 0;
    return n > 0 ? this.used.get(source)! / n : 0;
  }

  /** Every source's share, keyed in sorted order: what records carry as `used`. */
  shares(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.sources) out[s] = this.share(s);
    return out;
  }

  /** Examples used, draws made, and examples the source has. */
  counts(source: string): { readonly used: number; readonly draws: number; readonly examples: number } {
    return { used: this.used.get(source) ?? 0, draws: this.draws.get(source) ?? 0, examples: this.drawable.get(source) ?? 0 };
  }
}
