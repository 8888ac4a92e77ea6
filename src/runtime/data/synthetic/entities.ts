/**
 * Entities: generated names, the train/heldout partition of entities, and whole-word mention tests.
 *
 * The partition is a hash, like the heldout split of texts (split.ts) but with its own salt: an
 * entity is held out when sha1("cgx-entity:" + key) read as a number in [0, 1) is below
 * ENTITY_HELDOUT. Entities whose names contain one another (Guinea, Equatorial Guinea) or that
 * belong together (a country and its capital) form one cluster, keyed by its smallest member, so
 * a held-out name never appears inside a training name.
 */
import { createHash } from "node:crypto";
import { daleChall } from "dale-chall";
import { Rng } from "../../rng.js";
import type { Side } from "./types.js";

/** The share of entities (clusters) held out from training, in every synthetic world. */
export const ENTITY_HELDOUT = 0.2;

export function entityPosition(key: string): number {
  const h = createHash("sha1").update("cgx-entity:", "utf8").update(key, "utf8").digest();
  return (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

export function sideOf(key: string): Side {
  return entityPosition(key) < ENTITY_HELDOUT ? "heldout" : "train";
}

/**
 * Sides for a list of cluster keys, with at least one cluster on each side when there are two or
 * more (the lowest-position cluster is held out, or the highest kept), as split.ts does for texts.
 */
export function sidesOf(keys: readonly string[]): Side[] {
  const pos = keys.map(entityPosition);
  const sides = pos.map((p): Side => (p < ENTITY_HELDOUT ? "heldout" : "train"));
  if (keys.length >= 2) {
    const best = (better: (a: number, b: number) => boolean) => pos.reduce((bi, p, i) => (better(p, pos[bi]!) ? i : bi), 0);
    if (!sides.includes("heldout")) sides[best((a, b) => a < b)] = "heldout";
    else if (!sides.includes("train")) sides[best((a, b) => a > b)] = "train";
  }
  return sides;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A case-sensitive whole-word matcher for a name: not preceded or followed by a letter or digit. */
export function mentionPattern(names: readonly string[], flags = "u"): RegExp {
  const alts = [...names].sort((a, b) => b.length - a.length).map(escape);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alts.join("|")})(?![\\p{L}\\p{N}])`, flags);
}

/** Does `text` mention `name` as a whole word? */
export function mentions(text: string, name: string): boolean {
  return text.includes(name) && mentionPattern([name]).test(text);
}

/** Union-find over indices. */
export class Clusters {
  private readonly parent: number[];
  constructor(n: number) {
    this.parent = Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]!]!;
      i = this.parent[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

const ONSETS = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "h", "j", "sh", "ch", "br", "dr", "tr", "kr", "gl", "pl"];
const VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ou", "ei"];
const CODAS = ["", "", "", "", "n", "r", "l", "s", "m", "th"];

/** Lower-case words a generated name must not be: familiar English words and whatever the caller adds. */
function bannedWords(extra: Iterable<string>): Set<string> {
  const out = new Set<string>(daleChall.map((w) => w.toLowerCase()));
  for (const e of extra) for (const w of e.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w) out.add(w);
  return out;
}

/**
 * `count` distinct capitalised made-up names of two to four syllables ("Bamiro", "Treilou"),
 * deterministic for (seed, count, banned). None is a familiar English word or a word of `banned`.
 */
export function makeNames(count: number, seed: number, banned: Iterable<string> = []): string[] {
  const ban = bannedWords(banned);
  const rng = Rng.for(seed, "names");
  const seen = new Set<string>();
  const out: string[] = [];
  let attempts = 0;
  while (out.length < count) {
    if (++attempts > count * 200 + 10000) throw new Error(`internal error: could not make ${count} distinct names`);
    // Longer names once the short ones thin out.
    const syllables = 2 + rng.int(out.length > 20000 ? 3 : 2);
    let name = "";
    for (let s = 0; s < syllables; s++) name += rng.int(3) === 0 && s > 0 ? pickS(rng, VOWELS) + pickS(rng, CODAS) : pickS(rng, ONSETS) + pickS(rng, VOWELS) + (s === syllables - 1 ? pickS(rng, CODAS) : "");
    if (name.length < 3 || name.length > 10 || seen.has(name) || ban.has(name)) continue;
    seen.add(name);
    out.push(name[0]!.toUpperCase() + name.slice(1));
  }
  return out;
}

function pickS(rng: Rng, xs: readonly string[]): string {
  return xs[rng.int(xs.length)]!;
}
