/**
 * Growth by distillation at run time: the hand-written loss and gradient (cgx's wasm kernel and the
 * tfjs-ops formulation other backends use) against central finite differences of a float64
 * reference and against tfjs's autodiff; then a tiny model really trained through a distillation:
 * the student's KL to its teacher falls during the span, the FLOP ledger counts the teacher's
 * forward passes exactly, a FLOP budget stops on that ledger, and a cell resumed mid-span writes
 * exactly the metrics of an uninterrupted one.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as TF from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { shapeOf } from "../../src/compiler/shapes.js";
import type { Plan } from "../../src/plan/types.js";
import { loadBackend, type LoadedBackend } from "../../src/runtime/backend.js";
import { Gpt } from "../../src/runtime/model/model.js";
import { makeOps, opStyleFor, type OpStyle } from "../../src/runtime/model/ops.js";
import { initParams } from "../../src/runtime/model/params.js";
import { Optimizer } from "../../src/runtime/training/optimizer.js";
import { trainStep } from "../../src/runtime/training/step.js";
import { runPlan } from "../../src/runtime/running/executor.js";
import { cellPaths, readMetrics, readStatus } from "../../src/runtime/running/rundir.js";
import { Rng } from "../../src/runtime/rng.js";
import { sentenceData, tinyPlan } from "./fixtures.js";

let backend: LoadedBackend;
let tf: LoadedBackend["tf"];
beforeAll(async () => {
  backend = await loadBackend("wasm", "openblas");
  tf = backend.tf;
});

/** The objective and its parts in float64, straight from the definition. */
function reference(z: Float64Array, t: Float64Array, y: Int32Array, V: number, T: number, w: number): { objective: number; ce: number; kl: number } {
  const N = y.length;
  const logSoftmax = (x: Float64Array, o: number, scale: number) => {
    let max = -Infinity;
    for (let j = 0; j < V; j++) max = Math.max(max, x[o + j]! / scale);
    let sum = 0;
    for (let j = 0; j < V; j++) sum += Math.exp(x[o + j]! / scale - max);
    return Array.from({ length: V }, (_, j) => x[o + j]! / scale - max - Math.log(sum));
  };
  let ce = 0;
  let kl = 0;
  for (let i = 0; i < N; i++) {
    const o = i * V;
    ce -= logSoftmax(z, o, 1)[y[i]!]!;
    const lq = logSoftmax(z, o, T);
    const lr = logSoftmax(t, o, T);
    for (let j = 0; j < V; j++) kl += Math.exp(lr[j]!) * (lr[j]! - lq[j]!);
  }
  ce /= N;
  kl /= N;
  return { objective: (1 - w) * ce + w * T * T * kl, ce, kl };
}

