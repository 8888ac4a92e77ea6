/**
 * Model shapes: the documented rule that turns a parameter target into a transformer shape, and the
 * closed forms for parameter count and training FLOPs per token. The runtime's test checks that the
 * model it builds has exactly `params_total` weights.
 */
import type { ModelShape } from "../plan/types.js";
import { trainingFlopsPerToken } from "../plan/flops.js";

/** Non-embedding parameters of one pre-LN block: attention (4d^2 + 4d), MLP (2md^2 + md + d), two LayerNorms (4d). */
export function blockParams(width: number, mlp: number): number {
  return (4 + 2 * mlp) * width * width + (9 + mlp) * width;
}

export function shapeOf(layers: number, width: number, heads: number, mlp: number, vocab: number, context: number): ModelShape {
  const params = layers * blockParams(width, mlp) + 2 * width; // + final LayerNorm
  const paramsTotal = params + vocab * width + context * width; // tied embedding + learned positions
  // Forward FLOPs per token: 2 per weight in the blocks' matmuls, attention scores and weighted sum
  // over the full context (4 * context * width per layer, as the dense kernels compute them), and the
  // tied unembedding (2 * width * vocab). Training is forward + backward = 3 x forward.
  const flopsPerToken = trainingFlopsPerToken({ width, mlp, vocab, context }, layers);
  return { layers, width, heads, mlp, vocab, context, params, params_total: paramsTotal, flops_per_token: flopsPerToken };
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a * b) / gcd(a, b);
}

/**
 * The shape rule: for a target of N non-embedding parameters, depth L = round(cbrt(N / ((4 + 2m) a^2))),
 * at least 1, where a is the width per layer (`aspect`, default 32); then the width is the multiple of
 * lcm(heads, 8) nearest to sqrt(N / ((4 + 2m) L)), at least one such multiple. The head dimension is
 * width / heads. Returns undefined when even the smallest shape is over twice the target.
 */
export function shapeForParams(target: number, heads: number, mlp: number, aspect: number, vocab: number, context: number): ModelShape | undefined {
  const k = 4 + 2 * mlp;
  const layers = Math.max(1, Math.round(Math.cbrt(target / (k * aspect * aspect))));
  const q = lcm(heads, 8);
  const ideal = Math.sqrt(target / (k * layers));
  const width = Math.max(q, Math.round(ideal / q) * q);
  const shape = shapeOf(layers, width, heads, mlp, vocab, context);
  if (shape.params > 2 * target && width === q && layers === 1) return undefined;
  return shape;
}

/** `log(min .. max, n)`: n points evenly spaced in log space, ends included, not rounded. */
export function logPoints(min: number, max: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0 : i / (count - 1);
    out.push(Math.exp(Math.log(min) + t * (Math.log(max) - Math.log(min))));
  }
  return out;
}

/** `params log(min .. max, n)`: n size targets evenly spaced in log space, rounded to integers. */
export function logSpaced(min: number, max: number, count: number): number[] {
  return logPoints(min, max, count).map(Math.round);
}

/**
 * A short human label for a parameter count with `digits` significant digits (default 3):
 * 200k, 1.01M, 2B. Counts below 1000 are written in full.
 */
export function sizeLabel(n: number, digits = 3): string {
  const units: Array<[number, string]> = [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  if (n < 1000) return String(n);
  // Round first, then pick the unit, so that 999,600 is 1M rather than 1000k.
  const r = Number(n.toPrecision(Math.min(21, digits)));
  for (const [v, u] of units) {
    if (r >= v) return `${Number((r / v).toPrecision(Math.min(21, digits)))}${u}`;
  }
  return String(r);
}

/**
 * Labels for a list of parameter targets: `sizeLabel` with 3 significant digits, and more digits
 * for targets whose labels would otherwise coincide, so distinct targets get distinct labels.
 */
export function sizeLabels(targets: readonly number[]): string[] {
  return distinctLabels(targets, sizeLabel);
}

/**
 * Labels for a list of numbers by `label(n, digits)`: 3 significant digits, and more for the
 * numbers whose labels would otherwise coincide, so distinct numbers get distinct labels.
 */
export function distinctLabels(values: readonly number[], label: (n: number, digits: number) => string): string[] {
  const labels = values.map((t) => label(t, 3));
  for (let digits = 4; digits <= 17; digits++) {
    const byLabel = new Map<string, Set<number>>();
    labels.forEach((l, i) => {
      const set = byLabel.get(l) ?? new Set<number>();
      set.add(values[i]!);
      byLabel.set(l, set);
    });
    const clash = new Set([...byLabel].filter(([, ts]) => ts.size > 1).map(([l]) => l));
    if (clash.size === 0) break;
    labels.forEach((l, i) => {
      if (clash.has(l)) labels[i] = label(values[i]!, digits);
    });
  }
  return labels;
}

export const PRETRAINED_VOCAB: Readonly<Record<string, number>> = {
  r50k_base: 50257,
  p50k_base: 50281,
  cl100k_base: 100277,
  o200k_base: 200019,
};
