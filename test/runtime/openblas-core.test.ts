import { describe, expect, it } from "vitest";
import { coreTypeFor, cpuFlags } from "../../src/runtime/model/kernels/openblas.js";

describe("OpenBLAS kernel family", () => {
  it("picks the AVX-512 kernels only when every AVX-512 subset they use is present", () => {
    const avx512 = new Set(["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]);
    expect(coreTypeFor(avx512)).toBe("SkylakeX");
    const noDq = new Set([...avx512].filter((f) => f !== "avx512dq"));
    expect(coreTypeFor(noDq)).toBe("Haswell");
    expect(coreTypeFor(new Set(["sse3", "avx", "avx2"]))).toBeNull(); // AVX2 without FMA: leave it to OpenBLAS
    expect(coreTypeFor(new Set(["sse3", "ssse3"]))).toBeNull();
  });

  it("reads this machine's flags on Linux x86-64", () => {
    const flags = cpuFlags();
    if (process.platform === "linux" && process.arch === "x64") expect(flags.has("sse2")).toBe(true);
    else expect(flags.size).toBe(0);
  });
});
