/**
 * Growth operators on a model's parameters (plain arrays): stack the block stack (G_stack), insert
 * blocks at the top, middle or bottom, or interleave new blocks between existing ones. New blocks
 * are copies of existing ones, zero-initialised (output projections at zero, so each new block is
 * the identity and the model computes exactly the same function), or freshly initialised.
 */
import type { PlanLayerOp } from "../../plan/types.js";
import type { NamedArray } from "../training/checkpoint.js";
import { BLOCK_PARAMS, depthOf, initBlock, type Params } from "./params.js";
import { Rng } from "../rng.js";

type Block = Map<(typeof BLOCK_PARAMS)[number], NamedArray>;

function blocksOf(params: Params): Block[] {
  const out: Block[] = [];
  for (let l = 0; l < depthOf(params); l++) {
    const b: Block = new Map();
    for (const s of BLOCK_PARAMS) b.set(s, params.get(`blocks.${l}.${s}`)!);
    out.push(b);
  }
  return out;
}

function copyBlock(b: Block): Block {
  const out: Block = new Map();
  for (const [s, a] of b) out.set(s, { name: a.name, shape: a.shape, data: Float32Array.from(a.data) });
  return out;
}

/** Zeroes the two output projections: the block then adds nothing to the residual stream. */
function zeroOutputs(b: Block): Block {
  for (const s of ["attn.proj.w", "attn.proj.b", "mlp.proj.w", "mlp.proj.b"] as const) b.get(s)!.data.fill(0);
  return b;
}

/** What a growth event did: which new block indices came from where, for optimizer state and freezing. */
export interface GrowthResult {
  readonly params: Params;
  /** For each new block index, the old index it continues (carrying optimizer state), or null if new. */
  readonly origin: readonly (number | null)[];
}

export function grow(params: Params, op: PlanLayerOp, seed: number, eventIndex: number): GrowthResult {
  const old = blocksOf(params);
  const L = old.length;
  const width = old[0]!.get("ln1.gamma")!.shape[0]!;
  const mlp = old[0]!.get("mlp.fc.w")!.shape[1]! / width;
  const rng = Rng.for(seed, "grow", eventIndex);
  let counter = 0;
  const fresh = (like: number, init: "copy" | "zero" | "random"): Block => {
    if (init === "copy") return copyBlock(old[like]!);
    const b: Block = new Map(initBlock(width, mlp, L, rng, 1000 + counter++).map((a) => [a.name.split(".").slice(2).join(".") as (typeof BLOCK_PARAMS)[number], a]));
    return init === "zero" ? zeroOutputs(b) : b;
  };
  let blocks: Block[];
  let origin: (number | null)[];
  switch (op.kind) {
    case "stack": {
      // Duplicate the whole stack k times (G_stack): block j of the new stack continues block j mod L.
      blocks = [];
      origin = [];
      for (let r = 0; r < op.factor; r++) {
        for (let l = 0; l < L; l++) {
          if (r === 0) {
            blocks.push(old[l]!);
            origin.push(l);
          } else {
            const b = copyBlock(old[l]!);
            blocks.push(op.init === "zero" ? zeroOutputs(b) : op.init === "random" ? fresh(l, "random") : b);
            origin.push(null);
          }
        }
      }
      break;
    }
    case "insert": {
      const at = op.position === "bottom" ? 0 : op.position === "top" ? L : Math.floor(L / 2);
      const neighbour = Math.min(L - 1, Math.max(0, at === L ? L - 1 : at));
      const added = Array.from({ length: op.layers }, () => fresh(neighbour, op.init));
      blocks = [...old.slice(0, at), ...added, ...old.slice(at)];
      origin = [...old.slice(0, at).map((_, i) => i), ...added.map(() => null), ...old.slice(at).map((_, i) => at + i)];
      break;
    }
    case "interleave": {
      blocks = [];
      origin = [];
      old.forEach((b, l) => {
        blocks.push(b);
        origin.push(l);
        if ((l + 1) % op.every === 0) {
          blocks.push(fresh(l, op.init));
          origin.push(null);
        }
      });
      break;
    }
  }
  const out: Params = new Map();
  for (const [name, a] of params) if (!name.startsWith("blocks.")) out.set(name, a);
  blocks.forEach((b, i) => {
    for (const s of BLOCK_PARAMS) {
      const a = b.get(s)!;
      const name = `blocks.${i}.${s}`;
      out.set(name, { name, shape: a.shape, data: a.data });
    }
  });
  return { params: out, origin };
}

/** New block indices (for freezing): those with no origin. */
export function newBlocks(result: GrowthResult): number[] {
  return result.origin.flatMap((o, i) => (o === null ? [i] : []));
}
