/**
 * The sentence families over the animal world (animals.ts):
 *
 *   sentences      "Bamiro is red and every day Treilou the tiny spotted cat eats fish."
 *                  level = words; the last word is determined by the kind named before it.
 *                  mode cloze: prompt "... the tiny spotted cat eats", answer "fish".
 *   cloze          "Bamiro the cat eats ___. The cow says ___. A: fish, moo."
 *                  level = blanks; mode cloze: prompt up to "A:", answer "fish, moo".
 *   next_sentence  "Bamiro the cat is hungry. Next? (1) Bamiro the cat says meow. (2) Bamiro the cat
 *                  eats fish. A: 2." level = distractors; mode choice: prompt up to "A:", answer "2".
 *
 * Task types: the frame of the clause (eats, likes_to_eat, says, sleeps_in, favourite_food) for
 * sentences and cloze, the event (hungry, happy, tired) for next_sentence.
 */
import type { Rng } from "../../rng.js";
import { FRAMES, HELDOUT_FRAME, KINDS, attributeOf, subjectForms, type Animal, type AnimalWorld, type Frame } from "./animals.js";
import { capitalize, joinRendering, pick, shuffle, type GenRequest, type Generator, type Side, type SynthItem } from "./types.js";

const TIME_PHRASES: Readonly<Record<number, readonly string[]>> = {
  2: ["every day", "each night", "most mornings"],
  3: ["in the morning", "after a nap", "on most days"],
  4: ["after a long walk", "on a sunny day", "when it is warm"],
};

/** Pre-clauses about one animal's own attributes, by word count (3..8). */
function preClause(a: Animal, words: number, rng: Rng): string[] {
  switch (words) {
    case 3:
      return rng.int(2) ? [a.name, "is", a.color] : [a.name, "is", a.size];
    case 4:
      return [a.name, "lives", "in", a.town];
    case 5:
      return [a.name, "the", a.kind.kind, "is", a.color];
    case 6:
      return [a.name, "the", a.kind.kind, "lives", "in", a.town];
    case 7:
      return [a.name, "the", a.color, a.kind.kind, "lives", "in", a.town];
    default:
      return [a.name, "the", a.size, a.color, a.kind.kind, "lives", "in", a.town];
  }
}

/** A random split of `total` into parts of 4..9 (each a pre-clause of 3..8 words plus "and"). */
function parts(total: number, rng: Rng): number[] {
  if (total === 0) return [];
  const kMin = Math.ceil(total / 9);
  const kMax = Math.floor(total / 4);
  const k = kMin + rng.int(kMax - kMin + 1);
  const out = Array.from({ length: k }, () => 4);
  let left = total - 4 * k;
  while (left > 0) {
    const i = rng.int(k);
    if (out[i]! < 9) {
      out[i]!++;
      left--;
    }
  }
  return out;
}

/** Can `r` extra words be filled with pre-clauses (4..9 each, with "and") and at most one time phrase (2..4)? */
function fillable(r: number): boolean {
  return r === 0 || r >= 2;
}

function framesFor(types: GenRequest["types"]): readonly Frame[] {
  return FRAMES.filter((f) => (types === "heldout") === (f.name === HELDOUT_FRAME));
}

/** A final clause: the words and the animal it names (if any). */
interface Final {
  readonly words: string[];
  readonly animal: Animal | null;
  readonly frame: Frame;
}

function entitiesOf(animals: readonly (Animal | null)[]): string[] {
  return [...new Set(animals.filter((a): a is Animal => a !== null).map((a) => a.id))].sort();
}

/** Held-out-entity items must name at least one held-out animal; all named animals are on the side. */
function sideOk(side: Side, entities: readonly string[]): boolean {
  return side === "train" || entities.length > 0;
}

