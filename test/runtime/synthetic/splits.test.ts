import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PlanData, PlanSource } from "../../../src/plan/types.js";
import { DataError, loadExperimentData } from "../../../src/runtime/data/index.js";
import { animalWorld } from "../../../src/runtime/data/synthetic/animals.js";
import { arithmeticCharacters } from "../../../src/runtime/data/synthetic/arithmetic.js";
import { ENTITY_HELDOUT, mentionPattern } from "../../../src/runtime/data/synthetic/entities.js";
import { factWorld } from "../../../src/runtime/data/synthetic/facts.js";
import { DEFAULT_ANIMALS, splitItems, syntheticDocs, taskItems, type SyntheticSource } from "../../../src/runtime/data/synthetic/index.js";
import { solveArithmetic, solveFacts } from "./solvers.js";

const src = (task: string, params: SyntheticSource["params"], name = task): SyntheticSource => ({ name, kind: "synthetic", task, params });

const SOURCES = {
  sentences: src("sentences", { words: { min: 3, max: 12 }, entities: 500 }),
  cloze: src("cloze", { blanks: { min: 1, max: 3 } }),
  next_sentence: src("next_sentence", { distractors: 3 }),
  facts: src("facts", { hops: { min: 1, max: 3 }, entities: 1000 }),
  arithmetic: src("arithmetic", { steps: { min: 1, max: 3 }, max: 100 }),
};

/** Individual entity names of each source's world, by side. */
function names(task: keyof typeof SOURCES): { train: string[]; heldout: string[] } {
  switch (task) {
    case "sentences":
    case "cloze":
    case "next_sentence": {
      const w = animalWorld(task === "sentences" ? 500 : DEFAULT_ANIMALS);
      return { train: w.bySide.train.map((a) => a.name), heldout: w.bySide.heldout.map((a) => a.name) };
    }
    case "facts": {
      const nodes = [...factWorld(1000).nodes.values()];
      return { train: nodes.filter((n) => n.side === "train").map((n) => n.name), heldout: nodes.filter((n) => n.side === "heldout").map((n) => n.name) };
    }
    case "arithmetic": {
      const c = arithmeticCharacters();
      return { train: [...c.bySide.train], heldout: [...c.bySide.heldout] };
    }
  }
}

