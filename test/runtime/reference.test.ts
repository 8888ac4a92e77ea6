/**
 * The model against an independent implementation: test/fixtures/reference-gpt.json holds weights, a
 * batch, and the loss and every parameter gradient computed by a float64 PyTorch GPT written from the
 * model's description (scripts/reference-model.py, run once by hand; CI has no PyTorch). Here cgx's
 * Gpt is built from exactly those weights and its loss and gradients must agree, on the wasm backend
 * (embedding gradient computed in JS, as training uses there) and on the cpu backend (in JS, and by tfjs).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { shapeOf } from "../../src/compiler/shapes.js";
import { loadBackend, type BackendName, type KernelsChoice } from "../../src/runtime/backend.js";
import { opStyleFor } from "../../src/runtime/model/ops.js";
import { Gpt } from "../../src/runtime/model/model.js";
import { initParams, type Params } from "../../src/runtime/model/params.js";

interface Tensor {
  readonly shape: number[];
  readonly data: number[];
}
interface Fixture {
  readonly config: { vocab: number; context: number; width: number; heads: number; layers: number; mlp: number; batch: number; length: number };
  readonly inputs: number[][];
  readonly targets: number[][];
  readonly loss: number;
  readonly params: Record<string, Tensor>;
  readonly grads: Record<string, Tensor>;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/reference-gpt.json", import.meta.url), "utf8")) as Fixture;
const cfg = fixture.config;
const shape = shapeOf(cfg.layers, cfg.width, cfg.heads, cfg.mlp, cfg.vocab, cfg.context);

/**
 * Tolerance. cgx computes in float32 (unit roundoff 6e-8) and the reference in float64 from the same
 * float32 weights, so a correct model differs only by float32 rounding, accumulated through ~20
 * layers of ops: typically 1e-7..1e-6 relative. A plain per-element relative error is not usable:
 * some gradients are exactly zero in exact arithmetic (the key bias: adding q.b_k to every score of a
 * row leaves the softmax unchanged), and there the reference holds ~1e-17 and float32 gives ~1e-9, an
 * "infinite" relative error that means nothing. So each element is measured against its own size,
 * floored at 1% of the largest gradient in the same tensor:
 *     |cgx - ref| <= 1e-4 * max(|ref|, 1e-2 * max|ref of that tensor|)
 * That is still 1e-4 relative on every element that matters, and any real bug (a transposed weight,
 * a wrong head split, a missing mask, a wrong GELU constant, a LayerNorm with the wrong variance)
 * moves gradients by percents, not parts per million. The per-tensor relative L2 error is reported
 * alongside.
 */
const TOL = 1e-4;
const FLOOR = 1e-2;

function compare(got: Float32Array | number[], ref: readonly number[]): { maxRel: number; relL2: number; worst: number } {
  let scale = 0;
  for (const r of ref) scale = Math.max(scale, Math.abs(r));
  let maxRel = 0;
  let worst = -1;
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(got[i]! - ref[i]!);
    const rel = diff / Math.max(Math.abs(ref[i]!), FLOOR * scale);
    if (!(rel <= maxRel)) {
      maxRel = rel; // NaN sticks
      worst = i;
    }
    num += diff * diff;
    den += ref[i]! * ref[i]!;
  }
  return { maxRel, relL2: Math.sqrt(num / den), worst };
}

function fixtureParams(): Params {
  const out: Params = new Map();
  for (const [name, t] of Object.entries(fixture.params)) out.set(name, { name, shape: t.shape, data: Float32Array.from(t.data) });
  return out;
}

describe("the model against an independent PyTorch reference", () => {
  it("the fixture covers exactly cgx's parameters, with cgx's shapes", () => {
    const ours = initParams(shape, cfg.layers, 1);
    expect(Object.keys(fixture.params).sort()).toEqual([...ours.keys()].sort());
    expect(Object.keys(fixture.grads).sort()).toEqual([...ours.keys()].sort());
    for (const [name, a] of ours) {
      expect(fixture.params[name]!.shape, name).toEqual([...a.shape]);
      expect(fixture.grads[name]!.shape, name).toEqual([...a.shape]);
      expect(fixture.params[name]!.data.length, name).toBe(a.data.length);
      expect(fixture.grads[name]!.data.length, name).toBe(a.data.length);
    }
    expect(fixture.inputs.length).toBe(cfg.batch);
    expect(fixture.inputs.every((row) => row.length === cfg.length)).toBe(true);
  });

  // Every formulation the runtime can pick: OpenBLAS kernels (fused attention, transposed GEMMs)
  // with the row kernels compiled or in JavaScript, the wasm backend's own kernels, and the cpu
  // backend with either embedding gradient.
  const cases: [BackendName, KernelsChoice, boolean][] = [
    ["wasm", "native", true],
    ["wasm", "openblas", true],
    ["wasm", "builtin", true],
    ["cpu", "builtin", true],
    ["cpu", "builtin", false],
  ];
  for (const [backend, kernels, oneHot] of cases) {
    it(`matches the loss and every gradient on ${backend} with ${kernels} kernels (embedding gradient ${oneHot ? "in JS" : "by tfjs"})`, async () => {
      const b = await loadBackend(backend, kernels);
      expect(b.kernels).toBe(kernels);
      const { tf } = b;
      const style = { ...opStyleFor(tf), jsEmbeddingGrad: oneHot };
      expect(style.fusedKernels).toBe(kernels === "openblas" || kernels === "native");
      const model = new Gpt(tf, shape, fixtureParams(), style);
      const inputs = tf.tensor2d(fixture.inputs, [cfg.batch, cfg.length], "int32");
      const targets = tf.tensor1d(fixture.targets.flat(), "int32");
      try {
        const names = [...model.vars.keys()];
        const { value, grads } = model.grads(() => model.loss(inputs, targets));
        const loss = value.dataSync()[0]!;
        const lossRel = Math.abs(loss - fixture.loss) / Math.abs(fixture.loss);
        const report: string[] = [`loss ${loss} vs ${fixture.loss} (rel ${lossRel.toExponential(2)})`];
        const failures: string[] = [];
        let maxRel = 0;
        let maxL2 = 0;
        for (const name of names) {
          const g = grads[name];
          expect(g, `a gradient for ${name}`).toBeDefined();
          const ref = fixture.grads[name]!;
          expect(g!.shape, name).toEqual(ref.shape);
          const c = compare(g!.dataSync() as Float32Array, ref.data);
          maxRel = Math.max(maxRel, c.maxRel);
          maxL2 = Math.max(maxL2, c.relL2);
          report.push(`${name.padEnd(22)} max rel ${c.maxRel.toExponential(2)}  rel L2 ${c.relL2.toExponential(2)}`);
          if (!(c.maxRel <= TOL)) failures.push(`${name}[${c.worst}]: cgx ${g!.dataSync()[c.worst]} vs reference ${ref.data[c.worst]} (rel ${c.maxRel.toExponential(2)})`);
        }
        report.push(`max over tensors: elementwise rel ${maxRel.toExponential(2)}, rel L2 ${maxL2.toExponential(2)}`);
        if (process.env.CGX_REFERENCE_REPORT) console.log(`${backend}/${kernels}/${oneHot ? "js-embedding-grad" : "tfjs-embedding-grad"}\n  ${report.join("\n  ")}`);
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
        expect(lossRel).toBeLessThanOrEqual(TOL);
        expect(failures).toEqual([]);
      } finally {
        inputs.dispose();
        targets.dispose();
        model.dispose();
      }
    });
  }
});
