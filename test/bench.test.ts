import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

describe("benchmarks", () => {
  it("bench:train prints one JSON object with the backend, throughput and model config", () => {
    const r = spawnSync("node", [join(ROOT, "dist/bench/train.js"), "--json", "--steps", "2"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBe(1);
    const j = JSON.parse(lines[0]!);
    expect(j.backend).toBe("wasm");
    expect(j.tokens_per_s).toBeGreaterThan(0);
    expect(j.ms_per_step).toBeGreaterThan(0);
    expect(j.model).toMatchObject({ vocab: 256, context: 64, batch: 16, width: 128, layers: 2, heads: 4 });
    expect(j.step_over_reference).toBeGreaterThan(0);
  }, 120_000);

  it("bench:compile prints the compile time of a 10,000-cell grid", () => {
    const r = spawnSync("node", [join(ROOT, "dist/bench/compile.js"), "--json"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.cells).toBe(10_000);
    expect(j.compile_ms_median).toBeGreaterThan(0);
  }, 120_000);
});
