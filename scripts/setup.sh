#!/usr/bin/env bash
# Sets up cgx on a fresh machine: system packages the tests need, npm dependencies, the build.
# Idempotent; README's two commands, `npm test` in CI and developers all go through it.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "error: cgx needs Node 20 or newer (found $(node --version))" >&2
  exit 1
fi

# System packages used by the test suite (chromium: the report test renders HTML headless).
# Listed here, installed only when missing.
apt_packages=(chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Dependencies exactly as locked; optional native backends may fail to install offline, which is fine.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