export function sentencesGenerator(world: AnimalWorld, words: { min: number; max: number }): Generator {
  return {
    family: "sentences",
    levels: words,
    impossible(req) {
      if (world.bySide[req.side].length === 0) return `the world has no ${req.side === "heldout" ? "held-out" : "training"} entities`;
      // The shortest clause of the held-out frame has 6 words ("the favourite food of cats is fish").
      if (req.types === "heldout" && words.max < 6) return `the held-out frame \`${HELDOUT_FRAME}\` needs sentences of at least 6 words, but words is at most ${words.max}`;
      return null;
    },
    make(rng, req) {
      const pool = world.bySide[req.side];
      if (pool.length === 0) return null;
      const w = req.level;
      const frame = pick(rng, framesFor(req.types));
      // Candidate final clauses: about a named animal (any subject form) or generic ("cats eat fish").
      const a = pick(rng, pool);
      const kind = pick(rng, KINDS);
      const candidates: Final[] = [
        ...subjectForms(a).map((s): Final => ({ words: frame.singular(s.words, attributeOf(a.kind, frame.attribute)), animal: s.namesAnimal ? a : null, frame })),
        { words: frame.plural([kind.plural], attributeOf(kind, frame.attribute)), animal: null, frame },
        { words: frame.plural(["most", kind.plural], attributeOf(kind, frame.attribute)), animal: null, frame },
      ].filter((f) => f.words.length <= w && fillable(w - f.words.length));
      if (candidates.length === 0) return null;
      const fin = pick(rng, candidates);
      let r = w - fin.words.length;
      // Time phrase: 0, 2, 3 or 4 words, leaving a remainder of 0 or >= 4 for pre-clauses.
      const times = [0, 2, 3, 4].filter((t) => r - t === 0 || r - t >= 4);
      const t = pick(rng, times);
      r -= t;
      const animals: (Animal | null)[] = [fin.animal];
      const clauses: string[][] = [];
      for (const p of parts(r, rng)) {
        const b = pick(rng, pool);
        animals.push(b);
        clauses.push([...preClause(b, p - 1, rng), "and"]);
      }
      const all = [...clauses.flat(), ...(t ? pick(rng, TIME_PHRASES[t]!).split(" ") : []), ...fin.words];
      if (all.length !== w) throw new Error(`internal error: built a sentence of ${all.length} words for ${w}`);
      const entities = entitiesOf(animals);
      if (!sideOk(req.side, entities)) return null;
      const render = { prompt: capitalize(all.slice(0, -1).join(" ")), answer: all[all.length - 1]! };
      const text = joinRendering(render);
      return { family: "sentences", text, level: w, type: fin.frame.name, entities, answer: render.answer, renders: { cloze: render }, splitKey: text, meta: { level: w } } satisfies SynthItem;
    },
  };
}

export function clozeGenerator(world: AnimalWorld, blanks: { min: number; max: number }): Generator {
  return {
    family: "cloze",
    levels: blanks,
    impossible(req) {
      if (world.bySide[req.side].length === 0) return `the world has no ${req.side === "heldout" ? "held-out" : "training"} entities`;
      return null;
    },
    make(rng, req) {
      const pool = world.bySide[req.side];
      if (pool.length === 0) return null;
      const k = req.level;
      const trainFrames = framesFor("train");
      // Held-out task items use the held-out frame in one clause (at least), the others any frame.
      const special = req.types === "heldout" ? rng.int(k) : -1;
      const animals: (Animal | null)[] = [];
      const sentences: string[] = [];
      const answers: string[] = [];
      const frames = new Set<string>();
      for (let i = 0; i < k; i++) {
        const frame = i === special ? FRAMES.find((f) => f.name === HELDOUT_FRAME)! : pick(rng, trainFrames);
        frames.add(frame.name);
        let words: string[];
        if (rng.int(4) === 0) {
          const kind = pick(rng, KINDS);
          words = frame.plural([kind.plural], attributeOf(kind, frame.attribute));
        } else {
          const a = pick(rng, pool);
          // Subject forms that name the kind, so every blank is determined by the sentence.
          const s = pick(rng, subjectForms(a).filter((f) => f.namesKind));
          if (s.namesAnimal) animals.push(a);
          words = frame.singular(s.words, attributeOf(a.kind, frame.attribute));
        }
        answers.push(words[words.length - 1]!);
        sentences.push(capitalize([...words.slice(0, -1), "___"].join(" ")) + ".");
      }
      const entities = entitiesOf(animals);
      if (!sideOk(req.side, entities)) return null;
      const render = { prompt: `${sentences.join(" ")} A:`, answer: answers.join(", ") };
      const text = joinRendering(render);
      return { family: "cloze", text, level: k, type: [...frames].sort().join("+"), entities, answer: render.answer, renders: { cloze: render }, splitKey: text, meta: { level: k, blanks: k } } satisfies SynthItem;
    },
  };
}

