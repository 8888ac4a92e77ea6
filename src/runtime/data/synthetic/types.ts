/** The shapes shared by the synthetic task families (see README.md beside this file). */
import type { Rng } from "../../rng.js";

export type Family = "sentences" | "next_sentence" | "cloze" | "facts" | "arithmetic";

/** Which entities an item may mention: the training side or the held-out side of the entity partition. */
export type Side = "train" | "heldout";

/** The evaluation splits of `tasks SOURCE.MODE on SPLIT`. */
export type TaskSplit = "heldout" | "heldout_entities" | "heldout_tasks" | "train";
export const TASK_SPLITS: readonly TaskSplit[] = ["heldout", "heldout_entities", "heldout_tasks", "train"];

/** One evaluation rendering of an item: the model reads `prompt` and should continue with " " + `answer`. */
export interface Rendering {
  readonly prompt: string;
  readonly answer: string;
}

/** One generated example, with everything an evaluation or an analysis needs. */
export interface SynthItem {
  readonly family: Family;
  /** Training text: for the rendering `form`, exactly `prompt + " " + answer + "."`. */
  readonly text: string;
  /** The difficulty level: words, distractors, blanks, hops or steps. */
  readonly level: number;
  /** The task type (frame, event, relation path, operation sequence); see README.md. */
  readonly type: string;
  /** Ids of the individual entities the item mentions ("person:Bamiro", "country:PER"). */
  readonly entities: readonly string[];
  /** The answer of the training form. */
  readonly answer: string;
  /** One rendering per evaluation mode of the family. */
  readonly renders: Readonly<Record<string, Rendering>>;
  /** What the random heldout split hashes (items with the same key land on the same side). */
  readonly splitKey: string;
  /** Numeric metadata: `level` and the family's parameter name (hops, steps, blanks, distractors). */
  readonly meta: Readonly<Record<string, number>>;
}

/** What a family's generator is asked for. */
export interface GenRequest {
  readonly side: Side;
  /** "train": only task types that are not held out; "heldout": only the held-out task type. */
  readonly types: "train" | "heldout";
  readonly level: number;
}

export interface Generator {
  readonly family: Family;
  /** Inclusive level range of the source. */
  readonly levels: { readonly min: number; readonly max: number };
  /** One item, or null when this draw found none (the caller draws again). */
  make(rng: Rng, req: GenRequest): SynthItem | null;
  /** Why `heldout_tasks` (or another request) can never succeed for this source, or null. */
  impossible?(req: Omit<GenRequest, "level">): string | null;
}

export type ParamValue = number | { readonly min: number; readonly max: number };

export function rangeOf(v: ParamValue | undefined, def: { min: number; max: number }): { min: number; max: number } {
  if (v === undefined) return def;
  return typeof v === "number" ? { min: v, max: v } : { min: v.min, max: v.max };
}

export function numberOf(v: ParamValue | undefined, def: number): number {
  if (v === undefined) return def;
  return typeof v === "number" ? v : v.max;
}

/** Picks one element uniformly. */
export function pick<T>(rng: Rng, xs: readonly T[]): T {
  if (xs.length === 0) throw new Error("internal error: pick from an empty list");
  return xs[rng.int(xs.length)]!;
}

/** Fisher-Yates, in place; returns the array. */
export function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export function capitalize(s: string): string {
  return s.length ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** `prompt + " " + answer + "."`: how every family writes a rendering as training text. */
export function joinRendering(r: Rendering): string {
  return `${r.prompt} ${r.answer}.`;
}
