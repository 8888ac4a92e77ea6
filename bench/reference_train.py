#!/usr/bin/python3
"""
PyTorch reference for `npm run bench:train`: the same GPT as cgx (src/runtime/model/model.ts;
described in scripts/reference-model.py), trained with AdamW on a fixed random batch, float32, on
ONE thread. Prints one JSON line per measurement:

    /usr/bin/python3 bench/reference_train.py --width 128 --layers 2 --context 64 --batch 16 --steps 20

Needs Debian's python3-torch with OpenBLAS (libopenblas0-pthread); bench/setup-reference.sh
installs both. Without OpenBLAS, Debian's PyTorch falls back to reference BLAS and is ~10x slower:
the "blas" field of the output says which one this process actually ran ("openblas", or the path of
the libblas it mapped), and "max_rss_kb" its peak resident memory.
"""

import argparse
import json
import math
import os
import resource
import statistics
import time

import torch
import torch.nn.functional as F


def mapped_blas():
    """The BLAS this process has mapped, from /proc/self/maps (call it after a matmul has run).

    torch.__config__.show() describes how torch was built, not what the dynamic linker picked at run
    time: Debian's torch links libblas.so.3, an alternatives link that points at OpenBLAS or at the
    reference BLAS depending on which packages are installed. The mapped files say which one it is.
    """
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError as e:
        return f"unknown ({e.strerror})"
    libs = {os.path.basename(p): p for p in paths}
    if any(name.startswith("libopenblas") for name in libs):
        return "openblas"
    for prefix in ("libmkl", "libblis", "libcblas", "libblas"):
        found = sorted(p for name, p in libs.items() if name.startswith(prefix))
        if found:
            return found[0]
    return "none mapped"


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("vocab", 256), ("context", 64), ("batch", 16), ("width", 128), ("layers", 2), ("heads", 4), ("mlp", 4), ("steps", 20), ("warmup", 3)]:
        ap.add_argument("--" + name, type=int, default=default)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    V, T, B, d, L, H, m = a.vocab, a.context, a.batch, a.width, a.layers, a.heads, a.mlp
    hd = d // H

    def param(*shape, std=0.02, fill=None):
        t = torch.full(shape, fill) if fill is not None else torch.randn(*shape) * std
        return t.requires_grad_(True)

    w = {"tok": param(V, d), "pos": param(T, d, std=0.01), "lnf.g": param(d, fill=1.0), "lnf.b": param(d, fill=0.0)}
    for l in range(L):
        p = f"b{l}."
        w.update({
            p + "ln1.g": param(d, fill=1.0), p + "ln1.b": param(d, fill=0.0),
            p + "qkv.w": param(d, 3 * d), p + "qkv.b": param(3 * d, fill=0.0),
            p + "proj.w": param(d, d, std=0.02 / math.sqrt(2 * L)), p + "proj.b": param(d, fill=0.0),
            p + "ln2.g": param(d, fill=1.0), p + "ln2.b": param(d, fill=0.0),
            p + "fc.w": param(d, m * d), p + "fc.b": param(m * d, fill=0.0),
            p + "mproj.w": param(m * d, d, std=0.02 / math.sqrt(2 * L)), p + "mproj.b": param(d, fill=0.0),
        })
    causal = torch.ones(T, T, dtype=torch.bool).tril()

    def loss_fn(ids, targets):
        x = F.embedding(ids, w["tok"]) + w["pos"][:T]
        for l in range(L):
            p = f"b{l}."
            h = F.layer_norm(x, (d,), w[p + "ln1.g"], w[p + "ln1.b"], eps=1e-5)
            qkv = (h @ w[p + "qkv.w"] + w[p + "qkv.b"]).view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = (q @ k.transpose(-1, -2) / math.sqrt(hd)).masked_fill(~causal, float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, d)
            x = x + y @ w[p + "proj.w"] + w[p + "proj.b"]
            h = F.layer_norm(x, (d,), w[p + "ln2.g"], w[p + "ln2.b"], eps=1e-5)
            x = x + F.gelu(h @ w[p + "fc.w"] + w[p + "fc.b"], approximate="tanh") @ w[p + "mproj.w"] + w[p + "mproj.b"]
        logits = F.layer_norm(x, (d,), w["lnf.g"], w["lnf.b"], eps=1e-5) @ w["tok"].t()
        return F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))

    decay = [t for n, t in w.items() if n.endswith(".w") or n == "tok"]
    rest = [t for n, t in w.items() if not (n.endswith(".w") or n == "tok")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    g = torch.Generator().manual_seed(7)
    ids = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(ids, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(w.values()), 1.0)
        opt.step()
        return loss.item()

    step()
    blas = mapped_blas()  # after the first step: the BLAS library is loaded lazily by the first matmul
    for _ in range(a.warmup - 1):  # so --warmup 0 still runs that one step
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    ms = 1000 * statistics.median(times)  # the same median as bench/train.ts takes of cgx's steps
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas,
                      "ms_per_step": round(ms, 2), "tokens_per_s": round(B * T / ms * 1000),
                      # ru_maxrss is in kilobytes on Linux
                      "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
