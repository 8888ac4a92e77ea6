/** A run picked its backend automatically: the header names every faster backend that did not load, and why, as `cgx doctor` does. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../helpers.js";

describe("the run header", () => {
  it("says once which faster backends are unavailable and why, matching cgx doctor", async () => {
    const doctor = memoryIo();
    expect(await main(["node", "cgx", "doctor"], doctor)).toBe(0);
    const rows = [...doctor.stdout.matchAll(/^ {2}(ok|no) +(tensorflow-gpu|tensorflow|wasm|cpu) +(.*)$/gm)].map((m) => ({ ok: m[1] === "ok", name: m[2]!, detail: m[3]! }));
    expect(rows.map((r) => r.name)).toEqual(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
    // The backends tried before the first that loads: what an automatic pick passes over.
    const passed = rows.slice(0, rows.findIndex((r) => r.ok));
    const dir = mkdtempSync(join(tmpdir(), "cgx-header-"));
    // A source that matches no file: the run stops after its header, before any training.
    writeFileSync(join(dir, "exp.cgx"), 'experiment h {\n  data {\n    context 16\n    source t = files("none/*.txt")\n  }\n  control shuffled\n  models { params [10k] }\n  budget tokens 10k\n}\n');
    const run = memoryIo(dir);
    expect(await main(["node", "cgx", "run", "exp.cgx", "--runs", "runs"], run)).toBe(1);
    const chosen = rows.find((r) => r.ok)!.name;
    expect(run.stderr).toMatch(new RegExp(`^cgx run h: 1 cells on ${chosen} `, "m"));
    for (const p of passed) expect(run.stderr).toContain(`  ${p.name} unavailable: ${p.detail}\n`);
    expect(run.stderr.includes("`cgx doctor` shows every backend")).toBe(passed.length > 0);
  }, 120_000);
});
