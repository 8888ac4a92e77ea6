import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../../src/compiler/index.js";
import type { PlanData, PlanPerplexity } from "../../../src/plan/types.js";
import { DataError, loadBuiltin, loadExperimentData, type Example } from "../../../src/runtime/data/index.js";
import { referenceTexts } from "../../../src/runtime/data/metrics/perplexity.js";
import { sentences } from "../fixtures.js";

let dir = "";

/** Plain sentences to train the reference on, and State of the Union passages it never sees. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cgx-ppl-"));
  // Every 5th of the simple sentences (~3,900, from every corpus) and every 100th address passage (~220).
  const simple = loadBuiltin("simple.sentences").filter((_, i) => i % 5 === 0);
  const sotu = loadBuiltin("sotu").filter((_, i) => i % 100 === 0);
  writeFileSync(join(dir, "simple.txt"), simple.map((d) => d.text).join("\n") + "\n");
  writeFileSync(join(dir, "sotu.txt"), sotu.map((d) => d.text).join("\n") + "\n");
  writeFileSync(join(dir, "small.txt"), sentences(200));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The data section of an experiment with these sources and difficulty, as the compiler resolves it. */
function dataOf(sources: string, difficulty: string, context = 64): PlanData {
  const r = compile(`experiment t {
  data {
    context ${context}
    heldout 20%
    ${sources}
    difficulty ${difficulty}
  }
  models { shape s(layers: 1, width: 16, heads: 2) }
  budget steps 10
  control shuffled
}
`);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return r.plan!.data;
}

const mean = (xs: readonly Example[]) => xs.reduce((a, e) => a + e.difficulty, 0) / xs.length;

/** Every file of the cache with its modification time. */
function cacheFiles(cacheDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const kind of ["reference", "perplexity"]) {
    const d = join(cacheDir, "data", kind);
    for (const f of readdirSync(d)) out.set(join(kind, f), statSync(join(d, f)).mtimeMs);
  }
  return out;
}

describe("difficulty perplexity(...)", () => {
  it("ranks held-out simple sentences below State of the Union text it never trained on, and a second load reuses the cache", async () => {
    const data = dataOf('source simple = files("simple.txt", unit: line)\n    source sotu = files("sotu.txt", unit: line)', "perplexity(ref: 30k, tokens: 150k tok, on: simple)");
    const cacheDir = join(dir, "cache-rank");
    const log: string[] = [];
    const first = await loadExperimentData(data, { cacheDir, cwd: dir, log: (l) => log.push(l) });
    expect(log[0]).toMatch(/^perplexity: training the reference model \(28,368 parameters, 1 x 48\) on 149,504 tokens of simple, on \S+$/);
    expect(log[1]).toMatch(/^perplexity: reference model trained in [\d.]+ s, final loss [\d.]+ nats per token$/);
    expect(log[2]).toMatch(/^perplexity: scored [\d,]+ examples of simple, sotu in [\d.]+ s$/);
    const simple = first.sources.get("simple")!;
    const sotu = first.sources.get("sotu")!;
    expect(simple.heldout.length).toBeGreaterThan(400);
    expect(sotu.heldout.length).toBeGreaterThan(10);
    // Mean NLL per byte, in nats: well below uniform (ln 256 = 5.55), easy text below hard text.
    const easy = mean(simple.heldout);
    const hard = mean(sotu.heldout);
    expect(easy).toBeLessThan(3.5);
    expect(easy).toBeLessThan(hard - 0.1);
    expect(mean(sotu.train)).toBeGreaterThan(easy);
    // Every example is scored, finite and positive.
    for (const e of [...simple.train, ...simple.heldout, ...sotu.train, ...sotu.heldout]) expect(e.difficulty).toBeGreaterThan(0);

    const files = cacheFiles(cacheDir);
    expect([...files.keys()].filter((f) => f.startsWith("reference/"))).toHaveLength(1);
    expect([...files.keys()].filter((f) => f.startsWith("perplexity/"))).toHaveLength(2);
    const again: string[] = [];
    const second = await loadExperimentData(data, { cacheDir, cwd: dir, log: (l) => again.push(l) });
    expect(again).toEqual([]);
    expect(cacheFiles(cacheDir)).toEqual(files);
    expect(second.sources.get("sotu")!.heldout.map((e) => e.difficulty)).toEqual(sotu.heldout.map((e) => e.difficulty));
    // score() of the same metric gives the same numbers; the train examples' scores line up.
    expect([...second.score(data.difficulty).get("simple")!.train]).toEqual(simple.train.map((e) => e.difficulty));
  }, 120_000);

  it("is deterministic under its seed: a fresh cache gives the same scores, another seed others", async () => {
    const src = 'source small = files("small.txt", unit: line)';
    const scores = async (seed: number, cache: string) => {
      const d = await loadExperimentData(dataOf(src, `perplexity(ref: 2k, tokens: 10k tok, seed: ${seed})`, 16), { cacheDir: join(dir, cache), cwd: dir });
      return d.sources.get("small")!.train.map((e) => e.difficulty);
    };
    const a = await scores(1, "det-a");
    expect(await scores(1, "det-b")).toEqual(a);
    expect(await scores(2, "det-c")).not.toEqual(a);
  }, 60_000);

  it("trains on the training split of its sources only, never on heldout text", () => {
    const spec = { on: ["a"] } as unknown as PlanPerplexity;
    const sources = [
      { name: "a", texts: ["t1", "h1", "t2"], heldout: [false, true, false], contentHash: "", trainHash: "" },
      { name: "b", texts: ["t3"], heldout: [false], contentHash: "", trainHash: "" },
    ];
    expect([...referenceTexts(spec, sources)]).toEqual([["a", ["t1", "t2"]]]);
    const bad = (() => {
      try {
        referenceTexts({ on: ["zz"] } as unknown as PlanPerplexity, sources);
      } catch (e) {
        return e;
      }
    })();
    expect(bad).toBeInstanceOf(DataError);
    expect((bad as DataError).message).toBe("difficulty perplexity(...) trains on source `zz`, which the plan does not declare");
  });
});
