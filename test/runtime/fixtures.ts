/** Tiny experiments and text for runtime tests: fast on two cores, no builtin corpora. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { compile } from "../../src/compiler/index.js";
import type { Plan } from "../../src/plan/types.js";
import type { PoolExample } from "../../src/runtime/curriculum/sampler.js";
import { Rng } from "../../src/runtime/rng.js";
import type { CellData } from "../../src/runtime/training/trainer.js";

const SUBJECTS = ["the cat", "a dog", "the old man", "my sister", "the small bird", "a teacher", "the king", "our neighbour"];
const VERBS = ["sees", "likes", "finds", "helps", "follows", "paints", "remembers", "calls"];
const OBJECTS = ["the ball", "a red house", "the river", "an apple", "the quiet garden", "a long letter", "the market", "a yellow boat"];
const TAILS = ["", " in the morning", " because it was raining and nobody else could come", " after the long and difficult winter had finally ended"];

/** Generated sentences of graded length, one per line. */
export function sentences(n: number, seed = 1): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const pick = (xs: string[]) => xs[rng.int(xs.length)]!;
    lines.push(`${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}${pick(TAILS)}.`);
  }
  return lines.join("\n") + "\n";
}

/** A directory holding `corpus.txt` and `exp.cgx`. */
export function tinyExperiment(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cgx-run-"));
  writeFileSync(join(dir, "corpus.txt"), sentences(600));
  writeFileSync(
    join(dir, "exp.cgx"),
    `experiment tiny {
  seeds 1
  data {
    context 16
    source text = files("corpus.txt", unit: line)
    difficulty length
    heldout 10%
  }
  models { shape s(layers: 1, width: 16, heads: 2) }
  train {
    optimizer adamw(lr: 3e-3)
    batch 4
  }
  ${body}
}
`,
  );
  return dir;
}

/** In-memory pools of generated sentences (byte tokens, difficulty = length) for in-process runs. */
export function sentencePool(seed: number): PoolExample[] {
  return sentences(300, seed)
    .trim()
    .split("\n")
    .map((s) => ({ tokens: Array.from(Buffer.from(s)), difficulty: s.length, fields: { grade: s.length / 10, length: s.length, words: s.split(" ").length } }));
}

/** One source "text" of generated sentences, train and heldout, as the trainer takes it. */
export function sentenceData(): CellData {
  return { train: new Map([["text", sentencePool(1)]]), heldout: new Map([["text", sentencePool(2)]]), separator: 10 };
}

/**
 * A plan of one cell for in-process runs on sentenceData(): 2 layers of width 32 and 4 heads, steps
 * of 4 x 16 = 64 tokens, evals (and checkpoints) every 25%; `body` adds growth, pruning and the like.
 */
export function tinyPlan(body: string, budget = "budget steps 80"): Plan {
  const r = compile(`experiment g {
  data {
    context 16
    source text = files("c.txt")
  }
  models { shape s(layers: 2, width: 32, heads: 4) }
  train {
    batch 4
    optimizer adamw(lr: 3e-3)
  }
  ${budget}
  control shuffled
  evaluate every 25%
  ${body}
}
`);
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return r.plan!;
}
