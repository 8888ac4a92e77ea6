/** `cgx fit`: tables in, parameters with intervals out; bad input is a UserError with a line number. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/cli/io.js";
import { fitCommand, type FitCommandOptions } from "../../../src/cli/commands/fit.js";
import { memoryIo } from "../../helpers.js";
import { BROKEN, brokenLaw, chinchillaLaw, logspace, plant, powerLaw } from "./planted.js";

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cgx-fit-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const power = plant(
  logspace(1e6, 1e10, 10).map((x) => [x, 0] as const),
  (x) => powerLaw(x),
  0.01,
  2,
  0,
);
const POWER_CSV = "params,loss,cell\n" + power.x.map((x, i) => `${x},${power.y[i]},${power.groups[i]}`).join("\n") + "\n";

function run(dir: string, file: string, opts: FitCommandOptions) {
  const io = memoryIo(dir);
  const code = fitCommand(io, file, opts);
  return { code, out: io.stdout, err: io.stderr };
}

function userError(f: () => unknown): UserError {
  try {
    f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error("expected a UserError");
}

/** IsoFLOP rows: 7 sizes at each of 3 budgets around the planted Chinchilla law's optimum, D = C / 6N. */
function isoflopCsv(): { csv: string; a: number } {
  const a = 0.28 / (0.34 + 0.28);
  const G = ((0.34 * 406.4) / (0.28 * 410.7)) ** (1 / 0.62);
  const rows = [1e18, 1e19, 1e20].flatMap((c) => logspace((G * (c / 6) ** a) / 8, G * (c / 6) ** a * 8, 7).map((n) => `${n},${c},${chinchillaLaw(n, c / (6 * n)) * (1 + 0.002 * Math.sin(n))}`));
  return { csv: "params,flops,loss\n" + rows.join("\n") + "\n", a };
}

