/**
 * Seeded randomness. Every random choice in training is a pure function of (seed, purpose, indices),
 * so a resumed run draws exactly what an uninterrupted one would, with no generator state to save.
 */

/** 32-bit mixing (murmur3 finaliser): spreads nearby inputs over the whole range. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A seed derived from a base seed and any number of integer or string keys. */
export function deriveSeed(seed: number, ...keys: Array<number | string>): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const k of keys) {
    if (typeof k === "number") h = mix32(h ^ mix32(k >>> 0) ^ Math.floor(k / 2 ** 32));
    else for (let i = 0; i < k.length; i++) h = mix32(h ^ k.charCodeAt(i) ^ (i << 16));
  }
  return h;
}

/** mulberry32: small, fast, good enough for sampling and initialisation. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static for(seed: number, ...keys: Array<number | string>): Rng {
    return new Rng(deriveSeed(seed, ...keys));
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Index drawn with probability proportional to weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}