describe("the distillation loss and its hand-written gradient", () => {
  const N = 6;
  const V = 11;
  const rng = new Rng(7);
  const z = Float64Array.from({ length: N * V }, () => Math.fround(rng.normal() * 2));
  const t = Float64Array.from({ length: N * V }, () => Math.fround(rng.normal() * 3));
  // One row whose teacher is nearly certain: most of its soft targets underflow in float32.
  for (let j = 0; j < V; j++) t[2 * V + j] = j === 4 ? 60 : -60;
  const y = Int32Array.from({ length: N }, (_, i) => (i * 5 + 3) % V);

  const styles = (): [string, OpStyle][] => {
    const fused = opStyleFor(tf);
    expect(fused.fusedKernels).toBe(true);
    return [
      ["cgx's wasm kernel", fused],
      ["tfjs ops (tfjs-node, cpu, wasm's own kernels)", { ...fused, fusedKernels: false }],
    ];
  };

  for (const [T, w] of [
    [1, 0.5],
    [2.5, 0.3],
    [4, 1],
    [0.5, 0],
  ] as const) {
    it(`equals the float64 definition and its finite differences, T = ${T}, weight = ${w}`, () => {
      const ref = reference(z, t, y, V, T, w);
      // Central differences of the float64 reference: exact to ~1e-9 here.
      const h = 1e-5;
      const fd = Array.from(z, (_, k) => {
        const up = Float64Array.from(z);
        const down = Float64Array.from(z);
        up[k]! += h;
        down[k]! -= h;
        return (reference(up, t, y, V, T, w).objective - reference(down, t, y, V, T, w).objective) / (2 * h);
      });
      const scale = Math.max(...fd.map(Math.abs));
      for (const [name, style] of styles()) {
        const ops = makeOps(tf, style);
        const zt = tf.tensor2d(Float32Array.from(z), [N, V]);
        const tt = tf.tensor2d(Float32Array.from(t), [N, V]);
        const yt = tf.tensor1d(y, "int32");
        let parts: TF.Tensor1D | undefined;
        const { value, grad } = tf.valueAndGrad((x: TF.Tensor) => {
          const r = ops.distillation(x as TF.Tensor2D, tt, yt, T, w);
          parts = r.parts;
          return r.objective;
        })(zt);
        const [ce, kl] = parts!.dataSync();
        expect(Math.abs(value.dataSync()[0]! - ref.objective), name).toBeLessThan(1e-5 * Math.max(1, ref.objective));
        expect(Math.abs(ce! - ref.ce), name).toBeLessThan(1e-5 * ref.ce);
        expect(Math.abs(kl! - ref.kl), name).toBeLessThan(1e-5 * Math.max(1e-3, ref.kl));
        const g = grad.dataSync();
        for (let k = 0; k < g.length; k++) expect(Math.abs(g[k]! - fd[k]!), `${name}: element ${k}`).toBeLessThan(2e-6 * scale + 1e-8);
        for (const x of [zt, tt, yt, value, grad, parts!]) x.dispose();
        ops.dispose();
      }
    });
  }

  it("equals tfjs's own autodiff of the same formula written with plain ops", () => {
    const T = 2;
    const w = 0.4;
    const zt = tf.tensor2d(Float32Array.from(z), [N, V]);
    const tt = tf.tensor2d(Float32Array.from(t), [N, V]);
    const yt = tf.tensor1d(y, "int32");
    const plain = (x: TF.Tensor) =>
      tf.tidy(() => {
        const ce = tf.div(tf.neg(tf.sum(tf.mul(tf.oneHot(yt, V).toFloat(), tf.logSoftmax(x as TF.Tensor2D)))), N);
        const lr = tf.logSoftmax(tf.div(tt, T));
        const kl = tf.div(tf.sum(tf.mul(tf.exp(lr), tf.sub(lr, tf.logSoftmax(tf.div(x, T) as TF.Tensor2D)))), N);
        return tf.add(tf.mul(ce, 1 - w), tf.mul(kl, w * T * T)) as TF.Scalar;
      });
    const auto = tf.grad(plain)(zt).dataSync();
    for (const [name, style] of styles()) {
      const ops = makeOps(tf, style);
      let parts: TF.Tensor1D | undefined;
      const ours = tf
        .grad((x: TF.Tensor) => {
          const r = ops.distillation(x as TF.Tensor2D, tt, yt, T, w);
          parts = r.parts;
          return r.objective;
        })(zt)
        .dataSync();
      parts!.dispose();
      for (let k = 0; k < auto.length; k++) expect(Math.abs(ours[k]! - auto[k]!), `${name}: element ${k}`).toBeLessThan(1e-6);
      ops.dispose();
    }
    for (const x of [zt, tt, yt]) x.dispose();
  });
});

describe("a distilling training step", () => {
  it("gives the same loss, KL, objective and update with cgx's kernels and with tfjs ops", () => {
    const shape = shapeOf(2, 32, 4, 4, 256, 16);
    const teacherParams = initParams(shape, 1, 3);
    const studentParams = initParams(shape, 2, 3, "distil", 0);
    const batch = (() => {
      const ids = Array.from({ length: 4 * 17 }, (_, i) => (i * 37 + 11) % 256);
      const rows = Array.from({ length: 4 }, (_, b) => ids.slice(b * 17, b * 17 + 17));
      return { inputs: Int32Array.from(rows.flatMap((r) => r.slice(0, 16))), targets: Int32Array.from(rows.flatMap((r) => r.slice(1))) };
    })();
    const fused = opStyleFor(tf);
    const results = [fused, { ...fused, fusedKernels: false }].map((style) => {
      const teacher = new Gpt(tf, shape, teacherParams, style);
      const student = new Gpt(tf, shape, studentParams, style);
      // Plain SGD: the update is the gradient itself (Adam's first step would be its sign).
      const opt = new Optimizer(tf, { kind: "sgd", lr: 0.1, beta1: 0, beta2: 0, eps: 1e-8, weight_decay: 0, momentum: 0 });
      const r = trainStep(tf, student, opt, batch, { rows: 4, context: 16, lr: 0.1, clip: 0, distil: { teacher, temperature: 2, weight: 0.7 } });
      const after = student.toArrays();
      for (const m of [teacher, student]) m.dispose();
      opt.dispose();
      return { r, after };
    });
    const [a, b] = results;
    expect(a!.r.distil).toBeDefined();
    expect(Math.abs(a!.r.value - b!.r.value)).toBeLessThan(1e-5);
    expect(Math.abs(a!.r.distil!.kl - b!.r.distil!.kl)).toBeLessThan(1e-6);
    expect(Math.abs(a!.r.distil!.objective - b!.r.distil!.objective)).toBeLessThan(1e-5);
    expect(Math.abs(a!.r.gradNorm - b!.r.gradNorm) / a!.r.gradNorm).toBeLessThan(1e-4);
    // The objective is the mix of the data loss and the KL the step reports.
    expect(Math.abs(a!.r.distil!.objective - (0.3 * a!.r.value + 0.7 * 4 * a!.r.distil!.kl))).toBeLessThan(1e-5);
    let worst = 0;
    for (const [name, w] of a!.after) {
      const v = b!.after.get(name)!.data;
      for (let i = 0; i < w.data.length; i++) worst = Math.max(worst, Math.abs(w.data[i]! - v[i]!));
    }
    expect(worst).toBeLessThan(1e-6);
    // The update moved the student (so the comparison is not of two untouched copies).
    expect([...a!.after.get("blocks.1.mlp.fc.w")!.data].some((x, i) => x !== studentParams.get("blocks.1.mlp.fc.w")!.data[i])).toBe(true);
  });
});

