import type * as TF from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { shapeOf } from "../../src/compiler/shapes.js";
import { loadBackend } from "../../src/runtime/backend.js";
import { exampleNll } from "../../src/runtime/eval/nll.js";
import { Gpt } from "../../src/runtime/model/model.js";
import { initParams } from "../../src/runtime/model/params.js";

describe("per-example negative log-likelihood", () => {
  it("is the mean token loss over the example's windows, after the separator, whatever else shares the batch", async () => {
    const { tf } = await loadBackend("wasm");
    const T = 8;
    const shape = shapeOf(1, 16, 2, 4, 256, T);
    const model = new Gpt(tf, shape, initParams(shape, 1, 5));
    const bytes = (s: string) => Array.from(Buffer.from(s));
    const long = bytes("the cat sat on the mat."); // 23 tokens: windows of 8, 8 and 7
    const short = bytes("hi");
    // By hand: window k reads [previous token (the separator 10 first), ...] and predicts k*8 .. k*8+7.
    const seq = [10, ...long];
    let sum = 0;
    for (let start = 0; start < long.length; start += T) {
      const n = Math.min(T, long.length - start);
      const input = [...seq.slice(start, start + n), ...Array(T - n).fill(10)];
      const target = [...seq.slice(start + 1, start + 1 + n), ...Array(T - n).fill(10)];
      const losses = tf.tidy(() => model.tokenLosses(tf.tensor2d([input], [1, T], "int32") as TF.Tensor2D, tf.tensor1d(target, "int32") as TF.Tensor1D).dataSync());
      for (let q = 0; q < n; q++) sum += losses[q]!;
    }
    const alone = exampleNll(model, [long], { context: T, separator: 10, batch: 1 });
    expect(alone[0]).toBeCloseTo(sum / long.length, 5);
    // Batched with other examples, split across forward passes differently: the same numbers.
    const mixed = exampleNll(model, [short, long, [], short], { context: T, separator: 10, batch: 3 });
    expect(mixed[1]).toBeCloseTo(alone[0]!, 5);
    expect(mixed[0]).toBeCloseTo(mixed[3]!, 6);
    expect(mixed[2]).toBe(0);
    // Untrained, every token costs about ln 256.
    expect(alone[0]).toBeGreaterThan(4.5);
    expect(alone[0]).toBeLessThan(6.5);
    model.dispose();
  });
});
