import { describe, expect, it, vi } from "vitest";
import { animalWorld } from "../../../src/runtime/data/synthetic/animals.js";
import { drawItems, generatorFor, sourceItems, sourceKey, SYNTHETIC_DOCS } from "../../../src/runtime/data/synthetic/index.js";
import type { SynthItem } from "../../../src/runtime/data/synthetic/types.js";
import { expectedLastWord, KIND_TABLE, realFactHolds, solveArithmetic, solveFacts } from "./solvers.js";

type Params = Record<string, number | { min: number; max: number }>;
const draw = (task: string, params: Params, count: number, purpose = "test", seed?: number) =>
  drawItems(generatorFor(task, params), { side: "train", types: "train" }, sourceKey(task, params), { count, purpose, ...(seed === undefined ? {} : { seed }) });

const FAMILIES: [string, Params][] = [
  ["sentences", { words: { min: 3, max: 12 }, entities: 300 }],
  ["cloze", { blanks: { min: 1, max: 4 } }],
  ["next_sentence", { distractors: 4 }],
  ["facts", { hops: { min: 1, max: 3 }, entities: 400 }],
  ["arithmetic", { steps: { min: 1, max: 4 }, max: 50 }],
];

/** The training text is one rendering's prompt, a space, the answer and a period. */
function textIsARendering(it: SynthItem): void {
  expect(Object.values(it.renders).some((r) => `${r.prompt} ${r.answer}.` === it.text)).toBe(true);
  for (const r of Object.values(it.renders)) expect(r.answer).toBe(it.answer);
}

