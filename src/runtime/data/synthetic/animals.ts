/**
 * The small world of the sentence families (sentences, cloze, next_sentence): named animals, each
 * of a kind, with a colour, a size and a home town. What an animal eats, says and where it sleeps
 * depends on its kind only (cats eat fish), so a sentence that names the kind determines its last
 * word, for training entities and held-out ones alike; colour, size and town are the individual's
 * own and stay the same in every sentence that mentions it.
 */
import { Rng, deriveSeed } from "../../rng.js";
import { makeNames, sidesOf } from "./entities.js";
import type { Side } from "./types.js";

export interface Kind {
  readonly kind: string;
  readonly plural: string;
  readonly food: string;
  readonly sound: string;
  readonly home: string;
}

export const KINDS: readonly Kind[] = [
  { kind: "cat", plural: "cats", food: "fish", sound: "meow", home: "basket" },
  { kind: "dog", plural: "dogs", food: "bones", sound: "woof", home: "kennel" },
  { kind: "cow", plural: "cows", food: "grass", sound: "moo", home: "barn" },
  { kind: "horse", plural: "horses", food: "hay", sound: "neigh", home: "stable" },
  { kind: "duck", plural: "ducks", food: "bread", sound: "quack", home: "pond" },
  { kind: "sheep", plural: "sheep", food: "clover", sound: "baa", home: "meadow" },
  { kind: "pig", plural: "pigs", food: "corn", sound: "oink", home: "sty" },
  { kind: "owl", plural: "owls", food: "moths", sound: "hoot", home: "tree" },
  { kind: "bee", plural: "bees", food: "nectar", sound: "buzz", home: "hive" },
  { kind: "frog", plural: "frogs", food: "flies", sound: "croak", home: "marsh" },
  { kind: "mouse", plural: "mice", food: "cheese", sound: "squeak", home: "hole" },
  { kind: "lion", plural: "lions", food: "meat", sound: "roar", home: "den" },
  { kind: "hen", plural: "hens", food: "seeds", sound: "cluck", home: "coop" },
  { kind: "goat", plural: "goats", food: "leaves", sound: "bleat", home: "shed" },
  { kind: "bear", plural: "bears", food: "honey", sound: "growl", home: "cave" },
  { kind: "wolf", plural: "wolves", food: "rabbits", sound: "howl", home: "lair" },
];

export const COLORS = ["red", "brown", "white", "black", "gray", "golden", "spotted", "striped"] as const;
export const SIZES = ["big", "small", "tiny", "old", "young", "fat", "thin", "tall"] as const;
export const TOWNS = ["Oakdale", "Millbrook", "Ashford", "Redwater", "Stonebridge", "Fairhaven", "Elmwood", "Greenhill", "Riverton", "Westfield", "Brookside", "Hollowmere"] as const;

/** The kind-determined attribute a frame ends with. */
export type Attribute = "food" | "sound" | "home";

export interface Animal {
  readonly id: string;
  readonly name: string;
  readonly kind: Kind;
  readonly color: string;
  readonly size: string;
  readonly town: string;
  readonly side: Side;
}

export interface AnimalWorld {
  readonly animals: readonly Animal[];
  readonly bySide: Readonly<Record<Side, readonly Animal[]>>;
}

/** Every word of the world's fixed vocabulary: generated names must avoid them. */
export function animalVocabulary(): string[] {
  return [...KINDS.flatMap((k) => [k.kind, k.plural, k.food, k.sound, k.home]), ...COLORS, ...SIZES, ...TOWNS];
}

const worlds = new Map<number, AnimalWorld>();

/** The world of `entities` animals; the same object for the same size within a process. */
export function animalWorld(entities: number): AnimalWorld {
  let w = worlds.get(entities);
  if (w) return w;
  const seed = deriveSeed(20240611, "animals", entities);
  const names = makeNames(entities, seed, animalVocabulary());
  const rng = Rng.for(seed, "attributes");
  const sides = sidesOf(names);
  const animals = names.map(
    (name, i): Animal => ({
      id: `animal:${name}`,
      name,
      kind: KINDS[rng.int(KINDS.length)]!,
      color: COLORS[rng.int(COLORS.length)]!,
      size: SIZES[rng.int(SIZES.length)]!,
      town: TOWNS[rng.int(TOWNS.length)]!,
      side: sides[i]!,
    }),
  );
  w = { animals, bySide: { train: animals.filter((a) => a.side === "train"), heldout: animals.filter((a) => a.side === "heldout") } };
  worlds.set(entities, w);
  return w;
}

/**
 * A clause that ends with a kind-determined word. `frame` is the task type of the sentence
 * families; `favourite_food` is the held-out one (see README.md).
 */
export interface Frame {
  readonly name: string;
  readonly attribute: Attribute;
  /** Words of the clause for a singular subject noun phrase (its words given). */
  readonly singular: (subject: readonly string[], value: string) => string[];
  /** Words for a plural generic subject ("cats"). */
  readonly plural: (subject: readonly string[], value: string) => string[];
}

export const FRAMES: readonly Frame[] = [
  { name: "eats", attribute: "food", singular: (s, v) => [...s, "eats", v], plural: (s, v) => [...s, "eat", v] },
  { name: "likes_to_eat", attribute: "food", singular: (s, v) => [...s, "likes", "to", "eat", v], plural: (s, v) => [...s, "like", "to", "eat", v] },
  { name: "says", attribute: "sound", singular: (s, v) => [...s, "says", v], plural: (s, v) => [...s, "say", v] },
  { name: "sleeps_in", attribute: "home", singular: (s, v) => [...s, "sleeps", "in", "the", v], plural: (s, v) => [...s, "sleep", "in", "the", v] },
  { name: "favourite_food", attribute: "food", singular: (s, v) => ["the", "favourite", "food", "of", ...s, "is", v], plural: (s, v) => ["the", "favourite", "food", "of", ...s, "is", v] },
];

/** The frame never seen in training by the sentences and cloze families. */
export const HELDOUT_FRAME = "favourite_food";

export function attributeOf(kind: Kind, a: Attribute): string {
  return kind[a];
}

/** A subject noun phrase; `namesKind` when it says the kind, so the clause's last word follows from it. */
export interface Subject {
  readonly words: readonly string[];
  readonly namesKind: boolean;
  readonly namesAnimal: boolean;
}

/** Subject noun phrases of an animal, 1 to 5 words. */
export function subjectForms(a: Animal): readonly Subject[] {
  return [
    { words: [a.name], namesKind: false, namesAnimal: true },
    { words: [a.size, a.name], namesKind: false, namesAnimal: true },
    { words: ["the", a.kind.kind], namesKind: true, namesAnimal: false },
    { words: [a.name, "the", a.kind.kind], namesKind: true, namesAnimal: true },
    { words: [a.name, "the", a.color, a.kind.kind], namesKind: true, namesAnimal: true },
    { words: [a.name, "the", a.size, a.color, a.kind.kind], namesKind: true, namesAnimal: true },
  ];
}
