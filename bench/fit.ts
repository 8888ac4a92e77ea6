/**
 * `cgx fit` on large tables: CSVs of 1e4, 1e5 and 1e6 rows drawn from a planted power law and a
 * planted Chinchilla law (1.5% log-normal noise, sizes log-uniform), each fitted by the real
 * command (`node bin/cgx.js fit ... --json`, default options: 200 bootstrap replicates and the
 * cross-validated error). Prints its CPU seconds (the median of --rounds runs, 1 by default; CPU
 * varies far less than wall time on a shared machine), the ratio to the CPU of `node -e 0`
 * measured in the same run, the wall time of the last run, and the recovered parameters against
 * the planted ones; then times the solver alone against the one it replaced
 * (ml-levenberg-marquardt, see fit-legacy.ts) on the 1e4-row problems, from the same starts.
 *
 *   npm run --silent bench:fit                 all sizes
 *   npm run --silent bench:fit -- --rows 1e4,1e5
 *   npm run --silent bench:fit -- --rows 1e6 --rounds 3
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lseData, lseModel, lseStarts } from "../src/analysis/fit/lse.js";
import { multiStart, rankStarts, type Problem, type Solution } from "../src/analysis/fit/optimize.js";
import { gaussian, Rng } from "../src/analysis/fit/rng.js";
import { median, runNode } from "./cpu.js";
import { legacySolveFrom, loadLegacy } from "./fit-legacy.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(ROOT, "bin", "cgx.js");
const NOISE = 0.015;
const POWER = { E: 1.69, A: 406.4, alpha: 0.34 };
const CHIN = { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const logUniform = (rng: Rng, lo: number, hi: number) => lo * (hi / lo) ** rng.next();

interface Planted {
  readonly x: number[];
  readonly x2: number[];
  readonly y: number[];
}

function plant(law: "power" | "chinchilla", rows: number, seed: number): Planted {
  const rng = new Rng(seed);
  const out: Planted = { x: [], x2: [], y: [] };
  for (let i = 0; i < rows; i++) {
    const n = logUniform(rng, 1e6, 1e10);
    const d = logUniform(rng, 1e7, 1e11);
    const clean = law === "power" ? POWER.E + POWER.A * n ** -POWER.alpha : CHIN.E + CHIN.A * n ** -CHIN.alpha + CHIN.B * d ** -CHIN.beta;
    out.x.push(n);
    out.x2.push(d);
    out.y.push(clean * Math.exp(NOISE * gaussian(rng)));
  }
  return out;
}

function csv(p: Planted): string {
  const lines = ["params,tokens,loss"];
  for (let i = 0; i < p.y.length; i++) lines.push(`${p.x[i]!.toPrecision(8)},${p.x2[i]!.toPrecision(8)},${p.y[i]!.toPrecision(8)}`);
  return lines.join("\n") + "\n";
}

const rel = (est: number, truth: number) => `${((100 * (est - truth)) / truth).toFixed(2)}%`;

function timeCli(law: "power" | "chinchilla", file: string, rounds: number): { cpu: number; wall: number; fit: Record<string, unknown> } {
  const args = [CLI, "fit", file, "--x", "params", "--y", "loss", "--law", law, "--json", ...(law === "chinchilla" ? ["--x2", "tokens"] : [])];
  const cpu: number[] = [];
  let last: ReturnType<typeof runNode> | undefined;
  for (let r = 0; r < rounds; r++) {
    last = runNode(args, { maxBuffer: 1 << 26, timeout: 900_000 });
    if (last.out.status !== 0) throw new Error(`cgx fit --law ${law} failed (${last.out.status ?? last.out.signal}): ${last.out.stderr}`);
    cpu.push(last.cpu);
  }
  return { cpu: median(cpu), wall: last!.wall, fit: JSON.parse(last!.out.stdout) as Record<string, unknown> };
}

function problemOf(p: Planted, law: "power" | "chinchilla"): { problem: Problem; starts: number[][] } {
  const d = lseData(law === "power" ? [p.x] : [p.x, p.x2], p.y);
  const idx = Array.from({ length: p.y.length }, (_, i) => i);
  const problem: Problem = { model: lseModel(d, idx), target: d.logY, delta: law === "power" ? Infinity : 1e-3 };
  return { problem, starts: rankStarts(problem, lseStarts(d, idx)).slice(0, 8) };
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

async function main() {
  const sizes = (arg("--rows") ?? "1e4,1e5,1e6").split(",").map(Number);
  const rounds = Number(arg("--rounds") ?? 1);
  const dir = mkdtempSync(join(tmpdir(), "cgx-bench-fit-"));
  try {
    const ref = median(Array.from({ length: 5 }, () => runNode(["-e", "0"]).cpu));
    console.log(`cgx fit on planted tables (${(100 * NOISE).toFixed(1)}% noise, default options: 200 bootstrap replicates, cross-validated error)`);
    console.log(`reference: node -e 0, ${ref.toFixed(2)} s of CPU (median of 5); CPU of cgx fit the median of ${rounds} run${rounds === 1 ? "" : "s"}`);
    for (const law of ["power", "chinchilla"] as const) {
      const truth: Record<string, number> = law === "power" ? POWER : CHIN;
      for (const rows of sizes) {
        const p = plant(law, rows, rows + (law === "power" ? 0 : 1));
        const file = join(dir, `${law}-${rows}.csv`);
        writeFileSync(file, csv(p));
        const { cpu, wall, fit } = timeCli(law, file, rounds);
        const g = fit["goodness"] as { loo_mae_log: number | null };
        const params = Object.keys(truth)
          .map((k) => `${k} ${Number(fit[k]).toPrecision(5)} (planted ${truth[k]}, ${rel(Number(fit[k]), truth[k]!)})`)
          .join(", ");
        console.log(
          `  ${law.padEnd(10)} ${String(rows).padStart(8)} rows  ${cpu.toFixed(2).padStart(6)} s CPU (${(cpu / ref).toFixed(0).padStart(3)}x the reference), ${wall.toFixed(2).padStart(6)} s wall   ${params}; CV MAE ${g.loo_mae_log?.toPrecision(3) ?? "-"}`,
        );
      }
    }
    const legacy = await loadLegacy();
    if (!legacy) {
      console.log("ml-levenberg-marquardt is not installed: no comparison with the old solver");
      return;
    }
    console.log("\nsolver alone, 10,000 rows, the 8 best grid starts (what a fresh fit runs):");
    for (const law of ["power", "chinchilla"] as const) {
      const { problem, starts } = problemOf(plant(law, 10_000, 7), law);
      const fresh = timed(() => multiStart(problem, starts, starts.length));
      const old = timed(() => {
        let best: Solution = { theta: [], loss: Infinity };
        for (const s of starts) {
          const sol = legacySolveFrom(legacy, problem, s);
          if (sol.loss < best.loss) best = sol;
        }
        return best;
      });
      const dTheta = Math.max(...fresh.value.theta.map((v, j) => Math.abs(v - old.value.theta[j]!) / Math.max(1e-12, Math.abs(old.value.theta[j]!))));
      console.log(
        `  ${law.padEnd(10)} new ${fresh.ms.toFixed(0).padStart(6)} ms   old ${old.ms.toFixed(0).padStart(6)} ms   ratio ${(old.ms / fresh.ms).toFixed(1)}x   loss new ${fresh.value.loss.toPrecision(12)} old ${old.value.loss.toPrecision(12)}; largest relative difference in theta ${dTheta.toExponential(1)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
