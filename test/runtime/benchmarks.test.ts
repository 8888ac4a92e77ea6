/**
 * Multiple-choice benchmarks trained for real: a tiny model learns which sound each animal makes
 * from a `files(...)` source the test writes, and is scored on a quiz in ARC's layout (nested
 * choices with letter labels and an answer key). Every ordered pair of animals is one item (the
 * right sound against another animal's), so a model that ignores the context is right on exactly
 * half: trained, its accuracy must be above chance with its Wilson interval excluding chance; fresh,
 * at chance within its interval. Half the questions open with a preamble longer than the model's
 * context, so left truncation is exercised. Then every choice's log-likelihood is recomputed by the
 * project's PyTorch reference model (scripts/score-choices.py) from the checkpoint's weights.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRun } from "../../src/analysis/rundir.js";
import { buildReport } from "../../src/analysis/report/index.js";
import { wilsonInterval } from "../../src/analysis/stats.js";
import { compile } from "../../src/compiler/index.js";
import type { Cell, Plan } from "../../src/plan/types.js";
import { loadBackend, type LoadedBackend } from "../../src/runtime/backend.js";
import { experimentDataProvider } from "../../src/runtime/curriculum/provider.js";
import { DataError } from "../../src/runtime/data/index.js";
import { resultsTable } from "../../src/analysis/table.js";
import { withBenchmarks, type LoadedBenchmark } from "../../src/runtime/eval/benchmark-data.js";
import { choiceLogLikelihoods, scoreChoices } from "../../src/runtime/eval/choices.js";
import { Gpt } from "../../src/runtime/model/model.js";
import { initParams } from "../../src/runtime/model/params.js";
import { runPlan } from "../../src/runtime/running/executor.js";
import { cellPaths } from "../../src/runtime/running/rundir.js";
import { listCheckpoints, loadCheckpoint } from "../../src/runtime/training/checkpoint.js";
import { stepDir } from "../../src/store/checkpoint-format.js";
import { ROOT } from "../helpers.js";

const ANIMALS: [string, string][] = [
  ["cat", "meow"],
  ["dog", "woof"],
  ["cow", "moo"],
  ["duck", "quack"],
  ["pig", "oink"],
  ["sheep", "baa"],
  ["horse", "neigh"],
  ["owl", "hoot"],
];
const OPENERS = ["", "look, ", "today ", "at noon ", "in the barn ", "every day ", "they say ", "and then ", "once more ", "again ", "quietly ", "loudly ", "at night ", "still ", "so ", "yes, "];
const PREAMBLE = "here is one more question from the long quiz about farm animals and their sounds: ";
const CONTEXT = 32;

function quiz(): string {
  const lines: string[] = [];
  ANIMALS.forEach(([animal, sound], i) =>
    ANIMALS.forEach(([, other], j) => {
      if (i === j) return;
      const goldFirst = (i + j) % 2 === 0;
      lines.push(
        JSON.stringify({
          id: `${animal}-${j}`,
          question: `${(i + j) % 4 < 2 ? PREAMBLE : ""}the ${animal} says`,
          choices: { text: goldFirst ? [sound, other] : [other, sound], label: ["A", "B"] },
          answerKey: goldFirst ? "A" : "B",
        }),
      );
    }),
  );
  return lines.join("\n") + "\n";
}

const EXPERIMENT = `experiment quiz {
  seeds 1
  data {
    context ${CONTEXT}
    source farm = files("farm.txt", unit: line)
    difficulty length
    heldout 10%
  }
  control shuffled
  models { shape s(layers: 1, width: 32, heads: 2) }
  budget steps 800
  train {
    optimizer adamw(lr: 1e-2)
    batch 16
  }
  evaluate every 50% {
    benchmark quiz = choices("quiz.jsonl", context: "question", choices: "choices.text", labels: "choices.label", gold: "answerKey")
  }
}
`;

interface EvalLine {
  readonly kind: string;
  readonly step: number;
  readonly benchmarks?: Record<string, { accuracy: number; acc_norm: number; acc_tok: number; n: number; chance: number; sha256: string }>;
}

describe("multiple-choice benchmarks, trained", () => {
  let dir: string;
  let plan: Plan;
  let cell: Cell;
  let backend: LoadedBackend;
  let bench: LoadedBenchmark;
  let evals: EvalLine[];
  let runDir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cgx-bench-"));
    writeFileSync(join(dir, "farm.txt"), ANIMALS.flatMap(([a, s]) => OPENERS.map((o) => `${o}the ${a} says ${s}.`)).join("\n") + "\n");
    writeFileSync(join(dir, "quiz.jsonl"), quiz());
    const r = compile(EXPERIMENT);
    expect(r.diagnostics).toEqual([]);
    plan = r.plan!;
    cell = plan.cells[0]!;
    const provider = withBenchmarks(experimentDataProvider(plan, { cacheDir: join(tmpdir(), "cgx-test-cache"), cwd: dir, log: () => {} }), plan, { cacheDir: join(tmpdir(), "cgx-test-cache"), cwd: dir });
    bench = (await provider(cell)).benchmarks![0]!;
    backend = await loadBackend("wasm");
    const run = await runPlan(plan, { root: mkdtempSync(join(tmpdir(), "cgx-bench-run-")), backend, data: provider });
    expect([...run.results.values()]).toEqual(["done"]);
    runDir = run.runDir;
    evals = readFileSync(cellPaths(runDir, cell.id).metrics, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as EvalLine)
      .filter((l) => l.kind === "eval");
  }, 300_000);

  it("scores the benchmark at every eval point, with the file's hash and the chance level", () => {
    expect(evals.map((e) => e.step)).toEqual([400, 800]);
    const sha = createHash("sha256").update(readFileSync(join(dir, "quiz.jsonl"))).digest("hex");
    for (const e of evals) expect(e.benchmarks!["quiz"]).toMatchObject({ n: 56, chance: 0.5, sha256: sha });
  });

  it("trained on the pattern, scores above chance: the Wilson interval excludes 1/2", () => {
    const q = evals.at(-1)!.benchmarks!["quiz"]!;
    const acc = wilsonInterval(q.accuracy, q.n);
    expect(acc.lo).toBeGreaterThan(q.chance);
    // Normalising by characters or tokens cannot hide what the model learned.
    expect(wilsonInterval(q.acc_norm, q.n).lo).toBeGreaterThan(q.chance);
    expect(wilsonInterval(q.acc_tok, q.n).lo).toBeGreaterThan(q.chance);
    console.log(`trained: acc ${q.accuracy.toFixed(3)} [${acc.lo.toFixed(3)}, ${acc.hi.toFixed(3)}], acc_norm ${q.acc_norm.toFixed(3)}, acc_tok ${q.acc_tok.toFixed(3)}, n ${q.n}`);
  });

  it("fresh (untrained), scores at chance within its interval", () => {
    const model = new Gpt(backend.tf, cell.model, initParams(cell.model, cell.model.layers, cell.seed));
    try {
      const s = scoreChoices(bench.questions, choiceLogLikelihoods(model, bench.questions, 32));
      for (const acc of [s.accuracy, s.acc_norm, s.acc_tok]) {
        const w = wilsonInterval(acc, s.n);
        expect(w.lo).toBeLessThan(s.chance);
        expect(w.hi).toBeGreaterThan(s.chance);
      }
      console.log(`fresh: acc ${s.accuracy.toFixed(3)} ${JSON.stringify(wilsonInterval(s.accuracy, s.n))}, acc_norm ${s.acc_norm.toFixed(3)}, acc_tok ${s.acc_tok.toFixed(3)}`);
    } finally {
      model.dispose();
    }
  });

  it("gives every choice the log-likelihood the PyTorch reference model gives it on the same weights", () => {
    const root = cellPaths(runDir, cell.id).checkpoints;
    const step = listCheckpoints(root).at(-1)!;
    expect(step).toBe(800);
    const ck = loadCheckpoint(root, step);
    const model = new Gpt(backend.tf, cell.model, new Map([...ck.arrays].filter(([k]) => !k.startsWith("opt.") && !k.startsWith("mask."))));
    let ours: { loglik: number[]; tokens: number[] }[];
    try {
      ours = choiceLogLikelihoods(model, bench.questions, 32);
    } finally {
      model.dispose();
    }
    const out = execFileSync("/usr/bin/python3", [join(ROOT, "scripts/score-choices.py"), stepDir(root, step), join(dir, "quiz.jsonl"), JSON.stringify(cell.eval.benchmarks![0]), "--heads", String(cell.model.heads)], {
      encoding: "utf8",
      env: { ...process.env, OMP_NUM_THREADS: "1" },
    });
    const theirs = JSON.parse(out) as { line: number; gold: number; choices: { loglik: number; tokens: number }[] }[];
    expect(theirs).toHaveLength(56);
    let worst = 0;
    theirs.forEach((t, i) => {
      expect(t.gold).toBe(bench.questions[i]!.gold);
      t.choices.forEach((c, j) => {
        expect(ours[i]!.tokens[j]).toBe(c.tokens);
        // 1e-4 relative, but at least 1e-5 nats per token: each token's log-probability is a
        // difference of float32 logits of size ~10, good to a few 1e-6 absolute, so a sum near 0
        // (a choice the model is sure of) cannot be held to a relative bound alone.
        const diff = Math.abs(ours[i]!.loglik[j]! - c.loglik);
        const rel = diff / Math.max(Math.abs(c.loglik), (1e-5 * c.tokens) / 1e-4);
        worst = Math.max(worst, diff / Math.abs(c.loglik));
        expect(rel).toBeLessThan(1e-4);
      });
    });
    // The eval record's accuracy is the one these log-likelihoods give.
    const right = theirs.filter((t) => t.choices.reduce((b, c, j, cs) => (c.loglik > cs[b]!.loglik ? j : b), 0) === t.gold).length;
    expect(evals.at(-1)!.benchmarks!["quiz"]!.accuracy).toBeCloseTo(right / 56, 12);
    // Some rows were cut on the left: a preamble question is longer than the context.
    expect(bench.questions.some((q) => q.context.length + q.continuations[0]!.length > CONTEXT + 1)).toBe(true);
    console.log(`largest relative difference of a choice's log-likelihood against PyTorch: ${worst.toExponential(2)}`);
  });

  it("shows the benchmark in the report: accuracies with intervals, the chance level, above chance", () => {
    const report = buildReport(loadRun(runDir), { fitter: null });
    const rows = report.analysis.benchmarks.rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ benchmark: "quiz", n: 56, chance: 0.5, versus_chance: "above" });
    expect(report.markdown).toContain("Multiple-choice benchmarks");
    expect(report.html).toContain("acc_norm");
  });

  it("goes into the results table: accuracies, chance and items per eval point", () => {
    const run = loadRun(runDir);
    const table = resultsTable(run);
    const col = (name: string) => table.columns.findIndex((c) => c.name === name);
    for (const k of ["accuracy", "acc_norm", "acc_tok", "chance", "n"]) expect(col(`benchmark.quiz.${k}`), k).toBeGreaterThanOrEqual(0);
    const last = table.rows.at(-1)!;
    const evals = run.cells[0]!.evals;
    expect(last[col("benchmark.quiz.accuracy")]).toBe(evals.at(-1)!.benchmarks!["quiz"]!.accuracy);
    expect(last[col("benchmark.quiz.n")]).toBe(56);
    expect(last[col("benchmark.quiz.chance")]).toBe(0.5);
  });

  it("stops before training on a bad file, naming the file and the line", async () => {
    const bad = mkdtempSync(join(tmpdir(), "cgx-bench-bad-"));
    writeFileSync(join(bad, "farm.txt"), "the cat says meow.\n");
    const lines = quiz().trim().split("\n");
    lines[2] = lines[2]!.replace(/"answerKey":"[AB]"/, '"answerKey":"E"');
    writeFileSync(join(bad, "quiz.jsonl"), lines.join("\n"));
    const provider = withBenchmarks(experimentDataProvider(plan, { cacheDir: join(tmpdir(), "cgx-test-cache"), cwd: bad, log: () => {} }), plan, { cacheDir: join(tmpdir(), "cgx-test-cache"), cwd: bad });
    const err = await provider(cell).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toBe('quiz.jsonl:3: the gold answer "E" ("answerKey") is not one of the labels "A", "B"');
  });
});
