/**
 * The model's parameters as plain named Float32Arrays: how they are named, shaped and initialised.
 * Kept apart from tfjs so growth, pruning and checkpoints can work on them with plain code, and so
 * initialisation is identical on every backend.
 */
import type { ModelShape } from "../../plan/types.js";
import type { NamedArray } from "../training/checkpoint.js";
import { Rng } from "../rng.js";

/** Per-block parameter suffixes, in a fixed order. Patterns like "blocks.*.mlp.*" match these names. */
export const BLOCK_PARAMS = ["ln1.gamma", "ln1.beta", "attn.qkv.w", "attn.qkv.b", "attn.proj.w", "attn.proj.b", "ln2.gamma", "ln2.beta", "mlp.fc.w", "mlp.fc.b", "mlp.proj.w", "mlp.proj.b"] as const;

export type Params = Map<string, NamedArray>;

export function blockShapes(width: number, mlp: number): Record<(typeof BLOCK_PARAMS)[number], number[]> {
  const d = width;
  const h = mlp * width;
  return {
    "ln1.gamma": [d],
    "ln1.beta": [d],
    "attn.qkv.w": [d, 3 * d],
    "attn.qkv.b": [3 * d],
    "attn.proj.w": [d, d],
    "attn.proj.b": [d],
    "ln2.gamma": [d],
    "ln2.beta": [d],
    "mlp.fc.w": [d, h],
    "mlp.fc.b": [h],
    "mlp.proj.w": [h, d],
    "mlp.proj.b": [d],
  };
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** GPT-2 initialisation: N(0, 0.02) for weights, residual projections scaled by 1/sqrt(2 x layers). */
export function initBlock(width: number, mlp: number, layersForScale: number, rng: Rng, index: number): NamedArray[] {
  const shapes = blockShapes(width, mlp);
  return BLOCK_PARAMS.map((suffix) => {
    const shape = shapes[suffix];
    const data = new Float32Array(size(shape));
    if (suffix.endsWith("gamma")) data.fill(1);
    else if (suffix.endsWith(".w")) {
      const std = suffix.endsWith("proj.w") ? 0.02 / Math.sqrt(2 * layersForScale) : 0.02;
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    }
    return { name: `blocks.${index}.${suffix}`, shape, data };
  });
}

/** `stream` names another random stream of the seed (a distillation's student), so it starts elsewhere. */
export function initParams(shape: ModelShape, layers: number, seed: number, ...stream: (string | number)[]): Params {
  const rng = Rng.for(seed, "init", ...stream);
  const out: Params = new Map();
  const add = (a: NamedArray) => out.set(a.name, a);
  const tokens = new Float32Array(shape.vocab * shape.width);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.normal() * 0.02;
  add({ name: "embed.tokens", shape: [shape.vocab, shape.width], data: tokens });
  const positions = new Float32Array(shape.context * shape.width);
  for (let i = 0; i < positions.length; i++) positions[i] = rng.normal() * 0.01;
  add({ name: "embed.positions", shape: [shape.context, shape.width], data: positions });
  for (let l = 0; l < layers; l++) for (const a of initBlock(shape.width, shape.mlp, layers, rng, l)) add(a);
  add({ name: "final_ln.gamma", shape: [shape.width], data: new Float32Array(shape.width).fill(1) });
  add({ name: "final_ln.beta", shape: [shape.width], data: new Float32Array(shape.width) });
  return out;
}

/** Number of blocks in a parameter set. */
export function depthOf(params: Params): number {
  let n = 0;
  while (params.has(`blocks.${n}.ln1.gamma`)) n++;
  return n;
}

export function countParams(params: Params): number {
  let n = 0;
  for (const a of params.values()) n += a.data.length;
  return n;
}

/** Shell-style patterns over dotted names: `*` matches one name segment, `**` any number. */
export function patternMatcher(pattern: string): (name: string) => boolean {
  const re = pattern
    .split(".")
    .map((seg) => (seg === "**" ? ".*" : seg.split("*").map(escape).join("[^.]*")))
    .join("\\.");
  const rx = new RegExp(`^${re}$`);
  return (name) => rx.test(name);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
