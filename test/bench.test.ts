import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

describe("benchmarks", () => {
  it("bench:train prints cgx and the PyTorch reference side by side (or why the reference was skipped) as one JSON object", () => {
    const r = spawnSync("node", [join(ROOT, "dist/bench/train.js"), "--json", "--models", "reference", "--rounds", "1", "--steps", "2", "--no-jobs"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBe(1);
    const j = JSON.parse(lines[0]!);
    expect(j.benchmark).toBe("train");
    const m = j.models[0];
    expect(m.name).toBe("reference");
    expect(m.tokens_per_step).toBe(1024);
    // The project's set-up installs OpenBLAS and compiles the row kernels, so the bench measures the fast path.
    expect(m.cgx.kernels).toBe("native");
    expect(m.cgx.tokens_per_s).toBeGreaterThan(0);
    expect(m.cgx.max_rss_kb).toBeGreaterThan(0);
    if (m.pytorch) {
      expect(m.pytorch.tokens_per_s).toBeGreaterThan(0);
      expect(m.ratio).toBeCloseTo(m.cgx.tokens_per_s / m.pytorch.tokens_per_s, 1);
    } else {
      // Never silently: the reason is in the output, and the table tells how to install it.
      expect(m.pytorch_skipped).toMatch(/\S/);
      expect(r.stderr).toContain("pytorch reference skipped");
    }
  }, 180_000);

  it("bench:compile prints the compile time of a 10,000-cell grid", () => {
    const r = spawnSync("node", [join(ROOT, "dist/bench/compile.js"), "--json"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.cells).toBe(10_000);
    expect(j.compile_ms_median).toBeGreaterThan(0);
  }, 120_000);
});
