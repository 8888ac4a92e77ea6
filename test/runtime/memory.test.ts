/**
 * Memory stays bounded over a few hundred training steps, across a growth event: a run leaves no
 * tensors behind, the live tensors and bytes do not creep upward from step to step (they step up
 * once, at the growth, by exactly the new layer's weights and optimizer moments), and the process's
 * resident memory grows by no more than a stated bound.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../src/plan/types.js";
import { loadBackend, type LoadedBackend } from "../../src/runtime/backend.js";
import { initParams, type Params } from "../../src/runtime/model/params.js";
import { runPlan } from "../../src/runtime/running/executor.js";
import { cellPaths, readMetrics, readStatus } from "../../src/runtime/running/rundir.js";
import type { CellData } from "../../src/runtime/training/trainer.js";
import { sentenceData, tinyPlan } from "./fixtures.js";

const STEPS = 400;
const MB = 1024 * 1024;

// A full garbage collection on demand (vitest starts node without --expose-gc), so that resident
// memory is compared at two points where no collectable garbage is left.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const data: CellData = sentenceData();

function plan(): Plan {
  return tinyPlan("grow {\n    start layers 1\n    at 50%: insert(top, layers: 1, init: zero)\n  }", `budget steps ${STEPS}`);
}

interface Sample {
  readonly step: number;
  readonly tensors: number;
  readonly bytes: number;
  readonly rss: number;
}

/** Tensors and float32 elements of a set of weights. */
const sizeOf = (p: Params) => ({ tensors: p.size, elements: [...p.values()].reduce((a, x) => a + x.data.length, 0) });
const max = (xs: readonly Sample[], f: (s: Sample) => number) => Math.max(...xs.map(f));
const min = (xs: readonly Sample[], f: (s: Sample) => number) => Math.min(...xs.map(f));

