/**
 * Compile-time benchmark: a 10,000-cell grid, parse to plan text. Prints absolute times and, since
 * machines here are noisy, the ratio to a reference measured in the same run (JSON.parse of the
 * plan's own text, a fixed amount of work proportional to the plan's size). Target: under 1 s.
 */
import { compile } from "../src/compiler/index.js";
import { planJson } from "../src/compiler/emit.js";
import { tenThousandCellSource } from "./grid-source.js";

function time<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const source = tenThousandCellSource();
compile(source); // warm-up: JIT and the ajv schema compile once per process
const runs: number[] = [];
let text = "";
let cells = 0;
for (let i = 0; i < 5; i++) {
  const r = time(() => {
    const result = compile(source);
    if (!result.plan) throw new Error("the benchmark grid did not compile");
    text = planJson(result.plan);
    return result.plan.cells.length;
  });
  cells = r.value;
  runs.push(r.ms);
}
const ref: number[] = [];
for (let i = 0; i < 5; i++) ref.push(time(() => JSON.parse(text)).ms);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result = {
  benchmark: "compile",
  cells,
  plan_bytes: text.length,
  compile_ms_median: Math.round(median(runs)),
  compile_ms_runs: runs.map(Math.round),
  reference_json_parse_ms: Math.round(median(ref) * 10) / 10,
  ratio_to_reference: Math.round((median(runs) / median(ref)) * 10) / 10,
  target_ms: 1000,
  under_target: median(runs) < 1000,
};
if (process.argv.includes("--json")) console.log(JSON.stringify(result));
else {
  console.log(`compile ${cells} cells: median ${result.compile_ms_median} ms (runs ${result.compile_ms_runs.join(", ")}) target < 1000 ms`);
  console.log(`plan: ${(text.length / 1e6).toFixed(1)} MB; reference JSON.parse of it: ${result.reference_json_parse_ms} ms; ratio ${result.ratio_to_reference}x`);
}
