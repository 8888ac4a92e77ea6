/**
 * The row kernels compiled for this machine (kernels/native/kernels.c) against their JavaScript
 * twins (kernels/rows.ts) on the same random inputs: the same arithmetic in the same order, so
 * every output agrees to float32 rounding (identical unless exp or log round differently in the
 * last bit of a double). The project's set-up builds the library; a machine without it fails here
 * with the reason rather than skipping.
 */
import { describe, expect, it } from "vitest";
import { probeNativeRows } from "../../src/runtime/model/kernels/native.js";
import { JS_ROWS, type RowKernels } from "../../src/runtime/model/kernels/rows.js";
import { Rng } from "../../src/runtime/rng.js";

function random(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** Largest |a - b| / max(1e-6, |b|), and how many elements are bit-identical. */
function compare(a: Float32Array, b: Float32Array): { rel: number; same: number } {
  expect(a.length).toBe(b.length);
  let rel = 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i])) same++;
    rel = Math.max(rel, Math.abs(a[i]! - b[i]!) / Math.max(1e-6, Math.abs(b[i]!)));
  }
  return { rel, same };
}

describe("compiled row kernels", () => {
  const probe = probeNativeRows();
  it("are built by the set-up and load", () => {
    expect(probe.ok, probe.ok ? "" : probe.reason).toBe(true);
  });
  const native = (probe.ok ? probe.rows : JS_ROWS) as RowKernels;

  /** Runs `f` on both implementations with fresh copies of the inputs, and compares every output. */
  function agree(f: (rows: RowKernels) => Float32Array[]): void {
    const js = f(JS_ROWS);
    const nat = f(native);
    js.forEach((a, i) => {
      const { rel, same } = compare(nat[i]!, a);
      expect(rel, `output ${i}`).toBeLessThan(1e-6);
      expect(same / a.length, `output ${i}: share bit-identical`).toBeGreaterThan(0.99);
    });
  }

  const N = 96;
  const C = 48;
  it("LayerNorm forward and backward", () => {
    agree((r) => {
      const y = new Float32Array(N * C), xh = new Float32Array(N * C), rs = new Float32Array(N);
      r.layerNorm(random(N * C, 1, 3), random(C, 2), random(C, 3), y, xh, rs, N, C);
      const dx = new Float32Array(N * C), dg = new Float32Array(C), db = new Float32Array(C);
      r.layerNormGrad(random(N * C, 4), xh, rs, random(C, 2), dx, dg, db, N, C);
      return [y, xh, rs, dx, dg, db];
    });
  });

  it("GELU's argument and gradient", () => {
    agree((r) => {
      const x = random(5000, 5, 4);
      const u = new Float32Array(x.length);
      r.geluArg(x, u);
      const s = Float32Array.from(u, (v) => 1 / (1 + Math.exp(-v)));
      const dx = new Float32Array(x.length);
      r.geluGrad(random(x.length, 6), x, s, dx);
      return [u, dx];
    });
  });

  it("cross-entropy and its gradient", () => {
    const V = 64;
    const targets = Int32Array.from({ length: N }, (_, i) => (i * 7) % V);
    agree((r) => {
      const gr = new Float32Array(N * V);
      const loss = r.crossEntropy(random(N * V, 7, 5), targets, gr, N, V);
      return [gr, Float32Array.of(loss)];
    });
  });

  it("AdamW with and without a mask, and the sum of squares", () => {
    const h = { lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, bc1: 0.19, bc2: 0.0975, scale: 0.7 };
    const mask = Float32Array.from({ length: 4000 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    agree((r) => {
      const out: Float32Array[] = [];
      for (const m of [null, mask]) {
        const ow = new Float32Array(4000), om = new Float32Array(4000), ov = new Float32Array(4000);
        r.adamw(random(4000, 8), random(4000, 9, 0.1), random(4000, 10, 0.01), random(4000, 11, 1e-4).map(Math.abs), m, ow, om, ov, h);
        out.push(ow, om, ov);
      }
      out.push(Float32Array.of(r.sumSquares(random(4000, 12), r.sumSquares(random(100, 13), 0))));
      return out;
    });
  });

  it("causal softmax and its gradient", () => {
    const T = 33;
    agree((r) => {
      const P = random(T * T, 14, 6);
      r.causalSoftmax(P, T);
      const dS = random(T * T, 15);
      r.causalSoftmaxGrad(P, dS, T);
      return [P, dS];
    });
  });
});