describe("cgx fit", () => {
  it("--law isoflop prints the per-budget optima and the exponents a and b (table and JSON)", () => {
    const { csv, a } = isoflopCsv();
    const dir = scratch({ "iso.csv": csv });
    const t = run(dir, "iso.csv", { x: "params", x2: "flops", y: "loss", law: "isoflop", bootstrap: "50" });
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/IsoFLOP profiles: loss on params at each budget of flops \(21 points, 3 budgets/);
    expect(t.out).toMatch(/N_opt = k C\^a/);
    expect(t.out).toMatch(/D_opt = k C\^b/);
    const j = JSON.parse(run(dir, "iso.csv", { x: "params", x2: "flops", y: "loss", law: "isoflop", bootstrap: "50", json: true }).out);
    expect(j.law).toBe("isoflop");
    expect(j.budgets).toHaveLength(3);
    expect(Math.abs(j.n_opt.exponent - a)).toBeLessThan(0.02);
    expect(j.d_opt.exponent).toBeCloseTo(1 - j.n_opt.exponent, 6);
    expect(j.n_opt.intervals.exponent).toHaveLength(2);
    expect(j.n_opt.draws).toBeUndefined();
    const noFlops = userError(() => run(dir, "iso.csv", { x: "params", y: "loss", law: "isoflop" }));
    expect(noFlops.message).toMatch(/FLOPs column as --x2/);
    expect(userError(() => run(dir, "iso.csv", { x: "params", x2: "flops", y: "loss", law: "isoflop", group: "params" })).message).toBe("--group has no effect with --law isoflop");
  });

  it("prints a power-law fit as JSON with E, A, alpha and their intervals", () => {
    const dir = scratch({ "runs.csv": POWER_CSV });
    const r = run(dir, "runs.csv", { x: "params", y: "loss", law: "power", json: true, bootstrap: "30", seed: "1", group: "cell" });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.law).toBe("power");
    for (const k of ["E", "A", "alpha"]) {
      expect(Number.isFinite(j[k])).toBe(true);
      expect(j.intervals[k]).toHaveLength(2);
    }
    expect(Math.abs(j.alpha - 0.34) / 0.34).toBeLessThan(0.05);
    expect(j.goodness.n).toBe(20);
    expect(j.input).toMatchObject({ file: "runs.csv", x: "params", y: "loss", rows: 20, bootstrap: 30, seed: 1, group: "cell" });
  });

  it("prints a short table by default", () => {
    const dir = scratch({ "runs.csv": POWER_CSV });
    const r = run(dir, "runs.csv", { x: "params", y: "loss", bootstrap: "10" });
    expect(r.out).toMatch(/^power law: loss on params \(20 points, 10 bootstrap resamples\)/);
    expect(r.out).toMatch(/param +estimate +95% interval/);
    expect(r.out).toMatch(/\nalpha +0\.3\d+ +\[0\.\d+, 0\.\d+\]\n/);
    expect(r.out).toMatch(/R\^2 \(log\) 0\.99\d*/);
  });

  it("fits a Chinchilla law from JSON Lines, with --x2 for tokens", () => {
    const cells = logspace(1e6, 1e10, 6).flatMap((n) => logspace(1e7, 1e11, 5).map((d) => [n, d] as const));
    const p = plant(cells, chinchillaLaw, 0.01, 1, 2);
    const jsonl = p.x.map((n, i) => JSON.stringify({ N: n, D: p.x2[i], loss: p.y[i] })).join("\n");
    const dir = scratch({ "runs.jsonl": jsonl });
    const r = run(dir, "runs.jsonl", { x: "N", x2: "D", y: "loss", law: "chinchilla", json: true, bootstrap: "8" });
    const j = JSON.parse(r.out);
    expect(Object.keys(j.intervals).sort()).toEqual(["A", "B", "E", "alpha", "beta"]);
    expect(Math.abs(j.beta - 0.28) / 0.28).toBeLessThan(0.1);
    const human = run(dir, "runs.jsonl", { x: "N", x2: "D", y: "loss", law: "chinchilla", bootstrap: "0" }).out;
    expect(human).toMatch(/chinchilla law: loss on N and D/);
    expect(human).toMatch(/\nbeta +0\.2\d+ +-\n/);
  });

  it("lists the breaks of a broken power law with their locations", () => {
    const p = plant(
      logspace(1e5, 1e10, 30).map((x) => [x, 0] as const),
      brokenLaw,
      0.01,
      1,
      1,
    );
    const dir = scratch({ "curve.csv": "tokens,loss\n" + p.x.map((x, i) => `${x},${p.y[i]}`).join("\n") });
    const r = run(dir, "curve.csv", { x: "tokens", y: "loss", law: "broken", json: true, maxBreaks: "2", bootstrap: "10" });
    const j = JSON.parse(r.out);
    expect(j.breaks).toHaveLength(1);
    expect(Math.abs(Math.log10(j.breaks[0].x / BROKEN.d1))).toBeLessThan(0.2);
    expect(j.breaks[0].interval).toHaveLength(2);
    expect(j.selection.scores).toHaveLength(3);
    const human = run(dir, "curve.csv", { x: "tokens", y: "loss", law: "broken", bootstrap: "0" }).out;
    expect(human).toMatch(/breaks: 1 \(by bic: 0 -> /);
    expect(human).toMatch(/break +at tokens +95% interval/);
  });

  it("reports bad input as a UserError naming the file, column and line", () => {
    const dir = scratch({
      "bad.csv": "params,loss\n1e6,3.1\n1e7,abc\n1e8,2.2\n",
      "empty.csv": "params,loss\n1e6,\n",
      "neg.csv": "params,loss\n1e6,3\n1e7,-2\n",
      "ragged.csv": "params,loss\n1e6,3,4\n",
      "flat.csv": "params,loss\n1e6,3\n1e7,3\n1e8,3\n1e9,3\n",
      "null.jsonl": '{"params":1e6,"loss":3}\n{"params":1e7,"loss":null}\n',
      "broken.jsonl": '{"params":1e6,"loss":3}\n{"params":\n',
    });
    expect(userError(() => run(dir, "nope.csv", { x: "params", y: "loss" })).message).toBe("cannot read `nope.csv`: no such file");
    const missing = userError(() => run(dir, "bad.csv", { x: "params", y: "lost" }));
    expect(missing.message).toBe("bad.csv: no column `lost`");
    expect(missing.help).toBe("the columns are: params, loss");
    expect(userError(() => run(dir, "bad.csv", { x: "params", y: "loss" })).message).toBe('bad.csv: line 3: `loss` is "abc", not a finite number');
    expect(userError(() => run(dir, "empty.csv", { x: "params", y: "loss" })).message).toBe("empty.csv: line 2: `loss` is empty, not a finite number");
    expect(userError(() => run(dir, "neg.csv", { x: "params", y: "loss" })).message).toBe("neg.csv: line 3: `loss` is -2, not positive");
    expect(userError(() => run(dir, "ragged.csv", { x: "params", y: "loss" })).message).toMatch(/^ragged\.csv: line 2: 3 fields/);
    expect(userError(() => run(dir, "null.jsonl", { x: "params", y: "loss" })).message).toBe("null.jsonl: line 2: `loss` is null, not a finite number");
    expect(userError(() => run(dir, "broken.jsonl", { x: "params", y: "loss" })).message).toMatch(/^broken\.jsonl: line 2: not valid JSON/);
    const flat = userError(() => run(dir, "flat.csv", { x: "params", y: "loss", bootstrap: "0" }));
    expect(flat.message).toBe("flat.csv: cannot fit a power law: loss is constant (3): there is no trend to fit");
    expect(flat.help).toBeTruthy();
  });

  it("rejects bad options", () => {
    const dir = scratch({ "runs.csv": POWER_CSV });
    expect(userError(() => run(dir, "runs.csv", { x: "params", y: "loss", law: "cubic" })).message).toBe("unknown law `cubic`");
    expect(userError(() => run(dir, "runs.csv", { y: "loss" })).message).toMatch(/--x COL and --y COL/);
    expect(userError(() => run(dir, "runs.csv", { x: "params", y: "loss", law: "chinchilla" })).message).toMatch(/--x2/);
    expect(userError(() => run(dir, "runs.csv", { x: "params", y: "loss", bootstrap: "many" })).message).toBe("--bootstrap must be a whole number >= 0, not `many`");
    expect(userError(() => run(dir, "runs.csv", { x: "params", y: "loss", group: "seed" })).message).toBe("runs.csv: no column `seed`");
    // Limits that would otherwise hang: a bootstrap of 1e12 refits, and a device read forever.
    expect(userError(() => run(dir, "runs.csv", { x: "params", y: "loss", bootstrap: "1e12" })).message).toBe("--bootstrap must be at most 100000, not `1e12`");
    expect(userError(() => run(dir, "/dev/zero", { x: "params", y: "loss" })).message).toBe("`/dev/zero` is not a regular file (a device, pipe or socket)");
  });
});

