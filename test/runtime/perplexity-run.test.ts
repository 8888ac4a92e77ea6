import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sentences, tinyExperiment } from "./fixtures.js";
import { allMetrics, cgx, runDirIn } from "./processes.js";

/** The tiny experiment with perplexity as its difficulty, a second source, a paced curriculum and a hardest-first control. */
function perplexityExperiment(): string {
  const dir = tinyExperiment(`budget steps 40
  curriculum paced {
    pace difficulty from 20% to max over 50% using linear
    mix text 70%, extra 30% where difficulty <= 9
  }
  control anti
  evaluate every 50% {
    loss on heldout by source, by difficulty_bucket(3)
  }`);
  writeFileSync(join(dir, "extra.txt"), sentences(200, 7));
  const exp = join(dir, "exp.cgx");
  writeFileSync(
    exp,
    readFileSync(exp, "utf8").replace(
      "    difficulty length\n",
      '    source extra = files("extra.txt", unit: line)\n    difficulty perplexity(ref: 2k, tokens: 20k tok, on: text)\n',
    ),
  );
  return dir;
}

interface TrainLine {
  readonly kind: string;
  readonly step: number;
  readonly difficulty: number;
  readonly by_bucket?: { lo: number; hi: number; loss: number }[];
}

function records(runs: string, curriculum: string): TrainLine[] {
  const run = runDirIn(runs);
  const lock = JSON.parse(readFileSync(join(run, "plan.lock.json"), "utf8")) as { plan: { cells: { id: string; curriculum: { name: string } }[] } };
  const cell = lock.plan.cells.find((c) => c.curriculum.name === curriculum)!;
  return readFileSync(join(run, "cells", cell.id, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as TrainLine);
}

const meanDifficulty = (xs: TrainLine[]) => xs.reduce((a, r) => a + r.difficulty, 0) / xs.length;

describe("cgx run with difficulty perplexity(...)", () => {
  it("trains the reference model once, then paces, orders, filters and buckets by its scores; a second run reuses them", () => {
    const dir = perplexityExperiment();
    const first = cgx(dir, "run", "exp.cgx", "--runs", "one", "--cache", "cache", "--jobs", "1", "--no-report");
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/perplexity: training the reference model \([\d,]+ parameters, 1 x 16\) on 19,968 tokens of text, on \S+/);
    expect(first.stderr).toMatch(/perplexity: scored [\d,]+ examples of text, extra in/);
    expect(first.stderr).toContain("2 done");

    const paced = records(join(dir, "one"), "paced").filter((r) => r.kind === "train");
    const anti = records(join(dir, "one"), "anti").filter((r) => r.kind === "train");
    expect(paced).toHaveLength(40);
    // The ceiling starts at the easiest 20% by perplexity and rises to the hardest by step 20.
    expect(meanDifficulty(paced.slice(0, 8))).toBeLessThan(meanDifficulty(paced.slice(20)));
    // Hardest first: the control starts on harder examples than the pace does.
    expect(meanDifficulty(anti.slice(0, 8))).toBeGreaterThan(meanDifficulty(paced.slice(0, 8)));
    // Difficulty buckets of the heldout loss are ranges of perplexity scores (nats per byte).
    const ev = records(join(dir, "one"), "paced").filter((r) => r.kind === "eval");
    expect(ev.at(-1)!.by_bucket).toHaveLength(3);
    for (const b of ev.at(-1)!.by_bucket!) {
      expect(b.lo).toBeGreaterThan(0);
      expect(b.hi).toBeLessThan(9);
    }

    // Same cache, new run directory: nothing about the reference is trained or scored again, and
    // the cells train exactly as before.
    const second = cgx(dir, "run", "exp.cgx", "--runs", "two", "--cache", "cache", "--jobs", "1", "--no-report");
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).not.toContain("perplexity:");
    expect(allMetrics(join(dir, "two"))).toBe(allMetrics(join(dir, "one")));
  }, 120_000);
});
