/**
 * Pruning on plain parameter arrays: gradual magnitude pruning (Zhu & Gupta 2017) with cubic,
 * linear or exponential sparsity schedules, global or per-tensor thresholds; attention heads ranked
 * by a weight-norm importance; whole blocks dropped. Masks are 0/1 arrays multiplied into weights
 * after every optimizer update, so pruned weights stay exactly zero.
 */
import type { PlanPruneRule } from "../../plan/types.js";
import { BLOCK_PARAMS, depthOf, patternMatcher, type Params } from "./params.js";

export type Masks = Map<string, Float32Array>;
type Magnitude = Extract<PlanPruneRule, { kind: "magnitude" }>;

/** Target sparsity of a magnitude rule at a token count. */
export function sparsityAt(rule: Magnitude, token: number): number {
  if (token < rule.start) return 0;
  if (token >= rule.end) return rule.sparsity;
  const p = (token - rule.start) / (rule.end - rule.start);
  switch (rule.interpolation) {
    case "cubic": // fast at first, then levelling off: s_f (1 - (1 - p)^3)
      return rule.sparsity * (1 - Math.pow(1 - p, 3));
    case "linear":
      return rule.sparsity * p;
    case "exponential": // s_f (1 - e^(-5p)) / (1 - e^(-5)): most of the pruning early, smoothly
      return (rule.sparsity * (1 - Math.exp(-5 * p))) / (1 - Math.exp(-5));
  }
}

/** Whether a magnitude rule updates its masks at this token: every `every` tokens within [start, end]. */
export function pruneDue(rule: Magnitude, token: number): boolean {
  // The end always counts, so the final sparsity is reached even when the span is no multiple of `every`.
  return token >= rule.start && token <= rule.end && ((token - rule.start) % rule.every === 0 || token === rule.end);
}

/**
 * Weight matrices a pattern selects. Patterns name parameters or their layer: "blocks.*.mlp.*"
 * selects blocks.3.mlp.fc.w because it matches blocks.3.mlp.fc. Only matrices (".w") are pruned.
 */
export function selected(params: Params, pattern: string): string[] {
  const m = patternMatcher(pattern);
  return [...params.keys()].filter((n) => n.endsWith(".w") && (m(n) || m(n.slice(0, -2))));
}

function kthSmallest(values: Float32Array, k: number): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, k))]!;
}

/** Masks that prune the smallest-magnitude weights to `sparsity`; already-pruned weights stay pruned. */
export function magnitudeMasks(params: Params, names: readonly string[], sparsity: number, scope: "global" | "per_layer", prior: Masks): Masks {
  const out: Masks = new Map();
  const abs = (name: string) => {
    const w = params.get(name)!.data;
    const m = prior.get(name);
    const a = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) a[i] = m && m[i] === 0 ? 0 : Math.abs(w[i]!);
    return a;
  };
  const build = (name: string, a: Float32Array, threshold: number, toPrune: number) => {
    // Ties at the threshold are pruned in index order until the count is met, so sparsity is exact.
    const mask = new Float32Array(a.length).fill(1);
    let pruned = 0;
    for (let i = 0; i < a.length; i++) if (a[i]! < threshold) (mask[i] = 0), pruned++;
    for (let i = 0; i < a.length && pruned < toPrune; i++) if (a[i] === threshold && mask[i] === 1) (mask[i] = 0), pruned++;
    out.set(name, mask);
  };
  if (scope === "per_layer") {
    for (const name of names) {
      const a = abs(name);
      const k = Math.round(sparsity * a.length);
      if (k === 0) out.set(name, prior.get(name) ?? new Float32Array(a.length).fill(1));
      else build(name, a, kthSmallest(a, k - 1), k);
    }
    return out;
  }
  const all = names.map((n) => [n, abs(n)] as const);
  const total = all.reduce((s, [, a]) => s + a.length, 0);
  const k = Math.round(sparsity * total);
  if (k === 0) {
    for (const [n, a] of all) out.set(n, prior.get(n) ?? new Float32Array(a.length).fill(1));
    return out;
  }
  const flat = new Float32Array(total);
  let o = 0;
  for (const [, a] of all) flat.set(a, o), (o += a.length);
  const threshold = kthSmallest(flat, k - 1);
  // Global ties: count strictly-below first, then let each tensor take ties in order.
  let below = 0;
  for (let i = 0; i < flat.length; i++) if (flat[i]! < threshold) below++;
  let tiesLeft = k - below;
  for (const [n, a] of all) {
    let ties = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === threshold) ties++;
    const take = Math.min(ties, tiesLeft);
    tiesLeft -= take;
    let strict = 0;
    for (let i = 0; i < a.length; i++) if (a[i]! < threshold) strict++;
    build(n, a, threshold, strict + take);
  }
  return out;
}

