/**
 * Metrics and checkpoints agree: a metrics file cut short or with a gap, or a finished cell whose
 * final checkpoint is damaged, is detected on resume, by `cgx status --verify` and by the report;
 * the cell resumes from the newest checkpoint consistent with its metrics (or trains again) and
 * ends exactly as an untouched run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRun } from "../../src/analysis/rundir.js";
import { statusCommand } from "../../src/cli/commands/run.js";
import { compile } from "../../src/compiler/index.js";
import type { Plan } from "../../src/plan/types.js";
import { loadBackend, type LoadedBackend } from "../../src/runtime/backend.js";
import { runPlan } from "../../src/runtime/running/executor.js";
import { cellPaths, readStatus } from "../../src/runtime/running/rundir.js";
import { listCheckpoints } from "../../src/runtime/training/checkpoint.js";
import { memoryIo } from "../helpers.js";
import { sentenceData } from "./fixtures.js";

const data = sentenceData();

function plan(): Plan {
  const r = compile(`experiment tiny {
  seeds [0]
  data {
    context 16
    source text = files("corpus.txt")
  }
  models { shape s(layers: 1, width: 16, heads: 2) }
  train { batch 4 }
  budget steps 240
  control shuffled
  evaluate every 25%
}
`);
  expect(r.diagnostics).toEqual([]);
  return r.plan!;
}

const lines = (path: string) => readFileSync(path, "utf8").trim().split("\n");
const manifestOf = (paths: ReturnType<typeof cellPaths>, step: number) =>
  JSON.parse(readFileSync(join(paths.checkpoints, `step-${String(step).padStart(9, "0")}`, "manifest.json"), "utf8")) as { metricsLines: number; step: number };

describe("metrics and checkpoints", () => {
  let backend: LoadedBackend;
  let reference: string;
  const p = plan();
  const cell = p.cells[0]!;
  beforeAll(async () => {
    backend = await loadBackend("wasm");
    const root = mkdtempSync(join(tmpdir(), "cgx-consistent-"));
    const run = await runPlan(p, { root, backend, data: async () => data });
    reference = readFileSync(cellPaths(run.runDir, cell.id).metrics, "utf8");
  }, 120_000);

  /** A finished copy of the cell to damage. */
  async function finished() {
    const root = mkdtempSync(join(tmpdir(), "cgx-consistent-"));
    const run = await runPlan(p, { root, backend, data: async () => data });
    const paths = cellPaths(run.runDir, cell.id);
    expect(readFileSync(paths.metrics, "utf8")).toBe(reference);
    const again = async () => {
      const warnings: string[] = [];
      const out = await runPlan(p, { root, backend, data: async () => data, onEvent: (e) => e.kind === "warn" && warnings.push(e.message!) });
      return { warnings, state: out.results.get(cell.id) };
    };
    return { runDir: run.runDir, paths, again };
  }

  it("metrics shorter than the newest checkpoint: resumes from the one they agree with, says so, ends the same", async () => {
    const { paths, again } = await finished();
    const [older, newest] = listCheckpoints(paths.checkpoints);
    const keep = manifestOf(paths, newest!).metricsLines - 3;
    expect(keep).toBeGreaterThan(manifestOf(paths, older!).metricsLines);
    writeFileSync(paths.metrics, lines(paths.metrics).slice(0, keep).join("\n") + "\n");
    writeFileSync(paths.status, JSON.stringify({ ...readStatus(paths), state: "running" }));
    const r = await again();
    expect(r.state).toBe("done");
    expect(r.warnings.join("\n")).toContain(`metrics.jsonl holds ${keep} records where the checkpoint at step ${newest} expects ${manifestOf(paths, newest!).metricsLines}`);
    expect(r.warnings.join("\n")).toContain(`resuming from an earlier one, at step ${older}`);
    expect(readFileSync(paths.metrics, "utf8")).toBe(reference);
  }, 120_000);

  it("metrics shorter than every checkpoint: trains the cell again from the start, says so, ends the same", async () => {
    const { paths, again } = await finished();
    writeFileSync(paths.metrics, lines(paths.metrics).slice(0, 4).join("\n") + "\n");
    writeFileSync(paths.status, JSON.stringify({ ...readStatus(paths), state: "running" }));
    const r = await again();
    expect(r.warnings.join("\n")).toContain("no checkpoint agrees with metrics.jsonl, so the cell trains again from the start");
    expect(readFileSync(paths.metrics, "utf8")).toBe(reference);
  }, 120_000);

  it("a gap in the middle of the metrics is a disagreement too", async () => {
    const { paths, again } = await finished();
    const all = lines(paths.metrics);
    const gap = all.findIndex((l) => l.includes('"kind":"train"')) + 2;
    writeFileSync(paths.metrics, [...all.slice(0, gap), ...all.slice(gap + 1)].join("\n") + "\n");
    writeFileSync(paths.status, JSON.stringify({ ...readStatus(paths), state: "running" }));
    const r = await again();
    expect(r.warnings.join("\n")).toMatch(/trains again from the start|resuming from an earlier one/);
    expect(readFileSync(paths.metrics, "utf8")).toBe(reference);
  }, 120_000);

  it("a finished cell with a truncated final checkpoint: flagged by status --verify and the report, retrained by cgx run", async () => {
    const { runDir, paths, again } = await finished();
    const newest = listCheckpoints(paths.checkpoints).at(-1)!;
    const weights = join(paths.checkpoints, `step-${String(newest).padStart(9, "0")}`, "weights.bin");
    writeFileSync(weights, readFileSync(weights).subarray(0, 4096));
    const io = memoryIo();
    expect(statusCommand(io, runDir, { verify: true })).toBe(1);
    expect(io.stdout).toMatch(/does not verify: checkpoint .*step-0+240 is truncated \(weights.bin holds 4096 of \d+ bytes\)/);
    const report = loadRun(runDir);
    expect(report.cells[0]!.finished).toBe(false);
    expect(report.notes.join("\n")).toMatch(/final checkpoint does not verify .*truncated.*; left out/);
    const r = await again();
    expect(r.warnings.join("\n")).toMatch(/finished cell does not verify .*truncated.*training it again from its newest good checkpoint/);
    expect(readFileSync(paths.metrics, "utf8")).toBe(reference);
    const io2 = memoryIo();
    expect(statusCommand(io2, runDir, { verify: true })).toBe(0);
    expect(io2.stdout).toContain("all 1 finished cells verify");
    expect(loadRun(runDir).cells[0]!.finished).toBe(true);
  }, 120_000);

  it("records written twice (two writers) are flagged by the report and by status --verify", async () => {
    const { runDir, paths } = await finished();
    const all = lines(paths.metrics);
    writeFileSync(paths.metrics, [...all.slice(0, 10), ...all].join("\n") + "\n");
    const notes = loadRun(runDir).notes.join("\n");
    expect(notes).toMatch(/metrics.jsonl has steps go back 1 time; train records written twice/);
    expect(loadRun(runDir).cells[0]!.finished).toBe(false);
    const io = memoryIo();
    expect(statusCommand(io, runDir, { verify: true })).toBe(1);
  }, 120_000);
});
