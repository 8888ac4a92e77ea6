import { describe, expect, it } from "vitest";
import { shapeOf } from "../../src/compiler/shapes.js";
import { loadBackend } from "../../src/runtime/backend.js";
import { Gpt } from "../../src/runtime/model/model.js";
import { Optimizer } from "../../src/runtime/training/optimizer.js";
import { countParams, initParams, patternMatcher } from "../../src/runtime/model/params.js";

describe("the model", () => {
  it("has exactly the plan's closed-form parameter count", async () => {
    const { tf } = await loadBackend("wasm");
    for (const [layers, width, heads, mlp, vocab, ctx] of [
      [1, 32, 4, 4, 256, 16],
      [3, 48, 2, 2, 300, 32],
      [2, 64, 8, 4, 256, 64],
    ] as const) {
      const shape = shapeOf(layers, width, heads, mlp, vocab, ctx);
      const params = initParams(shape, layers, 1);
      expect(countParams(params)).toBe(shape.params_total);
      const model = new Gpt(tf, shape, params);
      expect(model.paramCount()).toBe(shape.params_total);
      model.dispose();
    }
  });

  it("trains: the loss on a fixed batch falls", async () => {
    const { tf } = await loadBackend("wasm");
    const shape = shapeOf(1, 32, 4, 4, 256, 16);
    const model = new Gpt(tf, shape, initParams(shape, 1, 3));
    const opt = new Optimizer(tf, { kind: "adamw", lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, momentum: 0 });
    const text = "the cat sat on the mat. the cat sat on the mat. ";
    const ids = Array.from({ length: 4 * 17 }, (_, i) => text.charCodeAt(i % text.length));
    const inputs = tf.tensor2d(Array.from({ length: 4 }, (_, b) => ids.slice(b * 17, b * 17 + 16)), [4, 16], "int32");
    const targets = tf.tensor1d(Array.from({ length: 4 }, (_, b) => ids.slice(b * 17 + 1, b * 17 + 17)).flat(), "int32");
    const losses: number[] = [];
    const vars = [...model.vars.values()];
    for (let i = 0; i < 30; i++) {
      const { value, grads } = model.grads(() => model.loss(inputs, targets));
      losses.push(value.dataSync()[0]!);
      opt.apply(model.vars, grads, 3e-3, 1, new Map(), new Set());
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    }
    expect(losses[0]!).toBeGreaterThan(5); // ~ln 256 at init
    expect(losses[29]!).toBeLessThan(losses[0]! * 0.6);
  });

  it("matches parameter patterns segment by segment", () => {
    const m = patternMatcher("blocks.*.mlp.*");
    expect(m("blocks.0.mlp.fc")).toBe(true);
    expect(m("blocks.12.mlp.proj")).toBe(true);
    expect(m("blocks.0.mlp.fc.w")).toBe(false);
    expect(patternMatcher("blocks.*.mlp.**")("blocks.0.mlp.fc.w")).toBe(true);
    expect(m("blocks.0.attn.qkv")).toBe(false);
  });
});

describe("memory", () => {
  it("building and disposing a model leaves no tensors behind", async () => {
    const { tf } = await loadBackend("wasm");
    const shape = shapeOf(1, 32, 4, 4, 256, 16);
    const before = tf.memory().numTensors;
    const model = new Gpt(tf, shape, initParams(shape, 1, 3));
    model.assign(initParams(shape, 1, 4));
    model.dispose();
    expect(tf.memory().numTensors - before).toBe(0);
  });
});
