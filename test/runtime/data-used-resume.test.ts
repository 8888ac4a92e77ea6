/**
 * A cell whose draws depend on what was drawn before (a ceiling timed by data used, drawn without
 * replacement) resumes exactly: resumed from a checkpoint after its ceiling reached the top and
 * after its pool's first epoch ended, it ends with the same metrics as an uninterrupted run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import { loadBackend } from "../../src/runtime/backend.js";
import { runPlan } from "../../src/runtime/running/executor.js";
import { cellPaths, readStatus } from "../../src/runtime/running/rundir.js";
import { listCheckpoints } from "../../src/runtime/training/checkpoint.js";
import { sentenceData } from "./fixtures.js";

const data = sentenceData();

describe("a cell timed by data used, drawn without replacement", () => {
  it("resumes from a checkpoint to exactly the metrics of an uninterrupted run", async () => {
    const r = compile(`experiment tiny {
  data {
    context 16
    source text = files("corpus.txt")
    draw without replacement
  }
  models { shape s(layers: 1, width: 16, heads: 2) }
  train { batch 4 }
  budget steps 160
  curriculum up { pace difficulty from 10% to p99 over 30% of text using root(2) }
  evaluate every 25%
}
`);
    expect(r.diagnostics).toEqual([]);
    const plan = r.plan!;
    const cell = plan.cells[0]!;
    const backend = await loadBackend("wasm");
    const root = mkdtempSync(join(tmpdir(), "cgx-data-used-"));
    const whole = await runPlan(plan, { root, backend, data: async () => data });
    const paths = cellPaths(whole.runDir, cell.id);
    const reference = readFileSync(paths.metrics, "utf8");
    const records = reference.trim().split("\n").map((l) => JSON.parse(l) as { kind: string; step: number; event?: string; used?: Record<string, number> });

    // The checkpoints kept are the two newest, at 120 and 160 steps; the cell will resume from 120.
    const [older] = listCheckpoints(paths.checkpoints);
    expect(older).toBe(120);
    // By then the ceiling had reached its top with 30% of the text used, and every example under
    // it (the 99th percentile: 298 of the 300) had been drawn, so a second epoch had begun.
    const full = records.find((x) => x.event === "pace_full")!;
    expect(full.used!["text"]!).toBeGreaterThanOrEqual(0.3);
    expect(full.step).toBeLessThan(older!);
    const at = records.find((x) => x.kind === "train" && x.step === older)!;
    expect(at.used!["text"]!).toBeGreaterThan(0.98);

    // Cut the metrics back to just after the checkpoint at 120: the cell resumes there, replaying
    // 120 steps of draws, and must end the same.
    const manifest = (step: number) => JSON.parse(readFileSync(join(paths.checkpoints, `step-${String(step).padStart(9, "0")}`, "manifest.json"), "utf8")) as { metricsLines: number };
    const keep = manifest(older!).metricsLines + 3;
    writeFileSync(paths.metrics, reference.trim().split("\n").slice(0, keep).join("\n") + "\n");
    writeFileSync(paths.status, JSON.stringify({ ...readStatus(paths), state: "running" }));
    const warnings: string[] = [];
    const again = await runPlan(plan, { root, backend, data: async () => data, onEvent: (e) => e.kind === "warn" && warnings.push(e.message!) });
    expect(again.results.get(cell.id)).toBe("done");
    expect(warnings.join("\n")).toContain(`resuming from an earlier one, at step ${older}`);
    expect(readFileSync(paths.metrics, "utf8")).toBe(reference);
  }, 180_000);
});
