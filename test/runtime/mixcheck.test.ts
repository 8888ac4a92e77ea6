import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../helpers.js";

/** Two jsonl sources with a `level` each: `low` has levels 0..2, `high` levels 4..5. */
function graded(curricula: string): { dir: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), "cgx-mix-"));
  const rows = (n: number, level: (i: number) => number, word: string) =>
    Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${word} number ${i} sat on the mat${".".repeat(1 + (i % 5))}`, level: level(i) })).join("\n");
  writeFileSync(join(dir, "low.jsonl"), rows(40, (i) => i % 3, "the cat"));
  writeFileSync(join(dir, "high.jsonl"), rows(30, (i) => 4 + (i % 2), "a dog"));
  const text = `experiment tiny {
  seeds 1
  data {
    context 16
    source low = files("low.jsonl", fields: ["level"])
    source high = files("high.jsonl", fields: ["level"])
    heldout 10%
    difficulty length
  }
  models { shape s(layers: 1, width: 16, heads: 2) }
  train { batch 4 }
  budget steps 5
${curricula}
}
`;
  writeFileSync(join(dir, "exp.cgx"), text);
  return { dir, text };
}

/** Line and column (1-based) of the `nth` occurrence of `needle`. */
function position(text: string, needle: string, nth = 1): string {
  let at = -1;
  for (let k = 0; k < nth; k++) at = text.indexOf(needle, at + 1);
  const before = text.slice(0, at).split("\n");
  return `line ${before.length}, col ${before.at(-1)!.length + 1}`;
}

async function run(dir: string) {
  const io = memoryIo(dir);
  const code = await main(["node", "cgx", "run", "exp.cgx", "--runs", "runs", "--jobs", "1", "--no-report"], io);
  return { code, err: io.stderr };
}

describe("a mix whose filter leaves a source without examples", () => {
  it("passes cgx check, then stops cgx run before any cell trains, pointing at the source in the stage", async () => {
    const { dir, text } = graded(`  curriculum warm {
    stage first for 50% { mix low 50%, high 50% where level <= 1 }
    stage rest { mix low 50%, high 50% }
  }`);
    const check = memoryIo(dir);
    expect(await main(["node", "cgx", "check", "exp.cgx"], check)).toBe(0);
    const r = await run(dir);
    expect(r.code).toBe(1);
    const m = /error: (.*)\n {2}= help: (.*)\n/.exec(r.err)!;
    expect(m, r.err).not.toBeNull();
    const kept = /the filter kept 0 of its (\d+) training examples$/.exec(m[1]!);
    // 30 examples, about 10% of them heldout.
    expect(Number(kept?.[1])).toBeGreaterThan(20);
    expect(Number(kept?.[1])).toBeLessThan(30);
    expect(m[1]).toBe(`${position(text, "high 50% where")}: source \`high\` in the mix of curriculum \`warm\`, stage \`first\` keeps no example under \`where level <= 1\`: the filter kept 0 of its ${kept![1]} training examples`);
    expect(m[2]).toBe("`level` runs from 4 to 5 in `high`: loosen the filter, or leave `high` out of this mix");
    expect(r.err).not.toMatch(/\n\s+at /);
    // Nothing was trained or even set up: the run directory was never made.
    expect(existsSync(join(dir, "runs", "tiny"))).toBe(false);
  });

  it("reads `difficulty` in a filter under the curriculum's own metric, and names a control's mix", async () => {
    const paced = graded(`  curriculum short {
    pace length from min to max over 50% using linear
    mix low 50%, high 50% where difficulty <= 31
  }`);
    const r = await run(paced.dir);
    expect(r.code).toBe(1);
    // Under \`pace length\`, difficulty is the length in bytes: \`low\`'s texts have 32 to 37.
    expect(r.err).toContain(`error: ${position(paced.text, "low 50%")}: source \`low\` in the mix of curriculum \`short\` keeps no example under \`where difficulty <= 31\``);
    expect(r.err).toContain("= help: `difficulty` runs from 32 to 37 in `low`: loosen the filter");

    const control = graded(`  control anti { mix low 50%, high 50% where level >= 4 }`);
    const c = await run(control.dir);
    expect(c.code).toBe(1);
    expect(c.err).toContain(`error: ${position(control.text, "low 50%")}: source \`low\` in the mix of control \`anti\` keeps no example under \`where level >= 4\``);
    expect(c.err).toContain("= help: `level` runs from 0 to 2 in `low`");
  });
});
