/**
 * cgx's row kernels compiled for this machine (native/kernels.c, built by scripts/build-native.sh
 * into dist/native/libcgxkernels.so), called through koffi on views of the wasm heap as OpenBLAS
 * is. They do the same arithmetic as the JavaScript loops of rows.ts, several times faster; where
 * the library is missing (no C compiler at set-up) those loops run instead. `probeNativeRows()`
 * says why the library is not usable, for `cgx doctor`.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RowKernels } from "./rows.js";

/** The library's ABI version this loader speaks (cgx_kernels_abi in kernels.c). */
const ABI = 1;

type Loaded = { ok: true; rows: RowKernels; library: string } | { ok: false; reason: string };
let loaded: Loaded | undefined;

const require = createRequire(import.meta.url);

/** The repository (or installed package) root: the nearest folder above this file with a package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

export function nativeLibraryPath(): string {
  return join(packageRoot(), "dist", "native", "libcgxkernels.so");
}

function load(): Loaded {
  if (process.platform !== "linux") return { ok: false, reason: "the compiled row kernels are built on Linux only" };
  const path = nativeLibraryPath();
  if (!existsSync(path)) return { ok: false, reason: `${path} is not built (run scripts/build-native.sh; it needs a C compiler, e.g. apt-get install gcc)` };
  let koffi: typeof import("koffi");
  try {
    koffi = require("koffi") as typeof import("koffi");
  } catch (e) {
    return { ok: false, reason: `the koffi package does not load (${firstLine(e)}); run \`npm ci\`` };
  }
  try {
    const lib = koffi.load(path);
    const abi = lib.func("int cgx_kernels_abi()")() as number;
    if (abi !== ABI) return { ok: false, reason: `${path} was built from other sources (ABI ${abi}, this cgx needs ${ABI}); run scripts/build-native.sh` };
    const f = (sig: string) => lib.func(sig);
    const layerNorm = f("void cgx_layer_norm(const float *x, const float *g, const float *b, float *y, float *xh, float *rs, int N, int C)");
    const layerNormGrad = f("void cgx_layer_norm_grad(const float *dy, const float *xh, const float *rs, const float *g, float *dx, float *dg, float *db, double *sg, double *sb, int N, int C)");
    const geluArg = f("void cgx_gelu_arg(const float *x, float *u, int64_t n)");
    const geluGrad = f("void cgx_gelu_grad(const float *dy, const float *x, const float *s, float *dx, int64_t n)");
    const crossEntropy = f("double cgx_cross_entropy(const float *l, const int32_t *t, float *gr, int N, int V)");
    const adamw = f("void cgx_adamw(const float *w, const float *g, const float *m, const float *v, const float *mask, float *ow, float *om, float *ov, int64_t n, double lr, double b1, double b2, double eps, double wd, double bc1, double bc2, double scale)");
    const sumSquares = f("double cgx_sum_squares(const float *x, int64_t n, double acc)");
    const softmax = f("void cgx_causal_softmax(float *P, int T)");
    const softmaxGrad = f("void cgx_causal_softmax_grad(const float *P, float *dS, int T)");
    let scratch = new Float64Array(0);
    const rows: RowKernels = {
      name: "native",
      layerNorm: (x, g, b, y, xh, rs, N, C) => layerNorm(x, g, b, y, xh, rs, N, C),
      layerNormGrad: (dy, xh, rs, g, dx, dg, db, N, C) => {
        if (scratch.length < 2 * C) scratch = new Float64Array(2 * C);
        layerNormGrad(dy, xh, rs, g, dx, dg, db, scratch.subarray(0, C), scratch.subarray(C, 2 * C), N, C);
      },
      geluArg: (x, u) => geluArg(x, u, x.length),
      geluGrad: (dy, x, s, dx) => geluGrad(dy, x, s, dx, x.length),
      crossEntropy: (l, t, gr, N, V) => crossEntropy(l, t, gr, N, V) as number,
      adamw: (w, g, m, v, mask, ow, om, ov, h) => adamw(w, g, m, v, mask, ow, om, ov, w.length, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.bc1, h.bc2, h.scale),
      sumSquares: (x, acc) => sumSquares(x, x.length, acc) as number,
      causalSoftmax: (P, T) => softmax(P, T),
      causalSoftmaxGrad: (P, dS, T) => softmaxGrad(P, dS, T),
    };
    return { ok: true, rows, library: path };
  } catch (e) {
    return { ok: false, reason: `${path} does not load (${firstLine(e)}); run scripts/build-native.sh again` };
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 200);
}

/** The compiled row kernels, or why they cannot be used. Loaded once per process. */
export function probeNativeRows(): Loaded {
  loaded ??= load();
  return loaded;
}