function norm(a: Float32Array, pick: (i: number) => boolean): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (pick(i)) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * Head importance: the norm of the head's query/key/value columns times the norm of its rows in the
 * output projection (a head whose output weights vanish contributes nothing).
 */
export function headImportance(params: Params, heads: number): number[][] {
  const L = depthOf(params);
  const out: number[][] = [];
  for (let l = 0; l < L; l++) {
    const qkv = params.get(`blocks.${l}.attn.qkv.w`)!;
    const proj = params.get(`blocks.${l}.attn.proj.w`)!;
    const d = proj.shape[0]!;
    const hd = d / heads;
    const row: number[] = [];
    for (let h = 0; h < heads; h++) {
      const inHead = (col: number) => Math.floor((col % d) / hd) === h;
      const qn = norm(qkv.data, (i) => inHead(i % (3 * d)));
      const pn = norm(proj.data, (i) => Math.floor(Math.floor(i / d) / hd) === h);
      row.push(qn * pn);
    }
    out.push(row);
  }
  return out;
}

/** Masks removing the least important heads so that `keep` of all heads remain (at least one per block). */
export function headMasks(params: Params, heads: number, keep: number, prior: Masks): { masks: Masks; pruned: Array<[number, number]> } {
  const imp = headImportance(params, heads);
  const L = imp.length;
  const ranked = imp.flatMap((row, l) => row.map((v, h) => ({ l, h, v }))).sort((a, b) => a.v - b.v || a.l - b.l || a.h - b.h);
  const total = L * heads;
  let toPrune = total - Math.max(L, Math.round(keep * total));
  const alive = Array.from({ length: L }, () => heads);
  const pruned: Array<[number, number]> = [];
  for (const r of ranked) {
    if (toPrune <= 0) break;
    if (alive[r.l]! <= 1) continue;
    alive[r.l]!--;
    toPrune--;
    pruned.push([r.l, r.h]);
  }
  const masks: Masks = new Map(prior);
  for (const [l, h] of pruned) {
    for (const suffix of ["attn.qkv.w", "attn.qkv.b", "attn.proj.w"] as const) {
      const name = `blocks.${l}.${suffix}`;
      const a = params.get(name)!;
      const d = params.get(`blocks.${l}.attn.proj.w`)!.shape[0]!;
      const hd = d / heads;
      const m = masks.get(name) ? Float32Array.from(masks.get(name)!) : new Float32Array(a.data.length).fill(1);
      for (let i = 0; i < m.length; i++) {
        const inHead =
          suffix === "attn.proj.w" ? Math.floor(Math.floor(i / d) / hd) === h : Math.floor(((suffix === "attn.qkv.w" ? i % (3 * d) : i) % d) / hd) === h;
        if (inHead) m[i] = 0;
      }
      masks.set(name, m);
    }
  }
  return { masks, pruned };
}

/** Block importance: the norm of its two output projections (its contribution to the residual stream). */
export function blockImportance(params: Params): number[] {
  const L = depthOf(params);
  return Array.from({ length: L }, (_, l) => {
    const a = params.get(`blocks.${l}.attn.proj.w`)!.data;
    const m = params.get(`blocks.${l}.mlp.proj.w`)!.data;
    return Math.sqrt(norm(a, () => true) ** 2 + norm(m, () => true) ** 2);
  });
}

/** Drops the least important blocks, keeping `keep` of them (at least one), in their order. */
export function dropBlocks(params: Params, keep: number): { params: Params; origin: number[]; dropped: number[] } {
  const imp = blockImportance(params);
  const L = imp.length;
  const n = Math.max(1, Math.round(keep * L));
  const kept = imp
    .map((v, l) => ({ v, l }))
    .sort((a, b) => b.v - a.v || a.l - b.l)
    .slice(0, n)
    .map((x) => x.l)
    .sort((a, b) => a - b);
  const out: Params = new Map();
  for (const [name, a] of params) if (!name.startsWith("blocks.")) out.set(name, a);
  kept.forEach((old, i) => {
    for (const s of BLOCK_PARAMS) {
      const a = params.get(`blocks.${old}.${s}`)!;
      out.set(`blocks.${i}.${s}`, { name: `blocks.${i}.${s}`, shape: a.shape, data: a.data });
    }
  });
  return { params: out, origin: kept, dropped: imp.map((_, l) => l).filter((l) => !kept.includes(l)) };
}

/** Fraction of zero weights among the given matrices. */
export function sparsityOf(params: Params, names: readonly string[]): number {
  let z = 0;
  let n = 0;
  for (const name of names) {
    const d = params.get(name)!.data;
    for (let i = 0; i < d.length; i++) if (d[i] === 0) z++;
    n += d.length;
  }
  return n ? z / n : 0;
}
