/** The shapes the data layer hands to the rest of the runtime. */

/** Numeric metadata of an example: usable in `where` filters and as `field("NAME")` difficulty. */
export type Meta = Readonly<Record<string, number>>;

/** A unit of text before scoring: what a corpus or a user file yields. */
export interface RawDoc {
  /** Cleaned, whitespace-normalised text. */
  readonly text: string;
  readonly meta: Meta;
  /** Where it came from, for messages and debugging: "carroll-alice.txt", "data/a.jsonl:12". */
  readonly origin: string;
  /**
   * What the heldout split hashes, when not the text itself. simple.sentences uses the passage a
   * sentence came from, so its heldout sentences come from other corpora's heldout passages.
   */
  readonly splitKey?: string;
}

export interface Example {
  /** Stable: the source name and a hash of the text. */
  readonly id: string;
  readonly text: string;
  readonly source: string;
  /** The score under the experiment's difficulty metric. */
  readonly difficulty: number;
  /** Flesch-Kincaid grade. */
  readonly grade: number;
  /** Length in tokens under the experiment's tokenizer. */
  readonly length: number;
  /** Length in words. */
  readonly words: number;
  readonly meta: Meta;
  readonly origin: string;
}

export interface SourceSplit {
  readonly train: readonly Example[];
  readonly heldout: readonly Example[];
}
