#!/usr/bin/env bash
# Sets up cgx on a fresh machine: system packages, npm dependencies, the build. Idempotent.
#
#   scripts/setup.sh           what `cgx run` needs (OpenBLAS for the fast CPU kernels)
#   scripts/setup.sh --tests   that, plus what only the test suite needs (Chromium for the report test,
#                              redis-server for the queue tests)
#
# README's two commands and CI (.ci/run) go through it.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) tests=1 ;;
    *) echo "error: unknown option $arg (use --tests)" >&2; exit 2 ;;
  esac
done

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "error: cgx needs Node 20 or newer (found $(node --version))" >&2
  exit 1
fi

# System packages, installed only when missing. libopenblas0-pthread: the BLAS that cgx's wasm
# kernels call for every matmul (without it cgx still trains, ~4x slower, and says so).
apt_packages=(libopenblas0-pthread)
if [ "$tests" -eq 1 ]; then apt_packages+=(chromium redis-server python3-torch python3-numpy); fi
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi
  if ! command -v apt-get >/dev/null 2>&1 || [ "$SUDO" = none ]; then
    echo "warning: cannot install ${missing[*]} here (needs apt-get as root or sudo)." >&2
    echo "  Without OpenBLAS, cgx trains on the wasm backend's own kernels (slower); \`cgx doctor\` shows which are active." >&2
    if [ "$tests" -eq 1 ]; then echo "error: the test suite needs ${missing[*]}" >&2; exit 1; fi
  else
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
  fi
fi

# Dependencies exactly as locked; optional native backends may fail to install offline, which is fine.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
