#!/usr/bin/env bash
# Compiles cgx's row kernels (src/runtime/model/kernels/native/kernels.c) for this machine into
# dist/native/libcgxkernels.so, which the wasm backend calls through koffi (kernels "native").
# Rebuilt only when the source is newer. Without a C compiler it says so and exits 0: cgx then runs
# the same kernels in JavaScript (kernels "openblas"), about 1.3-1.7x slower per step.
set -u
cd "$(dirname "$0")/.."
src=src/runtime/model/kernels/native/kernels.c
out=dist/native/libcgxkernels.so
[ -f "$out" ] && [ "$out" -nt "$src" ] && exit 0
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "warning: no C compiler ($cc) here: cgx's row kernels run in JavaScript (install gcc for the faster native ones; \`cgx doctor\` shows which run)" >&2
  exit 0
fi
mkdir -p dist/native
# -march=native: the library is built on the machine that runs it. -ffp-contract=off: no fused
# multiply-adds, so every operation rounds as the JavaScript twin of each kernel does.
if ! "$cc" -O3 -march=native -ffp-contract=off -fno-math-errno -fPIC -shared -o "$out.tmp" "$src" -lm; then
  rm -f "$out.tmp"
  echo "warning: compiling $src failed: cgx's row kernels run in JavaScript" >&2
  exit 0
fi
mv "$out.tmp" "$out"