describe("synthetic generators", () => {
  it("are deterministic for a seed, in a fresh module graph too, and differ across seeds", async () => {
    for (const [task, params] of FAMILIES) {
      const a = draw(task, params, 150).map((i) => i.text);
      vi.resetModules();
      const fresh = (await import("../../../src/runtime/data/synthetic/index.js")) as typeof import("../../../src/runtime/data/synthetic/index.js");
      const b = fresh.drawItems(fresh.generatorFor(task, params), { side: "train", types: "train" }, fresh.sourceKey(task, params), { count: 150, purpose: "test" }).map((i) => i.text);
      expect(b).toEqual(a);
      const c = draw(task, params, 150, "test", 7).map((i) => i.text);
      expect(c).not.toEqual(a);
      expect(new Set(a).size).toBe(a.length);
    }
  });

  it("facts: every answer follows from the context by exactly `hops` hops, and real facts are true", () => {
    const items = draw("facts", { hops: { min: 1, max: 3 }, entities: 400 }, 900);
    const levels = new Map<number, number>();
    const personFacts = new Map<string, string>();
    for (const it of items) {
      textIsARendering(it);
      for (const mode of ["qa", "cloze"]) {
        const sol = solveFacts(it.renders[mode]!.prompt);
        expect(sol.answer).toBe(it.answer);
        expect(sol.hops).toBe(it.level);
        expect(sol.path.join(">")).toBe(it.type);
        // Context: the chain and as many distractors, one fact per (subject, relation).
        expect(sol.facts.length).toBeLessThanOrEqual(2 * it.level);
        expect(sol.facts.length).toBeGreaterThanOrEqual(it.level);
        for (const f of sol.facts) {
          const real = realFactHolds(f);
          if (real !== null) expect(real, `${f.s} ${f.r} ${f.o}`).toBe(true);
          else {
            // Generated people: the same fact in every item.
            const key = `${f.s}|${f.r}`;
            expect(personFacts.get(key) ?? f.o, key).toBe(f.o);
            personFacts.set(key, f.o);
          }
        }
      }
      expect(it.meta).toEqual({ level: it.level, hops: it.level });
      levels.set(it.level, (levels.get(it.level) ?? 0) + 1);
    }
    expect([...levels.keys()].sort()).toEqual([1, 2, 3]);
    // Training never uses the held-out relation.
    expect(items.some((i) => i.text.includes("currency"))).toBe(false);
  });

  it("facts: hops 2..2 gives only two-hop questions, and 4..5 reach four and five hops", () => {
    for (const [range, want] of [
      [{ min: 2, max: 2 }, [2]],
      [{ min: 4, max: 5 }, [4, 5]],
    ] as const) {
      const items = draw("facts", { hops: range, entities: 400 }, 60);
      expect([...new Set(items.map((i) => i.level))].sort()).toEqual(want);
      for (const it of items) expect(solveFacts(it.renders.qa!.prompt).hops).toBe(it.level);
    }
  });

  it("arithmetic: an evaluator recomputes every answer; steps and operands are within the parameters", () => {
    const items = draw("arithmetic", { steps: { min: 1, max: 4 }, max: 50 }, 800);
    for (const it of items) {
      textIsARendering(it);
      const sol = solveArithmetic(it.renders.answer!.prompt);
      expect(String(sol.answer)).toBe(it.answer);
      expect(sol.ops.length).toBe(it.level);
      expect(sol.ops).toBe(it.type);
      expect(sol.ops).not.toContain("*-");
      expect(Math.max(...sol.operands)).toBeLessThanOrEqual(50);
    }
    expect([...new Set(items.map((i) => i.level))].sort()).toEqual([1, 2, 3, 4]);
  });

  it("sentences: exactly `words` words, ending in the word the kind determines", () => {
    const world = animalWorld(300);
    const kindOf = new Map(world.animals.map((a) => [a.name, a.kind.kind]));
    const items = draw("sentences", { words: { min: 3, max: 12 }, entities: 300 }, 1000);
    for (const it of items) {
      textIsARendering(it);
      expect(it.text.replace(/\.$/, "").split(" ").length).toBe(it.level);
      const clause = it.renders.cloze!.prompt.split(" and ").at(-1)!;
      expect(expectedLastWord(clause, (n) => kindOf.get(n))).toBe(it.answer);
    }
    expect([...new Set(items.map((i) => i.level))].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // words 20..30 reaches 30.
    const long = draw("sentences", { words: { min: 30, max: 30 }, entities: 300 }, 20);
    for (const it of long) expect(it.text.replace(/\.$/, "").split(" ").length).toBe(30);
  });

  it("cloze: `blanks` blanks, each answered by the kind its sentence names", () => {
    const items = draw("cloze", { blanks: { min: 1, max: 5 } }, 600);
    for (const it of items) {
      textIsARendering(it);
      const prompt = it.renders.cloze!.prompt;
      const sentences = prompt.replace(/ A:$/, "").split(/(?<=___\.) /);
      expect(sentences.length).toBe(it.level);
      const answers = it.answer.split(", ");
      expect(answers.length).toBe(it.level);
      sentences.forEach((s, i) => {
        const clause = s.replace(/ ___\.$/, "");
        expect(expectedLastWord(clause[0]!.toLowerCase() + clause.slice(1), () => undefined)).toBe(answers[i]);
      });
      expect(it.meta).toEqual({ level: it.level, blanks: it.level });
    }
    expect([...new Set(items.map((i) => i.level))].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("next_sentence: distractors + 1 options, and the answer is the one that follows", () => {
    const follows: Record<string, (k: string) => string> = {
      hungry: (k) => `eats ${KIND_TABLE[k]!.food}`,
      happy: (k) => `says ${KIND_TABLE[k]!.sound}`,
      tired: (k) => `sleeps in the ${KIND_TABLE[k]!.home}`,
    };
    for (const d of [1, 4, 9]) {
      const items = draw("next_sentence", { distractors: d }, 200);
      for (const it of items) {
        textIsARendering(it);
        const m = /^(\S+) the (\w+) is (\w+)\. Next\? (.*) A:$/.exec(it.renders.choice!.prompt)!;
        expect(m).not.toBeNull();
        const options = [...m[4]!.matchAll(/\((\d+)\) ([^.]+)\./g)].map((o) => o[2]!);
        expect(options.length).toBe(d + 1);
        const right = `${m[1]} the ${m[2]} ${follows[m[3]!]!(m[2]!)}`;
        expect(options.filter((o) => o === right).length).toBe(1);
        expect(it.answer).toBe(String(options.indexOf(right) + 1));
        expect(it.level).toBe(d);
        expect(m[3]).not.toBe("tired");
      }
    }
  });

  it("a source's documents: about SYNTHETIC_DOCS distinct texts, levels evenly spread", () => {
    const items = sourceItems("arithmetic", { steps: { min: 1, max: 3 }, max: 100 });
    expect(items.length).toBe(SYNTHETIC_DOCS);
    const per = [1, 2, 3].map((l) => items.filter((i) => i.level === l).length);
    expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
    expect(new Set(items.map((i) => i.text)).size).toBe(items.length);
  });
});
