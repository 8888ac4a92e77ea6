import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import type { Cell, Plan } from "../../src/plan/types.js";
import { loadBackend, type LoadedBackend } from "../../src/runtime/backend.js";
import { runPlan, selectCells } from "../../src/runtime/running/executor.js";
import { listCheckpoints } from "../../src/runtime/training/checkpoint.js";
import { cellPaths, readMetrics, readStatus } from "../../src/runtime/running/rundir.js";
import type { CellData } from "../../src/runtime/training/trainer.js";
import { sentenceData } from "./fixtures.js";

const data: CellData = sentenceData();

function plan(): Plan {
  const r = compile(`experiment tiny {
  seeds [0, 1]
  data {
    context 16
    source text = files("corpus.txt")
  }
  models { shape s(layers: 1, width: 16, heads: 2) }
  train { batch 4 }
  budget steps 40
  control shuffled
  evaluate every 50%
}
`);
  expect(r.diagnostics).toEqual([]);
  return r.plan!;
}

describe("the executor", () => {
  let backend: LoadedBackend;
  beforeAll(async () => {
    backend = await loadBackend("wasm");
  });

  it("keeps training the other cells when one diverges or fails", async () => {
    const p = plan();
    const [a, b] = p.cells as [Cell, Cell];
    // Cell a gets an absurd learning rate; the data for cell b cannot be loaded.
    const wild: Cell = { ...a, train: { ...a.train, optimizer: { ...a.train.optimizer, lr: 1e4 } } };
    const third: Cell = { ...b, id: "c000000000003", index: 2, label: "shuffled/s/s9", seed: 9 };
    const mutated: Plan = { ...p, cells: [wild, b, third] };
    const root = mkdtempSync(join(tmpdir(), "cgx-exec-"));
    const summary = await runPlan(mutated, {
      root,
      backend,
      data: async (cell) => {
        if (cell.id === b.id) throw new Error("source `text` cannot be read");
        return data;
      },
    });
    expect(summary.results.get(wild.id)).toBe("diverged");
    expect(summary.results.get(b.id)).toBe("failed");
    expect(summary.results.get(third.id)).toBe("done");
    const failed = readStatus(cellPaths(summary.runDir, b.id))!;
    expect(failed.message).toBe("source `text` cannot be read");
    const last = readMetrics<{ kind: string; state?: string }>(cellPaths(summary.runDir, wild.id).metrics).at(-1)!;
    expect(last).toMatchObject({ kind: "end", state: "diverged" });
  }, 120_000);

  it("accounts tokens exactly as the plan says and gives the same curve for the same seed", async () => {
    const p = plan();
    const runOnce = async () => {
      const root = mkdtempSync(join(tmpdir(), "cgx-exec-"));
      const s = await runPlan(p, { root, backend, cells: [p.cells[0]!.id], data: async () => data });
      return readMetrics<{ kind: string; step: number; tokens: number; loss: number }>(cellPaths(s.runDir, p.cells[0]!.id).metrics);
    };
    const first = await runOnce();
    const second = await runOnce();
    expect(second).toEqual(first);
    const evals = first.filter((m) => m.kind === "eval");
    expect(evals.map((m) => m.tokens)).toEqual([...p.cells[0]!.eval.points]);
    for (const m of first.filter((x) => x.kind === "train")) expect(m.tokens).toBe(m.step * 4 * 16);
  }, 120_000);

  it("selects cells by id, index or label and names a selector that matches nothing", () => {
    const p = plan();
    expect(selectCells(p, ["1"]).map((c) => c.index)).toEqual([1]);
    expect(selectCells(p, [p.cells[0]!.label]).map((c) => c.index)).toEqual([0]);
    expect(selectCells(p, ["shuffled"]).length).toBe(2);
    expect(() => selectCells(p, ["nope"])).toThrow("no cell matches `nope`");
  });
});

describe("a corrupt checkpoint", () => {
  it("is reported and skipped: the cell resumes from the previous one and ends with the same metrics", async () => {
    const backend = await loadBackend("wasm");
    const p = plan();
    const cell = p.cells[0]!;
    const root = mkdtempSync(join(tmpdir(), "cgx-corrupt-"));
    const first = await runPlan(p, { root, backend, cells: [cell.id], data: async () => data });
    const paths = cellPaths(first.runDir, cell.id);
    const before = readFileSync(paths.metrics, "utf8");
    const steps = listCheckpoints(paths.checkpoints);
    expect(steps.length).toBe(2);
    // As if the process died right after writing the last checkpoint, and that file was damaged.
    const newest = join(paths.checkpoints, `step-${String(steps[1]).padStart(9, "0")}`, "weights.bin");
    const bytes = readFileSync(newest);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(newest, bytes);
    writeFileSync(paths.status, JSON.stringify({ ...readStatus(paths), state: "running" }));
    const warnings: string[] = [];
    await runPlan(p, { root, backend, cells: [cell.id], data: async () => data, onEvent: (e) => e.kind === "warn" && warnings.push(e.message!) });
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/is corrupt \(its weights do not match their checksum\); resuming from an earlier one, at step \d+ \(the newer one is kept in checkpoints\/rejected\/\)/);
    expect(readFileSync(paths.metrics, "utf8")).toBe(before);
  }, 120_000);
});

describe("the run directory", () => {
  it("is keyed by what determines training: a new analyze block reuses finished cells", async () => {
    const backend = await loadBackend("wasm");
    const p = plan();
    const root = mkdtempSync(join(tmpdir(), "cgx-rundir-"));
    const first = await runPlan(p, { root, backend, cells: ["0"], data: async () => data });
    const reanalysed: Plan = { ...p, analyses: [{ kind: "fit", law: "power_law", y: "loss", xs: ["params"], by: [] }], source_hash: "0".repeat(64) };
    let trained = 0;
    const second = await runPlan(reanalysed, { root, backend, cells: ["0"], data: async () => data, onEvent: (e) => e.kind === "cell-start" && trained++ });
    expect(second.runDir).toBe(first.runDir);
    expect(trained).toBe(0);
    const lock = JSON.parse(readFileSync(join(first.runDir, "plan.lock.json"), "utf8"));
    expect(lock.plan.analyses).toEqual(reanalysed.analyses);
  }, 60_000);
});