describe("cgx fit warnings", () => {
  it("prints a warning under the table and carries `warnings` in JSON: none for a clean law, one for a U shape", () => {
    const clean = run(scratch({ "t.csv": POWER_CSV }), "t.csv", { x: "params", y: "loss", bootstrap: "20", group: "cell" });
    expect(clean.code).toBe(0);
    expect(clean.out).not.toContain("warning:");
    const u = plant(
      logspace(1e6, 1e10, 10).map((x) => [x, 0] as const),
      (x) => 2.5 + 0.08 * (Math.log10(x) - 8) ** 2,
      0.004,
      3,
      5,
    );
    const csv = "params,loss,cell\n" + u.x.map((x, i) => `${x},${u.y[i]},${u.groups[i]}`).join("\n") + "\n";
    const dir = scratch({ "u.csv": csv });
    const text = run(dir, "u.csv", { x: "params", y: "loss", bootstrap: "20", group: "cell" });
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/warning: the data bend away from a power law in params: the residuals follow the predictor \(lack-of-fit p = /);
    const json = JSON.parse(run(dir, "u.csv", { x: "params", y: "loss", bootstrap: "20", group: "cell", json: true }).out);
    expect(json.warnings.length).toBeGreaterThan(0);
    expect(JSON.parse(run(scratch({ "t.csv": POWER_CSV }), "t.csv", { x: "params", y: "loss", bootstrap: "20", group: "cell", json: true }).out).warnings).toEqual([]);
  });
});
