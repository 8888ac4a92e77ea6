/**
 * OpenBLAS's single-precision GEMM, called through koffi (an FFI whose prebuilt binary ships in
 * its npm package). Loaded lazily, once per process, with one BLAS thread: cells run in parallel
 * processes instead, and a single-threaded GEMM sums in a fixed order, so results are the same on
 * every run. `probeOpenBlas()` says why the library is not usable, for `cgx doctor`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/** Where the library is looked for, in order: Debian/Ubuntu's alternatives link first. */
const CANDIDATES = ["libopenblas.so.0", "libopenblas.so", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/aarch64-linux-gnu/libopenblas.so.0", "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib"];

export interface Blas {
  /** Where the library was loaded from and its build configuration. */
  readonly library: string;
  readonly config: string;
  /**
   * C = alpha·op(A)·op(B) + beta·C, row-major; op transposes when the flag is set. A, B and C are
   * views whose first element is the matrix's first element (views into the wasm heap included).
   */
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
}

type Loaded = { ok: true; blas: Blas } | { ok: false; reason: string };
let loaded: Loaded | undefined;

const require = createRequire(import.meta.url);

/**
 * The OpenBLAS kernel family for this processor, for a DYNAMIC_ARCH build that does not know it.
 * Debian's OpenBLAS 0.3.21 predates recent Xeons and falls back to its generic "Prescott" (SSE3)
 * kernels there, about 1.5x slower per step than its AVX-512 ones on the same core. The family is
 * chosen from the instructions the processor reports: every instruction those kernels use is
 * present, so the numbers are right (the PyTorch reference test holds on both). Null leaves
 * OpenBLAS to its own detection (other architectures, or no AVX2).
 */
export function coreTypeFor(cpuFlags: ReadonlySet<string>): string | null {
  if (["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].every((f) => cpuFlags.has(f))) return "SkylakeX";
  if (["avx2", "fma"].every((f) => cpuFlags.has(f))) return "Haswell";
  return null;
}

/** The processor's instruction-set flags on Linux x86-64 (empty elsewhere or when unreadable). */
export function cpuFlags(): Set<string> {
  if (process.platform !== "linux" || process.arch !== "x64") return new Set();
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
    return new Set((line?.split(":")[1] ?? "").trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

/**
 * Sets OPENBLAS_CORETYPE for this process and the processes it starts, unless it is already set
 * (a machine or a user that sets it keeps its choice). Must run before OpenBLAS is loaded.
 */
export function chooseOpenBlasCore(): void {
  if (process.env.OPENBLAS_CORETYPE) return;
  const core = coreTypeFor(cpuFlags());
  if (core) process.env.OPENBLAS_CORETYPE = core;
}

function load(): Loaded {
  // Read by OpenBLAS when it initialises: without it the library starts a thread per core.
  process.env.OPENBLAS_NUM_THREADS = "1";
  chooseOpenBlasCore();
  let koffi: typeof import("koffi");
  try {
    koffi = require("koffi") as typeof import("koffi");
  } catch (e) {
    return { ok: false, reason: `the koffi package does not load (${firstLine(e)}); run \`npm ci\`` };
  }
  const errors: string[] = [];
  for (const path of CANDIDATES) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(path);
    } catch (e) {
      errors.push(firstLine(e));
      continue;
    }
    try {
      const sgemm = lib.func("void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)");
      const setThreads = lib.func("void openblas_set_num_threads(int n)");
      const getConfig = lib.func("const char *openblas_get_config()");
      setThreads(1);
      const config = String(getConfig());
      return {
        ok: true,
        blas: {
          library: path,
          config,
          sgemm: (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
            sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
        },
      };
    } catch (e) {
      return { ok: false, reason: `${path} loaded but is not OpenBLAS (${firstLine(e)})` };
    }
  }
  return { ok: false, reason: `OpenBLAS is not installed (no libopenblas.so.0 found; on Debian or Ubuntu: apt-get install libopenblas0)` };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 200);
}

/** OpenBLAS, or why it cannot be used. Loaded once per process. */
export function probeOpenBlas(): Loaded {
  loaded ??= load();
  return loaded;
}