describe("memory during training", () => {
  let backend: LoadedBackend;
  beforeAll(async () => {
    backend = await loadBackend("wasm");
  });

  it("stays bounded over a few hundred steps and a growth event, and leaks no tensors", async () => {
    const { tf } = backend;
    const p = plan();
    expect(p.cells.length).toBe(1);
    const cell = p.cells[0]!;
    expect(cell.budget.steps).toBe(STEPS);
    expect([cell.growth!.start_layers, cell.growth!.final_layers]).toEqual([1, 2]);

    // What the growth adds: one block's weights, each with AdamW's two moments (m and v), float32.
    const small = sizeOf(initParams(cell.model, 1, cell.seed));
    const large = sizeOf(initParams(cell.model, 2, cell.seed));
    const extraTensors = 3 * (large.tensors - small.tensors); // 3 x 12
    const extraBytes = 3 * 4 * (large.elements - small.elements); // 3 x 4 x 12,704
    // Besides the model and optimizer, a model keeps a few small constants across steps (a causal
    // mask [T, T], rows of ones [1, B*T] for column sums): a handful of tensors of at most 1 KB.
    const slackTensors = 8;
    const slackBytes = 16 * 1024;

    const samples: Sample[] = [];
    const settled = new Map<number, NodeJS.MemoryUsage>();
    const settleAt = new Set([Math.round(0.3 * STEPS), STEPS]);
    const before = tf.memory();
    const root = mkdtempSync(join(tmpdir(), "cgx-memory-"));
    const s = await runPlan(p, {
      root,
      backend,
      data: async () => data,
      onEvent: (e) => {
        if (e.kind !== "progress") return;
        const step = e.progress!.step;
        const m = tf.memory();
        samples.push({ step, tensors: m.numTensors, bytes: m.numBytes, rss: process.memoryUsage().rss });
        if (settleAt.has(step)) {
          gc();
          settled.set(step, process.memoryUsage());
        }
      },
    });
    const after = tf.memory();
    const paths = cellPaths(s.runDir, cell.id);
    expect(readStatus(paths)!.message ?? "").toBe("");
    expect(s.results.get(cell.id)).toBe("done");
    expect(samples.map((x) => x.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));

    // The run crossed a growth: 1 layer to 2 at 50%, before step STEPS/2 + 1.
    const grows = readMetrics<Record<string, unknown> & { kind: string }>(paths.metrics).filter((m) => m.kind === "event" && m.event === "grow");
    expect(grows.map((g) => [g.step, g.layers_before, g.layers_after])).toEqual([[STEPS / 2, 1, 2]]);

    const between = (lo: number, hi: number) => samples.filter((x) => x.step > lo * STEPS && x.step <= hi * STEPS);
    const firstHalf = between(0, 0.5);
    const lastHalf = between(0.5, 1);
    const figures = (xs: Sample[]) => ({ tensors: [min(xs, (x) => x.tensors), max(xs, (x) => x.tensors)], bytes: [min(xs, (x) => x.bytes), max(xs, (x) => x.bytes)], rssMB: [min(xs, (x) => x.rss) / MB, max(xs, (x) => x.rss) / MB] });
    const settledMB = [...settled].map(([k, v]) => ({ step: k, rss: v.rss / MB, heapUsed: v.heapUsed / MB, external: v.external / MB }));
    if (process.env.CGX_MEMORY_REPORT) console.log(JSON.stringify({ kernels: backend.kernels, before: [before.numTensors, before.numBytes], after: [after.numTensors, after.numBytes], extraTensors, extraBytes, firstHalf: figures(firstHalf), lastHalf: figures(lastHalf), settledMB }));

    // (1) No leak across the run, growth included: both models and the optimizer were disposed.
    expect(after.numTensors, "live tensors after the run against before it").toBe(before.numTensors);
    expect(after.numBytes, "live tensor bytes after the run against before it").toBe(before.numBytes);

    // (2) Bounded during training. Before the growth the live tensors are the 1-layer model and its
    // moments (and the few constants); after it, exactly one block's worth more.
    const base = { tensors: max(firstHalf, (x) => x.tensors), bytes: max(firstHalf, (x) => x.bytes) };
    expect(base.tensors).toBeGreaterThanOrEqual(3 * small.tensors);
    expect(base.tensors).toBeLessThanOrEqual(3 * small.tensors + slackTensors);
    expect(base.bytes).toBeGreaterThanOrEqual(3 * 4 * small.elements);
    expect(base.bytes).toBeLessThanOrEqual(3 * 4 * small.elements + slackBytes);
    expect(max(lastHalf, (x) => x.tensors), "most live tensors after the growth").toBeLessThanOrEqual(base.tensors + extraTensors + slackTensors);
    expect(max(lastHalf, (x) => x.bytes), "most live bytes after the growth").toBeLessThanOrEqual(base.bytes + extraBytes + slackBytes);
    // The grown model is really what is measured after the growth.
    expect(min(lastHalf, (x) => x.tensors)).toBeGreaterThanOrEqual(base.tensors + extraTensors);
    expect(min(lastHalf, (x) => x.bytes)).toBeGreaterThanOrEqual(base.bytes + extraBytes);
    // No upward trend within a phase: the same maximum early and late, before and after the growth.
    // The quarters are split at the evaluation points (an evaluation after step k shows at step
    // k + 1), so something an evaluation leaves behind shows as a higher maximum in the next quarter.
    const windows = [
      [0, 0.25, 0.5],
      [0.5, 0.75, 1],
      [0.6, 0.8, 1],
    ] as const;
    for (const [lo, mid, hi] of windows) {
      const [a, b] = [between(lo, mid), between(mid, hi)];
      expect(max(b, (x) => x.tensors), `tensors in (${mid}, ${hi}] against (${lo}, ${mid}]`).toBe(max(a, (x) => x.tensors));
      expect(max(b, (x) => x.bytes), `bytes in (${mid}, ${hi}] against (${lo}, ${mid}]`).toBe(max(a, (x) => x.bytes));
    }

    // (3) Resident memory from 30% of training to the end. What may legitimately grow there: the
    // grown model's tensors (the 150 KB above), the wasm heap's high-water mark for a 2-layer step
    // (WebAssembly memory never shrinks; a step's activations here are well under 1 MB), V8's code
    // for the new shapes, and JavaScript garbage between major collections. That garbage is the
    // large term: about 0.1 MB per step, collected only when V8 decides (measured without the forced
    // collection at 30%: RSS climbed about 20 MB over these 280 steps, and 80 MB over 1,400 steps
    // before V8 collected). 64 MB is about three times that unforced figure, so the bound holds with
    // or without the collection, while a leak of 0.3 MB per step (a copy of the grown model's weights
    // and moments kept per step would be 0.4 MB) crosses it. After full collections the growth is
    // what is really retained and must be far smaller: 16 MB of RSS (measured: -2 to +0.3 MB), and
    // 8 MB of JavaScript heap plus memory outside it (typed arrays, the wasm heap; measured: +0.6 MB),
    // which catches a leak of 40 KB or more per step.
    const from = Math.round(0.3 * STEPS);
    const rssFrom = samples.find((x) => x.step === from)!.rss;
    const peakGrowth = max(between(0.3, 1), (x) => x.rss) - rssFrom;
    expect(peakGrowth / MB, "RSS growth from 30% to the end, MB").toBeLessThan(64);
    const [early, late] = [settled.get(from)!, settled.get(STEPS)!];
    expect((late.rss - early.rss) / MB, "RSS growth after full collections, MB").toBeLessThan(16);
    expect((late.heapUsed + late.external - early.heapUsed - early.external) / MB, "heap and external memory growth after full collections, MB").toBeLessThan(8);
  }, 120_000);
});
