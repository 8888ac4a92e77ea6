#!/usr/bin/env bash
# Installs what the PyTorch reference of `npm run bench:train` needs (bench/reference_train.py):
# Debian's python3-torch, and OpenBLAS for it (libopenblas0-pthread). Without OpenBLAS, Debian's
# torch runs on the reference BLAS and is ~10x slower, which would make the comparison meaningless.
#
# Idempotent: packages already installed are left alone, and nothing is fetched when all are there.
# It never fails the bench: where it cannot install (not root and no usable sudo, no network), it
# says why and exits 0, and the bench then prints "pytorch reference skipped: ..." with the reason.
set -u

PACKAGES=(python3-torch libopenblas0-pthread)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
  done
else
  echo "setup-reference: no dpkg here (not Debian/Ubuntu); install PyTorch with OpenBLAS for /usr/bin/python3 yourself" >&2
  exit 0
fi

[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup-reference: installing ${missing[*]} for the PyTorch reference" >&2
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
  # sudo may ask for a password on a terminal; without one it must work non-interactively, else
  # an npm script would hang on a prompt nobody sees.
  as_root=(sudo)
else
  echo "setup-reference: cannot install ${missing[*]}: not root and no usable sudo;" \
    "run as root: apt-get install -y ${missing[*]}" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# One update before the install: a fresh container has no package lists at all.
if ! ${as_root[@]+"${as_root[@]}"} apt-get update -qq; then
  echo "setup-reference: apt-get update failed (no network?); the PyTorch reference may be skipped" >&2
  exit 0
fi
if ! ${as_root[@]+"${as_root[@]}"} apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "setup-reference: apt-get install ${missing[*]} failed; the PyTorch reference may be skipped" >&2
  exit 0
fi
echo "setup-reference: installed ${missing[*]}" >&2
