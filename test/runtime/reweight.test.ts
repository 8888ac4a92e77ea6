/**
 * `reweight by loss(...)`: the rule moves weight towards the source with the highest excess loss
 * and keeps the floor; in a real run the weights move that way; and a run killed mid-cell resumes
 * to exactly the weights (and every other metric) of an uninterrupted run.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PlanReweight } from "../../src/plan/types.js";
import { initialReweight, reweightUpdate } from "../../src/runtime/curriculum/reweight.js";
import { Rng } from "../../src/runtime/rng.js";
import { sentences } from "./fixtures.js";
import { allMetrics, BIN, cellIds, checkpointCount, runDirIn, waitFor } from "./processes.js";

const spec = (over: Partial<PlanReweight> = {}): PlanReweight => ({ rule: "loss", every: 100 as PlanReweight["every"], rate: 1, floor: 0.01, on: "heldout", against: "initial", samples: 16, ...over });

describe("the reweighting rule", () => {
  it("moves weight towards the source with the highest excess loss, and never below the floor", () => {
    const s = spec({ floor: 0.05, rate: 4 });
    let state = initialReweight(0, [0.5, 0.3, 0.2]);
    // The first update sets the reference: every excess is 1, so only the floor mixes in.
    let u = reweightUpdate(s, state, [5, 4, 3]);
    expect(u.excess).toEqual([1, 1, 1]);
    // (1 - 3 x 5%) x declared + 5%
    expect(u.weights.map((w) => +w.toFixed(9))).toEqual([0.475, 0.305, 0.22]);
    state = u.state;
    // Source 2 has kept most of its loss (0.9 of it): it gains, source 0 (0.4 of it) loses.
    for (let i = 0; i < 20; i++) {
      const before = u.weights;
      u = reweightUpdate(s, state, [2, 2.8, 2.7]);
      state = u.state;
      expect(u.weights[2]!).toBeGreaterThan(before[2]!);
      expect(u.weights[0]!).toBeLessThanOrEqual(before[0]!);
      for (const w of u.weights) expect(w).toBeGreaterThanOrEqual(0.05 - 1e-12);
      expect(u.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(u.weights[0]).toBeCloseTo(0.05, 6);
  });

  it("against none, the excess is the loss itself; equal losses leave the weights alone", () => {
    const s = spec({ against: "none", floor: 0 });
    const first = reweightUpdate(s, initialReweight(0, [0.25, 0.75]), [3, 3]);
    expect(first.weights[0]).toBeCloseTo(0.25, 12);
    const next = reweightUpdate(s, first.state, [3.5, 3]);
    expect(next.excess).toEqual([3.5, 3]);
    // log-odds move by rate x (3.5 - 3) = 0.5
    expect(Math.log(next.weights[0]! / next.weights[1]!)).toBeCloseTo(Math.log(0.25 / 0.75) + 0.5, 10);
  });
});

const ADAPTIVE_STAGE = `curriculum adaptive {
    stage all { mix pattern 50%, noise 50%; reweight by loss(every: 10%, rate: 2, floor: 5%, samples: 16) }
  }`;

/**
 * A directory with a learnable source (generated sentences) and an unlearnable one (random
 * letters); `curriculum` is the curriculum that mixes them.
 */
function experimentDir(curriculum = ADAPTIVE_STAGE): string {
  const dir = mkdtempSync(join(tmpdir(), "cgx-reweight-"));
  writeFileSync(join(dir, "pattern.txt"), sentences(400));
  const rng = new Rng(7);
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const noise = Array.from({ length: 400 }, () => Array.from({ length: 24 }, () => letters[rng.int(26)]).join("")).join("\n");
  writeFileSync(join(dir, "noise.txt"), noise + "\n");
  writeFileSync(
    join(dir, "exp.cgx"),
    `experiment tiny {
  seeds 1
  data {
    context 16
    source pattern = files("pattern.txt", unit: line)
    source noise = files("noise.txt", unit: line)
    difficulty length
    heldout 10%
  }
  ${curriculum}
  models { shape s(layers: 1, width: 16, heads: 2) }
  train {
    optimizer adamw(lr: 1e-2)
    batch 4
  }
  budget steps 200
  evaluate every 25%
}
`,
  );
  return dir;
}

interface ReweightRecord {
  kind: "reweight";
  step: number;
  excess: Record<string, number>;
  weights: Record<string, number>;
}