describe("a distillation in a training run", () => {
  const data = sentenceData();
  /** 80 steps of 4 x 16 = 64 tokens; evals (and checkpoints) at steps 20, 40, 60, 80. */
  function plan(growBlock: string, extra = "", budget = "budget steps 80"): Plan {
    return tinyPlan(`grow {\n    ${growBlock}\n  }\n  ${extra}`, budget);
  }
  type Rec = Record<string, unknown> & { kind: string; step: number };
  type Span = { from_step: number; to_step: number; layers: number; flops_per_token: number; flops: number; teacher_layers?: number; teacher_flops_per_token?: number };
  const F1 = shapeOf(1, 32, 4, 4, 256, 16).flops_per_token;
  const F2 = shapeOf(2, 32, 4, 4, 256, 16).flops_per_token;
  const TPS = 64;

  it("trains the student against its teacher: the KL falls, the ledger counts the teacher exactly, and a resume mid-span is exact", async () => {
    // The teacher (1 layer) trains 32 steps, then a fresh 2-layer student learns from it for 32
    // steps (until step 64), then alone. The `off` cell trains the 2-layer model from the start.
    const p = plan("start layers 1\n    at 40%: distil(layers: 2, span: 40%, temperature: 2, weight: 0.8)", "vary { grow [on, off] }");
    const [on, off] = p.cells;
    expect(on!.axes.grow).toBe("on");
    expect(on!.model.layers).toBe(2);
    const root = mkdtempSync(join(tmpdir(), "cgx-distil-"));
    const s = await runPlan(p, { root, backend, data: async () => data });
    expect(s.results.get(on!.id)).toBe("done");
    expect(s.results.get(off!.id)).toBe("done");
    const paths = cellPaths(s.runDir, on!.id);
    const metrics = readMetrics<Rec>(paths.metrics);

    const events = metrics.filter((m) => m.kind === "event");
    expect(events.map((e) => [e.step, e.event, e.layers])).toEqual([
      [32, "distil", 2],
      [64, "distil_end", 2],
    ]);
    expect(events[0]).toMatchObject({ trigger: "at", layers_before: 1, layers_after: 2, until_step: 64, temperature: 2, weight: 0.8 });
    expect(events[1]).toMatchObject({ teacher_layers: 1, from_step: 32 });

    // Train records (one per step here) carry the KL exactly for the updates of the span.
    const train = metrics.filter((m) => m.kind === "train");
    const inSpan = train.filter((r) => typeof r.distil_kl === "number");
    expect(inSpan.map((r) => r.step)).toEqual(Array.from({ length: 32 }, (_, i) => 33 + i));
    for (const r of inSpan) {
      const objective = 0.2 * (r.loss as number) + 0.8 * 4 * (r.distil_kl as number);
      expect(Math.abs((r.distil_objective as number) - objective)).toBeLessThan(1e-5);
    }
    const mean = (rs: Rec[]) => rs.reduce((a, r) => a + (r.distil_kl as number), 0) / rs.length;
    const first = mean(inSpan.slice(0, 4));
    const last = mean(inSpan.slice(-4));
    if (process.env.CGX_DISTIL_REPORT) console.log(`distil_kl: first 4 steps ${first}, last 4 ${last}; teacher's last loss ${train[31]!.loss}, student's first ${inSpan[0]!.loss}, last ${inSpan.at(-1)!.loss}`);
    expect(last).toBeLessThan(0.5 * first);
    // The student starts fresh: its first loss is near uniform, well above the teacher's last.
    expect(inSpan[0]!.loss as number).toBeGreaterThan((train[31]!.loss as number) + 0.3);

    // The ledger: teacher alone, student with teacher, student alone; each step of the span costs
    // the student's training FLOPs and the teacher's forward pass (a third of its training FLOPs).
    const end = metrics.at(-1) as Rec & { flops: number; ledger: Span[] };
    expect(end.kind).toBe("end");
    expect(end.ledger.map((x) => [x.from_step, x.to_step, x.layers, x.teacher_layers ?? null])).toEqual([
      [0, 32, 1, null],
      [32, 64, 2, 1],
      [64, 80, 2, null],
    ]);
    expect(end.ledger[1]!.teacher_flops_per_token).toBe(F1 / 3);
    for (const x of end.ledger) expect(x.flops).toBe((x.flops_per_token + (x.teacher_flops_per_token ?? 0)) * TPS * (x.to_step - x.from_step));
    const teacher = 32 * TPS * (F1 / 3);
    expect(end.flops).toBe(32 * TPS * F1 + 48 * TPS * F2 + teacher);
    // Without distillation (the `off` cell): the 2-layer model for all 80 steps, no teacher.
    const offEnd = readMetrics<Rec & { flops: number; ledger: Span[] }>(cellPaths(s.runDir, off!.id).metrics).at(-1)!;
    expect(offEnd.flops).toBe(80 * TPS * F2);
    expect(offEnd.ledger.every((x) => x.teacher_flops_per_token === undefined)).toBe(true);
    // And the evals' running FLOPs follow the same ledger.
    const evalAt60 = metrics.find((m) => m.kind === "eval" && m.step === 60)!;
    expect(evalAt60.flops).toBe(32 * TPS * F1 + 28 * TPS * (F2 + F1 / 3));

    // Resume mid-span: drop the newest checkpoint (step 80) so the cell restarts from step 60,
    // inside the span (until step 64), with the teacher restored from that checkpoint.
    const before = readMetrics(paths.metrics);
    const cps = readdirSync(paths.checkpoints).filter((d) => d.startsWith("step-")).sort();
    expect(cps).toEqual(["step-000000060", "step-000000080"]);
    rmSync(join(paths.checkpoints, cps.at(-1)!), { recursive: true });
    writeFileSync(paths.status, JSON.stringify({ ...readStatus(paths), state: "running" }));
    await runPlan(p, { root, backend, data: async () => data });
    expect(readStatus(paths)!.state).toBe("done");
    expect(readMetrics(paths.metrics)).toEqual(before);
  }, 300_000);

  it("stops a FLOP budget on the ledger with the teacher counted", async () => {
    // A budget the plan gives the final (2-layer) model 60 steps of; the run pays the 1-layer
    // teacher's 20 steps, its forward passes in the 20 steps of the span, then the student alone.
    const budget = 60 * TPS * F2;
    const p = plan("start layers 1\n    at 20 steps: distil(layers: 2, span: 20 steps)", "", `budget flops ${budget}`);
    const cell = p.cells[0]!;
    expect(cell.budget.stop_on).toBe("flops");
    const s = await runPlan(p, { root: mkdtempSync(join(tmpdir(), "cgx-distil-flops-")), backend, data: async () => data });
    expect(s.results.get(cell.id)).toBe("done");
    const end = readMetrics<Rec & { flops: number }>(cellPaths(s.runDir, cell.id).metrics).at(-1)!;
    // The ledger after S steps (S > 40): 20 F1 + 20 (F2 + F1/3) + (S - 40) F2, per 64 tokens; the
    // run takes the largest S that stays within the budget.
    const ledger = (S: number) => TPS * (20 * F1 + 20 * (F2 + F1 / 3) + (S - 40) * F2);
    let S = 40;
    while (ledger(S + 1) <= budget) S++;
    expect(end.step).toBe(S);
    expect(end.flops).toBe(ledger(S));
    // The plan counts those steps too (plan/flops.ts), and the status agrees.
    expect(cell.budget.steps).toBe(S);
    expect(readStatus(cellPaths(s.runDir, cell.id))!.steps).toBe(S);
  }, 300_000);
});
