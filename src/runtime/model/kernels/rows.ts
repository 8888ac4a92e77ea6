/**
 * The loops inside cgx's row kernels (fused.ts, attention.ts), behind one interface with two
 * implementations: these JavaScript loops, and the same arithmetic compiled for the machine
 * (native.ts). Sums accumulate in float64 and every element is computed in float64 and rounded
 * once to float32 when stored, as the compiled twin does.
 */

/** AdamW's hyper-parameters for one update (bias corrections and the clipping scale included). */
export interface AdamwStep {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly bc1: number;
  readonly bc2: number;
  readonly scale: number;
}

export interface RowKernels {
  readonly name: "js" | "native";
  /** x [N,C], gamma [C], beta [C] -> y [N,C], xhat [N,C], rstd [N]. */
  layerNorm(x: Float32Array, g: Float32Array, b: Float32Array, y: Float32Array, xh: Float32Array, rs: Float32Array, N: number, C: number): void;
  /** dy [N,C], xhat [N,C], rstd [N], gamma [C] -> dx [N,C], dgamma [C], dbeta [C]. */
  layerNormGrad(dy: Float32Array, xh: Float32Array, rs: Float32Array, g: Float32Array, dx: Float32Array, dg: Float32Array, db: Float32Array, N: number, C: number): void;
  /** x -> A·(x + B·x³), the argument of GELU's sigmoid. */
  geluArg(x: Float32Array, u: Float32Array): void;
  /** dy, x, s = sigmoid(A·(x + B·x³)) -> dx = dy·(s + x·s·(1−s)·A·(1 + 3B·x²)). */
  geluGrad(dy: Float32Array, x: Float32Array, s: Float32Array, dx: Float32Array): void;
  /** logits [N,V], targets [N] -> gradient [N,V]; returns the mean loss. */
  crossEntropy(l: Float32Array, t: Int32Array, gr: Float32Array, N: number, V: number): number;
  adamw(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, mask: Float32Array | null, ow: Float32Array, om: Float32Array, ov: Float32Array, h: AdamwStep): void;
  /** acc + the sum of the squares of x. */
  sumSquares(x: Float32Array, acc: number): number;
  /** Causal softmax of each row of a T×T block, in place; the upper triangle becomes 0. */
  causalSoftmax(P: Float32Array, T: number): void;
  /** dS ← P ⊙ (dS − rowsum(P ⊙ dS)) on the lower triangle (dS holds dP), 0 above it. */
  causalSoftmaxGrad(P: Float32Array, dS: Float32Array, T: number): void;
}

const EPS = 1e-5;
export const GELU_A = 1.5957691216057308;
export const GELU_B = 0.044715;

export const JS_ROWS: RowKernels = {
  name: "js",
  layerNorm(x, g, b, vy, vh, vr, N, C) {
    for (let i = 0; i < N; i++) {
      const o = i * C;
      let mean = 0;
      for (let j = 0; j < C; j++) mean += x[o + j]!;
      mean /= C;
      let v = 0;
      for (let j = 0; j < C; j++) {
        const c = x[o + j]! - mean;
        v += c * c;
      }
      const r = 1 / Math.sqrt(v / C + EPS);
      vr[i] = r;
      for (let j = 0; j < C; j++) {
        const h = (x[o + j]! - mean) * r;
        vh[o + j] = h;
        vy[o + j] = h * g[j]! + b[j]!;
      }
    }
  },
  layerNormGrad(dy, xh, rs, g, vdx, dg, db, N, C) {
    const sg = new Float64Array(C);
    const sb = new Float64Array(C);
    for (let i = 0; i < N; i++) {
      const o = i * C;
      let m1 = 0;
      let m2 = 0;
      for (let j = 0; j < C; j++) {
        const d = dy[o + j]!;
        const h = xh[o + j]!;
        const dh = d * g[j]!;
        m1 += dh;
        m2 += dh * h;
        sg[j]! += d * h;
        sb[j]! += d;
      }
      m1 /= C;
      m2 /= C;
      const r = rs[i]!;
      for (let j = 0; j < C; j++) vdx[o + j] = (dy[o + j]! * g[j]! - m1 - xh[o + j]! * m2) * r;
    }
    dg.set(sg);
    db.set(sb);
  },
  geluArg(x, u) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      u[i] = GELU_A * (v + GELU_B * v * v * v);
    }
  },
  geluGrad(dy, x, s, dx) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const si = s[i]!;
      dx[i] = dy[i]! * (si + v * si * (1 - si) * GELU_A * (1 + 3 * GELU_B * v * v));
    }
  },
  crossEntropy(l, t, gr, N, V) {
    let total = 0;
    for (let i = 0; i < N; i++) {
      const o = i * V;
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (l[o + j]! > max) max = l[o + j]!;
      let sum = 0;
      for (let j = 0; j < V; j++) {
        const e = Math.exp(l[o + j]! - max);
        gr[o + j] = e;
        sum += e;
      }
      const target = t[i]!;
      total += max + Math.log(sum) - l[o + target]!;
      const scale = 1 / (sum * N);
      for (let j = 0; j < V; j++) gr[o + j]! *= scale;
      gr[o + target]! -= 1 / N;
    }
    return total / N;
  },
  adamw(w, g, m, v, mask, ow, om, ov, h) {
    const { lr, beta1: b1, beta2: b2, eps, weightDecay: wd, bc1, bc2, scale } = h;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]! * scale;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      om[i] = mi;
      ov[i] = vi;
      const wi = w[i]!;
      const next = wi - lr * ((mi / bc1) / (Math.sqrt(vi / bc2) + eps) + wd * wi);
      ow[i] = mask ? next * mask[i]! : next;
    }
  },
  sumSquares(x, acc) {
    let s = acc;
    for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
    return s;
  },
  causalSoftmax(P, T) {
    for (let i = 0; i < T; i++) {
      const row = i * T;
      let max = -Infinity;
      for (let j = 0; j <= i; j++) if (P[row + j]! > max) max = P[row + j]!;
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        const e = Math.exp(P[row + j]! - max);
        P[row + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j <= i; j++) P[row + j]! *= inv;
      for (let j = i + 1; j < T; j++) P[row + j] = 0;
    }
  },
  causalSoftmaxGrad(P, dS, T) {
    for (let i = 0; i < T; i++) {
      const row = i * T;
      let dot = 0;
      for (let j = 0; j <= i; j++) dot += P[row + j]! * dS[row + j]!;
      for (let j = 0; j <= i; j++) dS[row + j] = P[row + j]! * (dS[row + j]! - dot);
      for (let j = i + 1; j < T; j++) dS[row + j] = 0;
    }
  },
};
