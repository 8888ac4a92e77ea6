/**
 * Per-kernel profile of one training step of the reference model (or the larger one) on wasm:
 * every kernel of the backend is wrapped with a timer, so the table shows where each millisecond
 * goes, plus the time outside kernels (tfjs's dispatch and tape, JS glue).
 *
 *   npm run --silent bench:profile                     reference model, kernels from CGX_KERNELS
 *   npm run --silent bench:profile -- --model large --kernels builtin --steps 10
 */
import { loadBackend, type KernelsChoice } from "../src/runtime/backend.js";
import { BENCH_MODELS, makeStep } from "./train-step.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const model = BENCH_MODELS[(arg("--model") ?? "reference") as keyof typeof BENCH_MODELS];
  if (!model) throw new Error(`unknown --model; use one of ${Object.keys(BENCH_MODELS).join(", ")}`);
  const steps = Number(arg("--steps") ?? 10);
  const b = await loadBackend("wasm", (arg("--kernels") ?? "auto") as KernelsChoice);
  const { tf } = b;
  const times = new Map<string, { ms: number; calls: number }>();
  let depth = 0;
  for (const k of tf.getKernelsForBackend("wasm")) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, "wasm");
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: Parameters<typeof inner>[0]) => {
        // Kernels that call kernels (fused ones) are counted once, at the outermost.
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          const e = times.get(k.kernelName) ?? { ms: 0, calls: 0 };
          e.ms += performance.now() - t0;
          e.calls++;
          times.set(k.kernelName, e);
        }
      }) as typeof inner,
    });
  }
  const run = makeStep(b, model);
  for (let i = 0; i < 3; i++) run.step();
  times.clear();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) run.step();
  const total = (performance.now() - t0) / steps;
  run.dispose();
  const rows = [...times].map(([name, t]) => ({ name, ms: t.ms / steps, calls: t.calls / steps })).sort((a, b) => b.ms - a.ms);
  const inKernels = rows.reduce((s, r) => s + r.ms, 0);
  console.log(`${model.label} on wasm, ${b.kernels} kernels: ${total.toFixed(1)} ms/step (mean of ${steps})`);
  console.log(`${"kernel".padEnd(22)} ${"ms/step".padStart(8)} ${"share".padStart(6)} ${"calls".padStart(6)}`);
  for (const r of rows.slice(0, 25)) console.log(`${r.name.padEnd(22)} ${r.ms.toFixed(2).padStart(8)} ${((100 * r.ms) / total).toFixed(1).padStart(5)}% ${r.calls.toFixed(0).padStart(6)}`);
  console.log(`${"(outside kernels)".padEnd(22)} ${(total - inKernels).toFixed(2).padStart(8)} ${((100 * (total - inKernels)) / total).toFixed(1).padStart(5)}%`);
}

main().catch((e) => {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
});
