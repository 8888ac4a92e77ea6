import type * as TF from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { shapeOf } from "../../../src/compiler/shapes.js";
import { loadBackend, type Tf } from "../../../src/runtime/backend.js";
import { renderItems, splitItems, sourceItems, type SyntheticSource } from "../../../src/runtime/data/synthetic/index.js";
import { bytesTokenizer } from "../../../src/runtime/data/tokenizers/bytes.js";
import type { Tokenizer } from "../../../src/runtime/data/tokenizers/types.js";
import { Gpt } from "../../../src/runtime/model/model.js";
import { Optimizer } from "../../../src/runtime/training/optimizer.js";
import { initParams } from "../../../src/runtime/model/params.js";
import { Rng } from "../../../src/runtime/rng.js";
import { canStillMatch, evaluateTasks, greedyDecode, normalizeAnswer, SLACK, type EvalItem, type LogitsModel } from "../../../src/runtime/eval/tasks.js";

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend("wasm")).tf;
});

/**
 * A model whose logits we control: at every position it reads only the tokens the decoder gave it
 * (the window), and puts all its mass on `next(window)`. Positions past a row's end (padding) read
 * zeros; a decoder that took its logits there would get garbage.
 */
function controlled(context: number, next: (window: readonly number[]) => number): LogitsModel {
  return {
    tf,
    dims: { context, vocab: 256 },
    logits(inputs: TF.Tensor2D): TF.Tensor2D {
      const [B, T] = inputs.shape;
      const rows = inputs.arraySync();
      const out = new Float32Array(B * T * 256);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[(b * T + t) * 256 + next(rows[b]!.slice(0, t + 1))] = 1;
      return tf.tensor2d(out, [B * T, 256]);
    },
  };
}

/** Continues whichever string holds the window (as UTF-8 bytes); a NUL byte (never a stop) when none does. */
function oracle(fulls: readonly string[]): (window: readonly number[]) => number {
  const bufs = fulls.map((f) => Buffer.from(f, "utf8"));
  return (w) => {
    const needle = Buffer.from(w);
    for (const f of bufs) {
      const i = f.indexOf(needle);
      if (i >= 0 && i + needle.length < f.length) return f[i + needle.length]!;
    }
    return 0;
  };
}

/** Prompts of very different lengths, some longer than the context; unique in their last 30 characters. */
function toyItems(n: number): EvalItem[] {
  const rng = new Rng(3);
  return Array.from({ length: n }, (_, i) => {
    const a = rng.int(90) + 10;
    const b = rng.int(90) + 10;
    const filler = "once upon a time ".repeat(rng.int(8));
    return { task: i % 4 === 3 ? "other.answer" : "toy.answer", prompt: `${filler}Item ${i}: what is ${a} plus ${b}? A:`, answer: String(a + b), level: (i % 3) + 1 };
  });
}

const full = (it: EvalItem, answer = it.answer) => `\n${it.prompt} ${answer}.\n`;