interface Event {
  readonly event: string;
  readonly frame: string;
}

export const EVENTS: readonly Event[] = [
  { event: "hungry", frame: "eats" },
  { event: "happy", frame: "says" },
  { event: "tired", frame: "sleeps_in" },
];

/** The event never seen in next_sentence training. */
export const HELDOUT_EVENT = "tired";

export function nextSentenceGenerator(world: AnimalWorld, distractors: number): Generator {
  const frame = (name: string) => FRAMES.find((f) => f.name === name)!;
  const subject = (a: Animal) => [a.name, "the", a.kind.kind];
  const sentence = (words: readonly string[]) => capitalize(words.join(" "));
  return {
    family: "next_sentence",
    levels: { min: distractors, max: distractors },
    impossible(req) {
      if (world.bySide[req.side].length < 2) return `the world has fewer than two ${req.side === "heldout" ? "held-out" : "training"} entities`;
      return null;
    },
    make(rng, req) {
      const pool = world.bySide[req.side];
      if (pool.length < 2) return null;
      const events = EVENTS.filter((e) => (req.types === "heldout") === (e.event === HELDOUT_EVENT));
      const ev = pick(rng, events);
      const a = pick(rng, pool);
      const f = frame(ev.frame);
      const right = sentence(f.singular(subject(a), attributeOf(a.kind, f.attribute)));
      const animals = new Set<Animal>([a]);
      const wrong = new Set<string>();
      for (let tries = 0; wrong.size < req.level && tries < 200; tries++) {
        let s: string;
        const c = rng.int(3);
        if (c === 0) {
          // The same animal doing what another event would make it do.
          const g = frame(pick(rng, EVENTS.filter((e) => e !== ev)).frame);
          s = sentence(g.singular(subject(a), attributeOf(a.kind, g.attribute)));
        } else if (c === 1) {
          // The right clause with another kind's word.
          const k = pick(rng, KINDS.filter((k) => attributeOf(k, f.attribute) !== attributeOf(a.kind, f.attribute)));
          s = sentence(f.singular(subject(a), attributeOf(k, f.attribute)));
        } else {
          // Another animal.
          const b = pick(rng, pool);
          if (b === a) continue;
          s = sentence(f.singular(subject(b), attributeOf(b.kind, f.attribute)));
          if (s !== right && !wrong.has(s)) animals.add(b);
        }
        if (s !== right) wrong.add(s);
      }
      if (wrong.size < req.level) return null;
      const options = shuffle(rng, [right, ...wrong]);
      const answer = String(options.indexOf(right) + 1);
      const render = { prompt: `${sentence([...subject(a), "is", ev.event])}. Next? ${options.map((o, i) => `(${i + 1}) ${o}.`).join(" ")} A:`, answer };
      const text = joinRendering(render);
      const entities = [...animals].map((x) => x.id).sort();
      return { family: "next_sentence", text, level: req.level, type: ev.event, entities, answer, renders: { choice: render }, splitKey: `${a.id}|${ev.event}`, meta: { level: req.level, distractors: req.level } } satisfies SynthItem;
    },
  };
}

