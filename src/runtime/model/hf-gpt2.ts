/**
 * cgx's parameters in the layout of Hugging Face's GPT-2 (`GPT2LMHeadModel`), and its config.json.
 *
 * The two models are the same function, so the mapping is a renaming:
 *   - both store linear weights [in, out] (GPT-2's Conv1D; y = x W + b), with a bias everywhere;
 *   - the fused attention projection's 3d columns are [q | k | v] with each head's hd = d/H columns
 *     contiguous inside q, k and v, which is how GPT-2 splits c_attn (split(d) then view(H, hd));
 *   - pre-LayerNorm blocks with eps 1e-5 and biased variance, a final LayerNorm, learned positions;
 *   - the MLP's GELU is the tanh approximation (GPT-2's "gelu_new");
 *   - the unembedding is tied to the token embedding (no separate lm_head.weight is written);
 *   - attention scores are scaled by 1/sqrt(hd), no dropout anywhere.
 * Pruning masks are multiplied into the weights (a pruned head or weight is exactly zero); grown or
 * pruned models are written in the shape they have, since the number of blocks is read from the
 * parameters.
 */
import type { NamedArray } from "../training/checkpoint.js";
import { BLOCK_PARAMS, depthOf, type Params } from "./params.js";

/** GPT-2's name for each of cgx's per-block parameters. */
export const GPT2_BLOCK_NAMES: Readonly<Record<(typeof BLOCK_PARAMS)[number], string>> = {
  "ln1.gamma": "ln_1.weight",
  "ln1.beta": "ln_1.bias",
  "attn.qkv.w": "attn.c_attn.weight",
  "attn.qkv.b": "attn.c_attn.bias",
  "attn.proj.w": "attn.c_proj.weight",
  "attn.proj.b": "attn.c_proj.bias",
  "ln2.gamma": "ln_2.weight",
  "ln2.beta": "ln_2.bias",
  "mlp.fc.w": "mlp.c_fc.weight",
  "mlp.fc.b": "mlp.c_fc.bias",
  "mlp.proj.w": "mlp.c_proj.weight",
  "mlp.proj.b": "mlp.c_proj.bias",
};

/** GPT-2's name for each of cgx's parameters outside the blocks. */
export const GPT2_TOP_NAMES: Readonly<Record<string, string>> = {
  "embed.tokens": "wte.weight",
  "embed.positions": "wpe.weight",
  "final_ln.gamma": "ln_f.weight",
  "final_ln.beta": "ln_f.bias",
};

/** The LayerNorm epsilon of cgx's model (src/runtime/model/ops.ts). */
export const LAYER_NORM_EPS = 1e-5;

export interface Gpt2Config {
  readonly model_type: "gpt2";
  readonly architectures: readonly ["GPT2LMHeadModel"];
  readonly vocab_size: number;
  readonly n_positions: number;
  readonly n_ctx: number;
  readonly n_embd: number;
  readonly n_layer: number;
  readonly n_head: number;
  readonly n_inner: number;
  readonly activation_function: "gelu_new";
  readonly layer_norm_epsilon: number;
  readonly tie_word_embeddings: true;
  readonly resid_pdrop: 0;
  readonly embd_pdrop: 0;
  readonly attn_pdrop: 0;
  readonly scale_attn_weights: true;
  readonly scale_attn_by_inverse_layer_idx: false;
  readonly reorder_and_upcast_attn: false;
  readonly initializer_range: number;
  /** cgx has no special tokens (examples are separated by the tokenizer's "\n"). */
  readonly bos_token_id: null;
  readonly eos_token_id: null;
  readonly torch_dtype: "float32";
  /** Where the weights come from; transformers keeps unknown keys as attributes. */
  readonly cgx: Readonly<Record<string, unknown>>;
}

export class LayoutError extends Error {}

export interface Gpt2Export {
  /** In GPT-2's names, in the model's order (embeddings, blocks, final LayerNorm). */
  readonly tensors: readonly NamedArray[];
  readonly config: Gpt2Config;
}

/**
 * The parameters (with `masks` multiplied in) under GPT-2's names, and the config that describes
 * them. `heads` comes from the plan: the weights alone do not say how d splits into heads.
 */
export function toGpt2(params: Params, masks: ReadonlyMap<string, Float32Array>, heads: number, provenance: Readonly<Record<string, unknown>> = {}): Gpt2Export {
  const get = (name: string): NamedArray => {
    const a = params.get(name);
    if (!a) throw new LayoutError(`the weights have no ${name}`);
    return a;
  };
  const tokens = get("embed.tokens");
  const positions = get("embed.positions");
  const [vocab, width] = tokens.shape as [number, number];
  const context = positions.shape[0]!;
  const layers = depthOf(params);
  if (layers === 0) throw new LayoutError("the weights hold no transformer block");
  if (!Number.isInteger(heads) || heads < 1 || width % heads !== 0) throw new LayoutError(`a width of ${width} does not split into ${heads} heads`);
  const inner = get("blocks.0.mlp.fc.w").shape[1]!;

  const known = new Set(Object.keys(GPT2_TOP_NAMES));
  for (let l = 0; l < layers; l++) for (const s of BLOCK_PARAMS) known.add(`blocks.${l}.${s}`);
  const unknown = [...params.keys()].filter((n) => !known.has(n));
  if (unknown.length) throw new LayoutError(`the weights hold parameters GPT-2 has no place for: ${unknown.slice(0, 5).join(", ")}${unknown.length > 5 ? ", ..." : ""}`);
  for (const [name, m] of masks) {
    const a = params.get(name);
    if (!a) throw new LayoutError(`a pruning mask names ${name}, which the weights do not hold`);
    if (a.data.length !== m.length) throw new LayoutError(`the pruning mask of ${name} has ${m.length} entries for ${a.data.length} weights`);
  }

  const out = (from: string, to: string): NamedArray => {
    const a = get(from);
    const m = masks.get(from);
    const data = m ? a.data.map((v, i) => v * m[i]!) : Float32Array.from(a.data);
    return { name: to, shape: [...a.shape], data };
  };
  const tensors: NamedArray[] = [out("embed.tokens", "wte.weight"), out("embed.positions", "wpe.weight")];
  for (let l = 0; l < layers; l++) for (const s of BLOCK_PARAMS) tensors.push(out(`blocks.${l}.${s}`, `h.${l}.${GPT2_BLOCK_NAMES[s]}`));
  tensors.push(out("final_ln.gamma", "ln_f.weight"), out("final_ln.beta", "ln_f.bias"));

  const config: Gpt2Config = {
    model_type: "gpt2",
    architectures: ["GPT2LMHeadModel"],
    vocab_size: vocab,
    n_positions: context,
    n_ctx: context,
    n_embd: width,
    n_layer: layers,
    n_head: heads,
    n_inner: inner,
    activation_function: "gelu_new",
    layer_norm_epsilon: LAYER_NORM_EPS,
    tie_word_embeddings: true,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    initializer_range: 0.02,
    bos_token_id: null,
    eos_token_id: null,
    torch_dtype: "float32",
    cgx: provenance,
  };
  return { tensors, config };
}
