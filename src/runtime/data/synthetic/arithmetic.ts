/**
 * The arithmetic family: word problems of `steps` operations on one running count.
 *
 *   "Bamiro has 5 apples. Then Bamiro buys 3 more. Then Bamiro gives 2 to Treilou.
 *    How many apples does Bamiro have now? A: 6."
 *
 * Operations: add ("buys/finds N more", "X gives Bamiro N more"), subtract ("gives N to X",
 * "loses N"), multiply ("ends up with K times as many", K in 2..9), divide ("splits them into K
 * equal piles and keeps one", exact). Operands are at most `max` (K at most min(9, max)); the
 * count never goes below 0 nor above 10 x max. Level = steps; task type = the operation sequence
 * ("+-*"). The held-out task type is a multiplication immediately followed by a subtraction
 * ("*-" anywhere in the sequence): training never has one, `heldout_tasks` items always do.
 * The characters are made-up names, partitioned into training and held-out entities.
 */
import type { Rng } from "../../rng.js";
import { deriveSeed } from "../../rng.js";
import { makeNames, sidesOf } from "./entities.js";
import { joinRendering, pick, shuffle, type Generator, type Side, type SynthItem } from "./types.js";

export const OBJECTS = ["apples", "marbles", "coins", "stickers", "books", "cookies", "shells", "pencils", "stamps", "cards"];
export const HELDOUT_PAIR = "*-";
const CHARACTERS = 300;

export type Op = "+" | "-" | "*" | "/";

interface Characters {
  readonly bySide: Readonly<Record<Side, readonly string[]>>;
  readonly all: readonly string[];
}

let characters: Characters | undefined;

export function arithmeticCharacters(): Characters {
  if (characters) return characters;
  const all = makeNames(CHARACTERS, deriveSeed(20240611, "arithmetic"), [...OBJECTS, "then", "times", "piles"]);
  const sides = sidesOf(all);
  return (characters = { all, bySide: { train: all.filter((_, i) => sides[i] === "train"), heldout: all.filter((_, i) => sides[i] === "heldout") } });
}

function between(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/** One step applied to `cur`, or null when `op` cannot apply. */
function step(rng: Rng, op: Op, cur: number, max: number, cap: number, who: string, other: string): { value: number; text: string } | null {
  const kMax = Math.min(9, max);
  switch (op) {
    case "+": {
      const hi = Math.min(max, cap - cur);
      if (hi < 1) return null;
      const b = between(rng, 1, hi);
      const text = pick(rng, [`Then ${who} buys ${b} more.`, `Then ${who} finds ${b} more.`, `Then ${other} gives ${who} ${b} more.`]);
      return { value: cur + b, text };
    }
    case "-": {
      const hi = Math.min(max, cur);
      if (hi < 1) return null;
      const b = between(rng, 1, hi);
      return { value: cur - b, text: pick(rng, [`Then ${who} gives ${b} to ${other}.`, `Then ${who} loses ${b}.`]) };
    }
    case "*": {
      const hi = Math.min(kMax, Math.floor(cap / Math.max(1, cur)));
      if (hi < 2 || cur < 1) return null;
      const k = between(rng, 2, hi);
      return { value: cur * k, text: `Then ${who} ends up with ${k} times as many.` };
    }
    case "/": {
      const ks: number[] = [];
      for (let k = 2; k <= kMax; k++) if (cur >= k && cur % k === 0) ks.push(k);
      if (ks.length === 0) return null;
      const k = pick(rng, ks);
      return { value: cur / k, text: `Then ${who} splits them into ${k} equal piles and keeps one.` };
    }
  }
}

const OPS: readonly Op[] = ["+", "-", "*", "/"];

export function arithmeticGenerator(steps: { min: number; max: number }, max: number): Generator {
  const chars = arithmeticCharacters();
  const cap = 10 * max;
  return {
    family: "arithmetic",
    levels: steps,
    impossible(req) {
      if (req.types === "heldout" && steps.max < 2) return `the held-out operation pair \`${HELDOUT_PAIR}\` needs problems of at least 2 steps, but steps is at most ${steps.max}`;
      if (chars.bySide[req.side].length < 2) return `too few ${req.side} characters`;
      return null;
    },
    make(rng, req) {
      const n = req.level;
      if (req.types === "heldout" && n < 2) return null;
      const pool = chars.bySide[req.side];
      const who = pick(rng, pool);
      let other = pick(rng, pool);
      while (other === who) other = pick(rng, pool);
      const obj = pick(rng, OBJECTS);
      // Where a held-out item puts its "*-".
      const at = req.types === "heldout" ? rng.int(n - 1) : -1;
      let cur = between(rng, 1, max);
      const lines = [`${who} has ${cur} ${obj}.`];
      const ops: Op[] = [];
      let usesOther = false;
      for (let i = 0; i < n; i++) {
        const prev = ops[i - 1];
        let candidates: readonly Op[];
        if (i === at) candidates = ["*"];
        else if (i === at + 1 && at >= 0) candidates = ["-"];
        else candidates = OPS.filter((o) => !(req.types === "train" && prev === "*" && o === "-"));
        // The step after a forced "*" must be able to subtract: keep the product within the cap.
        const order = shuffle(rng, [...candidates]);
        let done = false;
        for (const op of order) {
          const s = step(rng, op, cur, max, cap, who, other);
          if (!s) continue;
          cur = s.value;
          lines.push(s.text);
          ops.push(op);
          if (s.text.includes(other)) usesOther = true;
          done = true;
          break;
        }
        if (!done) return null;
      }
      const seq = ops.join("");
      if (req.types === "train" && seq.includes(HELDOUT_PAIR)) return null;
      if (req.types === "heldout" && !seq.includes(HELDOUT_PAIR)) return null;
      const render = { prompt: `${lines.join(" ")} How many ${obj} does ${who} have now? A:`, answer: String(cur) };
      const text = joinRendering(render);
      const ids = [who, ...(usesOther ? [other] : [])].map((c) => `person:${c}`).sort();
      return { family: "arithmetic", text, level: n, type: seq, entities: ids, answer: render.answer, renders: { answer: render }, splitKey: text, meta: { level: n, steps: n } } satisfies SynthItem;
    },
  };
}