describe("a reweighted run", () => {
  it("moves the weights towards the source with the highest excess loss, and resumes to identical weights after SIGKILL", async () => {
    const dir = experimentDir();
    const whole = spawnSync("node", [BIN, "run", "exp.cgx", "--runs", "whole", "--no-report", "--jobs", "1"], { cwd: dir, encoding: "utf8" });
    expect(whole.status, whole.stderr).toBe(0);
    const reference = allMetrics(join(dir, "whole"));
    const updates = reference
      .split("\n")
      .filter((l) => l.startsWith('{"kind":"reweight"'))
      .map((l) => JSON.parse(l) as ReweightRecord);
    // every 10% of 200 steps: at steps 0, 20, ..., 180
    expect(updates.map((u) => u.step)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    // The repeated sentence is learnt, the random letters cannot be: noise keeps more of its
    // initial loss at every update after the first, so its weight rises every time.
    for (let i = 1; i < updates.length; i++) {
      expect(updates[i]!.excess["noise"]!).toBeGreaterThan(updates[i]!.excess["pattern"]!);
      expect(updates[i]!.weights["noise"]!).toBeGreaterThan(updates[i - 1]!.weights["noise"]!);
    }
    expect(updates.at(-1)!.weights["noise"]!).toBeGreaterThan(0.7);
    expect(updates.at(-1)!.weights["pattern"]!).toBeGreaterThanOrEqual(0.05);

    // The report shows the weights: a table of declared -> final, and the plot.
    const report = spawnSync("node", [BIN, "report", join(dir, "whole", "tiny")], { cwd: dir, encoding: "utf8" });
    expect(report.status, report.stderr).toBe(0);
    const md = readFileSync(join(runDirIn(join(dir, "whole")), "report.md"), "utf8");
    const final = updates.at(-1)!.weights;
    expect(md).toContain("## Mixture reweighting");
    expect(md).toContain(`| 50.0% → ${(100 * final["noise"]!).toFixed(1)}% | 50.0% → ${(100 * final["pattern"]!).toFixed(1)}% |`);
    expect(readFileSync(join(runDirIn(join(dir, "whole")), "report.html"), "utf8")).toContain('id="plot-reweight"');

    // Killed once the first checkpoint is on disk, mid-cell, then run again: identical metrics.
    const runs = join(dir, "killed");
    const child = spawn("node", [BIN, "run", "exp.cgx", "--runs", "killed", "--no-report", "--jobs", "1"], { cwd: dir, stdio: "ignore" });
    await waitFor("the first checkpoint", () => {
      try {
        const [id] = cellIds(runs);
        return id !== undefined && checkpointCount(runs, id) >= 1;
      } catch {
        return false;
      }
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    expect(allMetrics(runs)).not.toBe(reference);
    const resumed = spawnSync("node", [BIN, "run", "exp.cgx", "--runs", "killed", "--no-report", "--jobs", "1"], { cwd: dir, encoding: "utf8" });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(allMetrics(runs)).toBe(reference);
  }, 240_000);
});

describe("a reweighted pace", () => {
  it("moves the weights of the mix beside a pace, drawing under its ceiling", () => {
    const dir = experimentDir(`curriculum adaptive {
    pace difficulty from p20 to max over 50% using linear
    mix pattern 50%, noise 50%
    reweight by loss(every: 20%, rate: 2, floor: 5%, on: train, samples: 16)
  }`);
    const run = spawnSync("node", [BIN, "run", "exp.cgx", "--runs", "runs", "--no-report", "--jobs", "1"], { cwd: dir, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const updates = allMetrics(join(dir, "runs"))
      .split("\n")
      .filter((l) => l.startsWith('{"kind":"reweight"'))
      .map((l) => JSON.parse(l) as ReweightRecord & { stage: string | null; on: string });
    expect(updates.map((u) => u.step)).toEqual([0, 40, 80, 120, 160]);
    expect(updates.every((u) => u.stage === null && u.on === "train")).toBe(true);
    for (let i = 1; i < updates.length; i++) expect(updates[i]!.weights["noise"]!).toBeGreaterThan(updates[i - 1]!.weights["noise"]!);
    expect(updates.at(-1)!.weights["noise"]!).toBeGreaterThan(0.6);
  }, 120_000);
});