let dir = "";
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe("synthetic splits", () => {
  it("partitions entities by hash, about ENTITY_HELDOUT held out, the two sides disjoint", () => {
    for (const task of Object.keys(SOURCES) as (keyof typeof SOURCES)[]) {
      const { train, heldout } = names(task);
      expect(heldout.length).toBeGreaterThan(0);
      expect(train.filter((n) => heldout.includes(n))).toEqual([]);
      const share = heldout.length / (train.length + heldout.length);
      expect(share).toBeGreaterThan(ENTITY_HELDOUT * 0.6);
      expect(share).toBeLessThan(ENTITY_HELDOUT * 1.4);
    }
  });

  it("no held-out entity's name appears in any training document (whole words, any source)", () => {
    for (const task of Object.keys(SOURCES) as (keyof typeof SOURCES)[]) {
      const docs = syntheticDocs(SOURCES[task]);
      expect(docs.length).toBeGreaterThan(1000);
      const re = mentionPattern(names(task).heldout);
      const leaks = docs.filter((d) => re.test(d.text)).map((d) => d.text);
      expect(leaks.slice(0, 3), task).toEqual([]);
    }
  });

  it("heldout_entities items name only held-out entities, at least one each", () => {
    for (const task of Object.keys(SOURCES) as (keyof typeof SOURCES)[]) {
      const items = splitItems(SOURCES[task], "heldout_entities", 64, 0.1);
      expect(items.length).toBe(64);
      const { train, heldout } = names(task);
      const trainRe = mentionPattern(train);
      const heldRe = mentionPattern(heldout);
      for (const it of items) {
        expect(it.entities.length, it.text).toBeGreaterThan(0);
        expect(trainRe.test(it.text), `${task}: ${it.text}`).toBe(false);
        expect(heldRe.test(it.text), it.text).toBe(true);
        expect(it.type).not.toMatch(/currency|favourite_food|tired|\*-/);
      }
    }
  });

  it("heldout_tasks items use the held-out task type, which no training document uses", () => {
    const heldType: Record<keyof typeof SOURCES, RegExp> = { sentences: /favourite_food/, cloze: /favourite_food/, next_sentence: /^tired$/, facts: /(^|>)currency$/, arithmetic: /\*-/ };
    for (const task of Object.keys(SOURCES) as (keyof typeof SOURCES)[]) {
      const items = splitItems(SOURCES[task], "heldout_tasks", 48, 0.1);
      expect(items.length, task).toBeGreaterThan(0);
      for (const it of items) expect(it.type, task).toMatch(heldType[task]);
      const trainRe = mentionPattern(names(task).heldout);
      for (const it of items) expect(trainRe.test(it.text)).toBe(false);
    }
    for (const it of splitItems(SOURCES.facts, "heldout_tasks", 48, 0.1)) expect(solveFacts(it.renders.qa!.prompt).answer).toBe(it.answer);
    for (const it of splitItems(SOURCES.arithmetic, "heldout_tasks", 48, 0.1)) expect(String(solveArithmetic(it.renders.answer!.prompt).answer)).toBe(it.answer);
    // Training documents never carry the held-out types.
    expect(syntheticDocs(SOURCES.facts).some((d) => d.text.includes("currency"))).toBe(false);
    expect(syntheticDocs(SOURCES.sentences).some((d) => d.text.includes("favourite food"))).toBe(false);
    expect(syntheticDocs(SOURCES.cloze).some((d) => d.text.includes("favourite food"))).toBe(false);
    expect(syntheticDocs(SOURCES.next_sentence).some((d) => d.text.includes(" is tired."))).toBe(false);
    expect(syntheticDocs(SOURCES.arithmetic).some((d) => /times as many\. Then \S+ (gives \d+ to|loses)/.test(d.text))).toBe(false);
  });

  it("says why a split is impossible", () => {
    expect(() => splitItems(src("arithmetic", { steps: { min: 1, max: 1 }, max: 10 }), "heldout_tasks", 8, 0.1)).toThrow(DataError);
    expect(() => splitItems(src("sentences", { words: { min: 3, max: 5 }, entities: 50 }), "heldout_tasks", 8, 0.1)).toThrow(/at least 6 words/);
  });

  it("routes synthetic sources through loadExperimentData: heldout items are the loader's heldout split, field(\"level\") is the level", async () => {
    dir = mkdtempSync(join(tmpdir(), "cgx-synth-"));
    // The same tasks as SOURCES (their documents are already generated in this process).
    const arith = { ...SOURCES.arithmetic, name: "arith" };
    const facts = { ...SOURCES.facts, name: "kb" };
    const data: PlanData = { tokenizer: { kind: "bytes", vocab: 256 }, context: 64, heldout: 0.05, difficulty: { kind: "field", field: "level" }, sources: [arith, facts] as PlanSource[] };
    const loaded = await loadExperimentData(data, { cacheDir: join(dir, "cache"), cwd: dir });
    for (const s of [arith, facts]) {
      const split = loaded.sources.get(s.name)!;
      expect(split.heldout.length).toBeGreaterThan(0);
      for (const e of [...split.train, ...split.heldout]) {
        expect(e.difficulty).toBe(e.meta.level);
        expect([1, 2, 3]).toContain(e.meta.level);
      }
      const held = new Set(split.heldout.map((e) => e.text));
      const train = new Set(split.train.map((e) => e.text));
      const hItems = splitItems(s, "heldout", 1e9, data.heldout);
      expect(hItems.length).toBe(held.size);
      for (const it of hItems) expect(held.has(it.text)).toBe(true);
      for (const it of splitItems(s, "train", 500, data.heldout)) expect(train.has(it.text)).toBe(true);
    }
    // One evaluate entry per split, rendered for its mode, keyed like the language writes it.
    const items = taskItems(
      data,
      [
        { source: "kb", mode: "qa", split: "heldout" },
        { source: "kb", mode: "cloze", split: "heldout_entities" },
        { source: "arith", mode: "answer", split: "heldout_tasks" },
      ],
      20,
    );
    expect([...new Set(items.map((i) => i.task))]).toEqual(["kb.qa", "kb.cloze on heldout_entities", "arith.answer on heldout_tasks"]);
    expect(items.filter((i) => i.task === "kb.qa").every((i) => i.prompt.endsWith(" A:"))).toBe(true);
    expect(items.filter((i) => i.task === "kb.cloze on heldout_entities").every((i) => i.prompt.endsWith(" is"))).toBe(true);
    expect(items.length).toBe(60);
    expect(() => taskItems(data, [{ source: "kb", mode: "choice", split: "heldout" }], 4)).toThrow(/no evaluation mode/);
  });
});
