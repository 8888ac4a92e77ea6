/**
 * Rarity difficulty: the mean negative log unigram probability of an example's words, with the
 * unigram model counted over the TRAINING splits of all the experiment's sources (lower-cased
 * words), so heldout text informs nothing. Add-one smoothing: p(w) = (c(w) + 1) / (N + V + 1) for
 * N word tokens and V distinct words; a word never seen in training gets 1 / (N + V + 1). In nats.
 * A text without words scores 0.
 */
import { words } from "../text/words.js";

export class UnigramModel {
  private readonly counts = new Map<string, number>();
  private total = 0;

  static fit(texts: Iterable<string>): UnigramModel {
    const m = new UnigramModel();
    for (const t of texts) for (const w of words(t)) m.add(w.toLowerCase());
    return m;
  }

  private add(w: string): void {
    this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    this.total++;
  }

  /** -ln p(word). */
  surprise(word: string): number {
    const c = this.counts.get(word.toLowerCase()) ?? 0;
    return -Math.log((c + 1) / (this.total + this.counts.size + 1));
  }

  rarity(text: string): number {
    const ws = words(text);
    if (ws.length === 0) return 0;
    let s = 0;
    for (const w of ws) s += this.surprise(w);
    return s / ws.length;
  }
}
