import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanData, PlanMetric, PlanSource, PlanTokenizer } from "../../../src/plan/types.js";
import { DataError, loadExperimentData, type Example } from "../../../src/runtime/data/index.js";
import { compressionRatio } from "../../../src/runtime/data/metrics/compression.js";
import { UnigramModel } from "../../../src/runtime/data/metrics/rarity.js";
import { readability } from "../../../src/runtime/data/metrics/readability.js";
import { BpeTokenizer } from "../../../src/runtime/data/tokenizers/bpe.js";
import { trainBpe } from "../../../src/runtime/data/tokenizers/bpe-train.js";

let dir = "";
let n = 0;
/** A fresh cache folder per test, so no test sees another's entries. */
const freshCache = () => join(dir, `cache-${n++}`);

const STORY = [
  "The cat sat on the mat. The dog ran to the park! A bird sang in the tree.",
  "Photosynthesis converts electromagnetic radiation into chemical energy. Chlorophyll absorbs it.",
  "We went home. It was late. Mother made soup and bread for all of us.",
  "Notwithstanding considerable administrative complications, the legislature ratified the amendment.",
  "I like red apples. You like green pears. We both like plums.",
].join("\n\n");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cgx-load-"));
  writeFileSync(join(dir, "story.txt"), STORY);
  const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ body: `Item number ${i} is ${i % 2 ? "easy" : "somewhat more complicated"}.`, level: i % 7 }));
  writeFileSync(join(dir, "graded.jsonl"), rows.join("\n"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mine: PlanSource = { name: "mine", kind: "files", glob: "*.txt", format: "txt", text_field: null, fields: [], unit: "sentence" };
const graded: PlanSource = { name: "graded", kind: "files", glob: "*.jsonl", format: "jsonl", text_field: "body", fields: ["level"], unit: "document" };

function plan(difficulty: PlanMetric, sources: PlanSource[] = [mine, graded], tokenizer: PlanTokenizer = { kind: "bytes", vocab: 256 }, heldout = 0.2): PlanData {
  return { tokenizer, context: 64, heldout, difficulty, sources };
}

const all = (s: { train: readonly Example[]; heldout: readonly Example[] }) => [...s.train, ...s.heldout];

describe("loadExperimentData", () => {
  it("returns every source's examples, split, with grade, words, length and difficulty", async () => {
    const d = await loadExperimentData(plan({ kind: "flesch_kincaid" }), { cacheDir: freshCache(), cwd: dir });
    expect([...d.sources.keys()]).toEqual(["mine", "graded"]);
    const m = d.sources.get("mine")!;
    expect(all(m).length).toBe(12); // the sentences of STORY: 3 + 2 + 3 + 1 + 3
    expect(d.sources.get("graded")!.train.length + d.sources.get("graded")!.heldout.length).toBe(40);
    for (const e of all(m)) {
      const r = readability(e.text);
      expect(e).toMatchObject({ source: "mine", grade: r.grade, words: r.words, difficulty: r.grade, length: Buffer.byteLength(e.text) });
      expect(e.id).toMatch(/^mine:[0-9a-f]{16}$/);
    }
    const g = all(d.sources.get("graded")!);
    expect(g.every((e) => e.meta.level === Number(/number (\d+)/.exec(e.text)![1]) % 7)).toBe(true);
    expect(g[0]!.origin).toMatch(/^graded\.jsonl:\d+$/);
  });

  it("keeps heldout and train disjoint, and the split the same on every call", async () => {
    const a = await loadExperimentData(plan({ kind: "length" }), { cacheDir: freshCache(), cwd: dir });
    const b = await loadExperimentData(plan({ kind: "compression" }, [graded, mine], { kind: "bytes", vocab: 256 }), { cacheDir: freshCache(), cwd: dir });
    for (const name of ["mine", "graded"]) {
      const sa = a.sources.get(name)!;
      const sb = b.sources.get(name)!;
      const train = new Set(sa.train.map((e) => e.id));
      expect(sa.heldout.some((e) => train.has(e.id))).toBe(false);
      expect(sa.heldout.length).toBeGreaterThan(0);
      expect(sb.heldout.map((e) => e.id)).toEqual(sa.heldout.map((e) => e.id));
    }
  });

  it("scores each metric as documented", async () => {
    const d = await loadExperimentData(plan({ kind: "dale_chall" }), { cacheDir: freshCache(), cwd: dir });
    const every = [...d.sources.values()].flatMap(all);
    for (const e of every) expect(e.difficulty).toBe(readability(e.text).daleChall);
    const compression = d.score({ kind: "compression" });
    const mineTrain = d.sources.get("mine")!.train;
    mineTrain.forEach((e, i) => expect(compression.get("mine")!.train[i]).toBe(compressionRatio(e.text)));
    // rarity: unigram model over the TRAINING splits of all sources
    const model = UnigramModel.fit([...d.sources.values()].flatMap((s) => s.train.map((e) => e.text)));
    const rarity = d.score({ kind: "rarity" });
    d.sources.get("graded")!.heldout.forEach((e, i) => expect(rarity.get("graded")!.heldout[i]).toBeCloseTo(model.rarity(e.text), 12));
    const lengths = d.score({ kind: "length" });
    mineTrain.forEach((e, i) => expect(lengths.get("mine")!.train[i]).toBe(e.length));
  });

  it("uses a jsonl field as difficulty, and explains when a source lacks it", async () => {
    const d = await loadExperimentData(plan({ kind: "field", field: "level" }, [graded]), { cacheDir: freshCache(), cwd: dir });
    for (const e of all(d.sources.get("graded")!)) expect(e.difficulty).toBe(e.meta.level);
    const err = await loadExperimentData(plan({ kind: "field", field: "level" }), { cacheDir: freshCache(), cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/source "mine" has examples without it/);
  });

  it("reads scores back from the disk cache on a second call (atomically written)", async () => {
    const cacheDir = freshCache();
    const first = await loadExperimentData(plan({ kind: "flesch_kincaid" }), { cacheDir, cwd: dir });
    const files = readdirSync(join(cacheDir, "data", "readability"));
    expect(files.length).toBe(2);
    expect(readdirSync(join(cacheDir, "data"), { recursive: true }).some((f) => String(f).includes(".tmp"))).toBe(false);
    // Tamper with the cached grades: if the second call reads the cache, it sees the tampered values.
    for (const f of files) {
      const p = join(cacheDir, "data", "readability", f);
      const v = new Float64Array(new Uint8Array(readFileSync(p)).buffer);
      for (let i = 0; i < v.length; i += 3) v[i] = 42;
      writeFileSync(p, new Uint8Array(v.buffer));
    }
    const second = await loadExperimentData(plan({ kind: "flesch_kincaid" }), { cacheDir, cwd: dir });
    expect([...second.sources.values()].flatMap(all).every((e) => e.grade === 42 && e.difficulty === 42)).toBe(true);
    expect([...first.sources.values()].flatMap(all).some((e) => e.grade !== 42)).toBe(true);
  });

  it("trains bpe on the training split only, caches it, and round-trips", async () => {
    const cacheDir = freshCache();
    const spec: PlanTokenizer = { kind: "bpe", vocab: 300 };
    const d = await loadExperimentData(plan({ kind: "length" }, [mine, graded], spec), { cacheDir, cwd: dir });
    const tok = d.tokenizer as BpeTokenizer;
    expect(tok.kind).toBe("bpe");
    expect(tok.vocabSize).toBe(300);
    const trainTexts = [...d.sources.values()].flatMap((s) => s.train.map((e) => e.text));
    expect(tok.merges).toEqual(trainBpe(trainTexts, 300));
    for (const e of [...d.sources.values()].flatMap(all)) {
      expect(tok.decode(tok.encode(e.text))).toBe(e.text);
      expect(e.length).toBe(tok.encode(e.text).length);
      expect(e.difficulty).toBe(e.length);
    }
    const again = await loadExperimentData(plan({ kind: "length" }, [graded, mine], spec), { cacheDir, cwd: dir });
    expect(again.tokenizer.id).toBe(tok.id);
    expect(readdirSync(join(cacheDir, "data", "bpe")).length).toBe(1);
  });

  it("loads a builtin corpus next to user files", async () => {
    const kids: PlanSource = { name: "kids", kind: "builtin", corpus: "gutenberg.children" };
    const d = await loadExperimentData(plan({ kind: "flesch_kincaid" }, [kids, mine], { kind: "bytes", vocab: 256 }, 0.05), { cacheDir: freshCache(), cwd: dir });
    const k = d.sources.get("kids")!;
    const share = k.heldout.length / (k.train.length + k.heldout.length);
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
    expect(new Set(all(k).map((e) => e.id)).size).toBe(all(k).length);
  });

  it("rejects unknown synthetic tasks with a clear error", async () => {
    const synth: PlanSource = { name: "facts", kind: "synthetic", task: "fax", params: { hops: { min: 1, max: 2 } } };
    const e1 = await loadExperimentData(plan({ kind: "length" }, [mine, synth]), { cacheDir: freshCache(), cwd: dir }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DataError);
    expect((e1 as DataError).message).toBe('unknown synthetic task "fax" in source "facts"');
  });

  it("rejects a bpe vocabulary with no room for merges", async () => {
    const e = await loadExperimentData(plan({ kind: "length" }, [mine], { kind: "bpe", vocab: 256 }), { cacheDir: freshCache(), cwd: dir }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe("bpe(vocab: 256) leaves no room for merges");
  });

  it("names a source whose files hold no text", async () => {
    writeFileSync(join(dir, "empty.md"), "\n\n  \n");
    const empty: PlanSource = { name: "blank", kind: "files", glob: "*.md", format: "txt", text_field: null, fields: [], unit: "document" };
    const e = await loadExperimentData(plan({ kind: "length" }, [empty]), { cacheDir: freshCache(), cwd: dir }).catch((x: unknown) => x);
    expect((e as DataError).message).toBe('source "blank" has no examples: its files ("*.md") hold no text');
  });
});
