/**
 * Training-speed benchmark: the reference model of docs (byte vocabulary, context 64, batch 16,
 * d_model 128, 2 layers, 4 heads, MLP 4x, AdamW) for a fixed number of steps.
 *
 *   npm run --silent bench:train -- --json            one JSON object, default backend
 *   npm run --silent bench:train -- --backend cpu --json
 *   npm run --silent bench:train                      a table for every backend that loads
 *
 * Machines here are noisy, so each result also carries a reference measured in the same process:
 * a fixed plain-JS matmul; compare `step_over_reference` between runs rather than raw milliseconds.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { shapeOf } from "../src/compiler/shapes.js";
import { BACKEND_ORDER, loadBackend, pickBackend, type LoadedBackend } from "../src/runtime/backend.js";
import { Gpt } from "../src/runtime/model/model.js";
import { Optimizer } from "../src/runtime/training/optimizer.js";
import { initParams } from "../src/runtime/model/params.js";
import { Rng } from "../src/runtime/rng.js";

const CONFIG = { vocab: 256, context: 64, batch: 16, width: 128, layers: 2, heads: 4, mlp: 4, optimizer: "adamw" } as const;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function jsMatmulMs(n: number): number {
  const a = new Float32Array(n * n).fill(1.0001);
  const b = new Float32Array(n * n).fill(0.9999);
  const c = new Float32Array(n * n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += aik * b[k * n + j]!;
    }
  const t = performance.now() - t0;
  if (!(c[0]! > 0)) throw new Error("unreachable: keeps the loop from being optimised away");
  return t;
}

async function measure(b: LoadedBackend, steps: number) {
  const { tf } = b;
  const c = CONFIG;
  const shape = shapeOf(c.layers, c.width, c.heads, c.mlp, c.vocab, c.context);
  const model = new Gpt(tf, shape, initParams(shape, c.layers, 1));
  const opt = new Optimizer(tf, { kind: "adamw", lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, momentum: 0 });
  const rng = new Rng(7);
  const N = c.batch * c.context;
  const ids = Array.from({ length: N + 1 }, () => rng.int(c.vocab));
  const x = tf.tensor2d(ids.slice(0, N), [c.batch, c.context], "int32");
  const y = tf.tensor1d(ids.slice(1, N + 1), "int32");
  const vars = [...model.vars.values()];
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = model.grads(() => model.loss(x, y));
      opt.apply(model.vars, grads, 1e-3, 1, new Map(), new Set());
      return value.dataSync()[0]!;
    });
  for (let i = 0; i < 3; i++) step();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  const wallTotal = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  // Reference: a fixed plain-JS workload (a 192^3 float32 matmul) timed in the same process, so
  // runs on a busy or a quiet machine can be compared through the ratio.
  const ref: number[] = [];
  for (let i = 0; i < 7; i++) ref.push(jsMatmulMs(192));
  const ms = median(times);
  const reference = median(ref.slice(2));
  const leak = tf.memory().numTensors;
  model.dispose();
  opt.dispose();
  return {
    benchmark: "train",
    backend: b.name,
    tfjs: b.version,
    model: { ...CONFIG, params: shape.params, params_total: shape.params_total, flops_per_token: shape.flops_per_token },
    steps,
    ms_per_step: Math.round(ms * 10) / 10,
    tokens_per_s: Math.round((N * 1000) / ms),
    cpu_ms_per_step: Math.round(((cpu.user + cpu.system) / 1000 / steps) * 10) / 10,
    wall_ms_total: Math.round(wallTotal),
    reference_js_ms: Math.round(reference * 100) / 100,
    step_over_reference: Math.round((ms / reference) * 100) / 100,
    live_tensors: leak,
  };
}

async function main() {
  const steps = Number(arg("--steps") ?? 20);
  const json = process.argv.includes("--json");
  const forced = arg("--backend");
  if (json || forced) {
    const b = forced ? await loadBackend(forced as (typeof BACKEND_ORDER)[number]) : await pickBackend();
    const r = await measure(b, steps);
    console.log(json ? JSON.stringify(r) : r);
    return;
  }
  // One process per backend: native and JS backends do not mix in one process.
  const self = fileURLToPath(import.meta.url);
  const rows: string[] = [];
  for (const name of BACKEND_ORDER) {
    const out = spawnSync(process.execPath, [self, "--backend", name, "--json", "--steps", String(steps)], { encoding: "utf8" });
    if (out.status !== 0) {
      rows.push(`${name.padEnd(15)} does not load: ${(out.stderr.split("\n").find((l) => /Error/.test(l)) ?? out.stderr.split("\n")[0] ?? "").slice(0, 100)}`);
      continue;
    }
    const r = JSON.parse(out.stdout.trim().split("\n").pop()!);
    rows.push(`${name.padEnd(15)} ${String(r.ms_per_step).padStart(9)} ${String(r.tokens_per_s).padStart(9)} ${String(r.cpu_ms_per_step).padStart(9)} ${String(r.reference_js_ms).padStart(10)} ${String(r.step_over_reference).padStart(9)}`);
  }
  console.log(`reference model: vocab ${CONFIG.vocab}, context ${CONFIG.context}, batch ${CONFIG.batch}, d ${CONFIG.width}, ${CONFIG.layers} layers, ${CONFIG.heads} heads; median of ${steps} steps`);
  console.log(`${"backend".padEnd(15)} ${"ms/step".padStart(9)} ${"tok/s".padStart(9)} ${"cpu ms".padStart(9)} ${"ref ms".padStart(10)} ${"step/ref".padStart(9)}`);
  for (const r of rows) console.log(r);
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