describe("task evaluation by greedy decoding", () => {
  it("scores a model that knows every answer 100%, per task and level, through padding, batching and a sliding window", () => {
    const items = toyItems(40);
    expect(Math.max(...items.map((i) => i.prompt.length))).toBeGreaterThan(48);
    const model = controlled(48, oracle(items.map((i) => full(i))));
    for (const batch of [1, 7, 32]) {
      const r = evaluateTasks(model, bytesTokenizer, items, { batch, prefix: [10] });
      expect(Object.keys(r)).toEqual(["toy.answer", "other.answer"]);
      expect(r["toy.answer"]!.accuracy).toBe(1);
      expect(r["toy.answer"]!.n).toBe(30);
      expect(r["other.answer"]).toEqual({ accuracy: 1, n: 10, by_level: expect.any(Object) });
      expect(Object.keys(r["toy.answer"]!.by_level)).toEqual(["1", "2", "3"]);
    }
  });

  it("scores exactly the items a model gets right, per level", () => {
    const items = toyItems(30).map((i) => ({ ...i, task: "toy.answer" }));
    // Wrong on every level-2 item (one more than the answer).
    const model = controlled(64, oracle(items.map((i) => (i.level === 2 ? full(i, String(Number(i.answer) + 1)) : full(i)))));
    const seen: string[] = [];
    const r = evaluateTasks(model, bytesTokenizer, items, { batch: 8, prefix: [10], onItem: (it, out) => seen.push(`${it.answer}|${out}`) });
    expect(r["toy.answer"]!.by_level).toEqual({ "1": { accuracy: 1, n: 10 }, "2": { accuracy: 0, n: 10 }, "3": { accuracy: 1, n: 10 } });
    expect(r["toy.answer"]!.accuracy).toBeCloseTo(2 / 3, 10);
    expect(seen).toHaveLength(30);
    // Deterministic.
    expect(evaluateTasks(model, bytesTokenizer, items, { batch: 3, prefix: [10] })).toEqual(r);
  });

  it("stops at a newline or period, or after maxTokens, and compares normalised answers", () => {
    const prompts = ["Q: a? A:", "Q: b? A:", "Q: c? A:"];
    const fulls = ["Q: a? A:  Brasília\nmore", "Q: b? A: fish ,moo. more", "Q: c? A: " + "x".repeat(40)];
    const model = controlled(64, oracle(fulls));
    const out = greedyDecode(model, bytesTokenizer, prompts, { maxTokens: 16 });
    expect(out).toEqual(["  Brasília", " fish ,moo", " " + "x".repeat(15)]);
    expect(normalizeAnswer(out[0]!)).toBe(normalizeAnswer("brasília"));
    expect(normalizeAnswer(out[1]!)).toBe(normalizeAnswer("fish, moo"));
    expect(normalizeAnswer('"Lima."')).toBe("lima");
    expect(normalizeAnswer("Lima")).not.toBe(normalizeAnswer("Lim"));
    expect(normalizeAnswer(": Lima")).not.toBe("lima");
  });

  it("stops a row as soon as it can no longer match its answer", () => {
    let calls = 0;
    const colons = controlled(64, () => 58); // ":" forever
    const spaces = controlled(64, () => 32); // " " forever
    const counting = (m: LogitsModel): LogitsModel => ({ ...m, logits: (x) => (calls++, m.logits(x)) });
    expect(greedyDecode(counting(colons), bytesTokenizer, ["Q: x? A:"], { answers: ["42"] })).toEqual([":"]);
    expect(calls).toBe(1);
    calls = 0;
    const out = greedyDecode(counting(spaces), bytesTokenizer, ["Q: x? A:"], { answers: ["42"] });
    expect(out[0]).toBe(" ".repeat(2 + SLACK + 1));
    expect(calls).toBe(2 + SLACK + 1);
    // Without answers, every row runs to maxTokens.
    calls = 0;
    greedyDecode(counting(colons), bytesTokenizer, ["Q: x? A:"], { maxTokens: 5 });
    expect(calls).toBe(5);
    // Pruning never drops a row that could still be right: partial UTF-8, trailing punctuation.
    expect(canStillMatch(" Bras\uFFFD", "brasília")).toBe(true);
    expect(canStillMatch(" Brasí", "brasília")).toBe(true);
    expect(canStillMatch(" fish ,", "fish, moo")).toBe(true);
    expect(canStillMatch(" fish mo", "fish, moo")).toBe(false);
    expect(canStillMatch(" Lx", "lima")).toBe(false);
  });

  it("never stops a row whose continuation would be scored right (every byte prefix of right answers)", () => {
    const facts = sourceItems("facts", { hops: { min: 1, max: 1 }, entities: 50 }, 3000).map((i) => i.answer);
    const lists = ["fish, moo", "bones, woof, kennel"];
    const answers = [...new Set([...facts, ...lists, "Brasília", "São Tomé", "N'Djamena", "42"])];
    let checked = 0;
    for (const a of answers) {
      const variants = [` ${a}.`, ` ${a.toUpperCase()}.\n`, `  "${a}".`, ` ${a.replace(/, /g, " ,")}\n`, ` ${a.normalize("NFD")}.`];
      for (const v of variants) {
        const bytes = [...Buffer.from(v, "utf8")];
        const stopAt = bytes.findIndex((b) => b === 10 || b === 46);
        const target = normalizeAnswer(a);
        expect(normalizeAnswer(bytesTokenizer.decode(bytes.slice(0, stopAt)))).toBe(target);
        for (let k = 1; k < stopAt; k++) {
          expect(canStillMatch(bytesTokenizer.decode(bytes.slice(0, k)), target), `${JSON.stringify(v)} at ${k}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10000);
  });

  it("end to end: a tiny Gpt trained 250 steps on synthetic.sentences(words: 3..3) gets the training sentences' cloze right", () => {
    // A word-level tokenizer (test only) so that a one-layer model learns the task in a few seconds.
    const src: SyntheticSource = { name: "s", kind: "synthetic", task: "sentences", params: { words: { min: 3, max: 3 }, entities: 20 } };
    const docs = sourceItems(src.task, src.params);
    const words = (t: string) => t.match(/\n|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? [];
    const vocab = ["<unk>", "\n", ...new Set(docs.flatMap((d) => words(d.text)))];
    const ids = new Map(vocab.map((w, i) => [w, i]));
    const tok: Tokenizer = { kind: "bytes", id: "test-words", vocabSize: vocab.length, encode: (t) => words(t).map((w) => ids.get(w) ?? 0), decode: (xs) => xs.map((x) => vocab[x] ?? "<unk>").join(" "), count: (t) => words(t).length };

    const T = 16;
    const B = 16;
    const shape = shapeOf(1, 32, 4, 4, vocab.length, T);
    const model = new Gpt(tf, shape, initParams(shape, 1, 1));
    const train = splitItems(src, "train", 1e9, 0.1);
    const items = renderItems(train, "s.cloze on train", "cloze");
    const before = evaluateTasks(model, tok, items, { prefix: [1] })["s.cloze on train"]!.accuracy;

    const opt = new Optimizer(tf, { kind: "adamw", lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, momentum: 0 });
    const seqs = train.map((d) => tok.encode(d.text));
    const rng = new Rng(5);
    const vars = [...model.vars.values()];
    for (let s = 0; s < 250; s++) {
      const x = new Int32Array(B * T);
      const y = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        const seq: number[] = [];
        while (seq.length < T + 1) seq.push(1, ...seqs[rng.int(seqs.length)]!);
        for (let t = 0; t < T; t++) (x[b * T + t] = seq[t]!), (y[b * T + t] = seq[t + 1]!);
      }
      tf.tidy(() => {
        const { grads } = model.grads(() => model.loss(tf.tensor2d(x, [B, T], "int32"), tf.tensor1d(y, "int32")));
        opt.apply(model.vars, grads, 1e-2, 1, new Map(), new Set());
      });
    }
    const after = evaluateTasks(model, tok, items, { prefix: [1] })["s.cloze on train"]!;
    model.dispose();
    opt.dispose();
    expect(before).toBeLessThan(0.2);
    expect(after.n).toBe(items.length);
    expect(after.accuracy).toBeGreaterThan(0.8);
  });
});
