/**
 * Data-layer benchmark: loads every builtin corpus cold and prints its size, difficulty and load
 * time (wall and CPU: machines here are shared and noisy, CPU time is the steadier figure), then
 * times a whole experiment's data load cold (empty cache) and warm (second call, same process and
 * cache). Run: `npx tsx bench/data.ts` (or `node dist/bench/data.js` after a build); `--json` for
 * one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PlanData } from "../src/plan/types.js";
import { BUILTIN_NAMES, loadBuiltin } from "../src/runtime/data/corpora/registry.js";
import { loadExperimentData } from "../src/runtime/data/index.js";
import { readability } from "../src/runtime/data/metrics/readability.js";

function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const c = process.cpuUsage(c0);
  return { value, wall: Math.round(performance.now() - t0), cpu: Math.round((c.user + c.system) / 1000) };
}

const json = process.argv.includes("--json");
const corpora: Record<string, string | number>[] = [];
const all = timed(() => {
  for (const name of BUILTIN_NAMES) {
    const load = timed(() => loadBuiltin(name));
    const docs = load.value;
    let chars = 0;
    let gradeSum = 0;
    let w = 0;
    let s = 0;
    let y = 0;
    let unfamiliar = 0;
    const score = timed(() => {
      for (const d of docs) {
        const r = readability(d.text);
        chars += d.text.length;
        gradeSum += r.grade;
        w += r.words;
        s += r.sentences;
        y += r.syllables;
        unfamiliar += r.unfamiliar;
      }
    });
    corpora.push({
      corpus: name,
      documents: docs.length,
      mchars: +(chars / 1e6).toFixed(2),
      mean_chars: Math.round(chars / docs.length),
      mean_grade: +(gradeSum / docs.length).toFixed(2),
      corpus_grade: +(0.39 * (w / s) + 11.8 * (y / w) - 15.59).toFixed(2),
      unfamiliar_pct: +((100 * unfamiliar) / w).toFixed(1),
      load_ms: load.wall,
      load_cpu_ms: load.cpu,
      score_ms: score.wall,
    });
  }
});

async function experiment(label: string, data: PlanData) {
  const cacheDir = mkdtempSync(join(tmpdir(), "cgx-bench-data-"));
  try {
    const runs = [];
    for (const pass of ["cold", "warm"]) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const d = await loadExperimentData(data, { cacheDir, cwd: process.cwd() });
      const c = process.cpuUsage(c0);
      const examples = [...d.sources.values()].reduce((n, s) => n + s.train.length + s.heldout.length, 0);
      runs.push({ pass, wall_ms: Math.round(performance.now() - t0), cpu_ms: Math.round((c.user + c.system) / 1000), examples, phases: d.timings });
    }
    return { experiment: label, runs };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

const sources = ["gutenberg.children", "brown.fiction", "gutenberg.adult", "sotu"].map((c) => ({ name: c, kind: "builtin" as const, corpus: c }));
// Corpora are already in memory here, so "cold" is cold for the disk cache (scores, bpe), not for reading the packages.
const experiments = [
  await experiment("4 corpora, bytes, flesch_kincaid", { tokenizer: { kind: "bytes", vocab: 256 }, context: 64, heldout: 0.02, difficulty: { kind: "flesch_kincaid" }, sources }),
  await experiment("4 corpora, bpe(2048), rarity", { tokenizer: { kind: "bpe", vocab: 2048 }, context: 64, heldout: 0.02, difficulty: { kind: "rarity" }, sources }),
];

const result = { benchmark: "data", all_corpora_load_and_score_ms: all.wall, all_corpora_cpu_ms: all.cpu, corpora, experiments, rss_mb: Math.round(process.memoryUsage().rss / 1e6) };
if (json) console.log(JSON.stringify(result));
else {
  console.table(corpora);
  console.log(`all corpora: ${all.wall} ms wall, ${all.cpu} ms CPU (load + readability of every document); simple.sentences' time excludes the corpora it reads, loaded before it`);
  for (const e of experiments) for (const r of e.runs) console.log(`${e.experiment} [${r.pass}]: ${r.wall_ms} ms wall, ${r.cpu_ms} ms CPU, ${r.examples} examples; phases ${JSON.stringify(r.phases)}`);
  console.log(`rss ${result.rss_mb} MB`);
}
