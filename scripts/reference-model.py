#!/usr/bin/python3
"""
Independent PyTorch reference for cgx's GPT (src/runtime/model/model.ts), used to make a test fixture.

Run ONCE by hand, not in CI (CI has no PyTorch); the output is committed:

    apt-get install -y python3-torch python3-numpy      # Debian's PyTorch (1.13) and numpy
    /usr/bin/python3 scripts/reference-model.py          # writes test/fixtures/reference-gpt.json

test/runtime/reference.test.ts loads the fixture, builds the cgx model from the same weights and
checks its loss and every parameter gradient against the ones recorded here. Rerunning the script
gives the same file (fixed numpy seed; the computation is deterministic float64 on the CPU).

The model is written from its description, the way a PyTorch user would, not translated from the
TypeScript:
  x = tok_emb[ids] + pos_emb[:T]                                   (learned positions)
  per block (pre-LayerNorm):  x = x + attn(LN1(x));  x = x + mlp(LN2(x))
    LayerNorm: over the last axis, biased variance, eps 1e-5, then * gamma + beta
    attn: qkv = h @ W[d,3d] + b; the columns are [q | k | v], and within each the heads are
          contiguous groups of hd = d/H columns; causal softmax(q k^T / sqrt(hd)) v; then h @ Wp + bp
    mlp:  gelu_tanh(h @ Wfc + bfc) @ Wproj + bproj
  final LayerNorm; logits = h @ tok_emb^T (tied unembedding); loss = mean token cross-entropy.
Weights are stored [in, out] (y = x @ W + b), as cgx stores them.

Numbers: the weights are drawn from numpy, rounded to 3 decimals (short in JSON) and then to float32,
so the float64 reference and cgx's float32 model start from bit-identical values. Everything after
that is float64 here. Gradients are written with 7 significant digits (relative rounding <= 5e-8,
far below the test's 1e-4 tolerance).
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240611
CONFIG = dict(vocab=64, context=8, width=16, heads=2, layers=2, mlp=4, batch=3, length=8)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "reference-gpt.json")

BLOCK_PARAMS = ["ln1.gamma", "ln1.beta", "attn.qkv.w", "attn.qkv.b", "attn.proj.w", "attn.proj.b",
                "ln2.gamma", "ln2.beta", "mlp.fc.w", "mlp.fc.b", "mlp.proj.w", "mlp.proj.b"]


def make_weights(rng: np.random.Generator, c: dict) -> dict:
    """Random weights, deliberately NOT the training init: non-unit gammas, nonzero betas and biases,
    and scales large enough that attention is far from uniform and every gradient is non-trivial."""
    V, P, d, L, h = c["vocab"], c["context"], c["width"], c["layers"], c["mlp"] * c["width"]
    shapes = {"embed.tokens": ((V, d), 0.5), "embed.positions": ((P, d), 0.3)}
    for l in range(L):
        p = f"blocks.{l}."
        shapes.update({
            p + "ln1.gamma": ((d,), "gamma"), p + "ln1.beta": ((d,), 0.1),
            p + "attn.qkv.w": ((d, 3 * d), 0.35), p + "attn.qkv.b": ((3 * d,), 0.1),
            p + "attn.proj.w": ((d, d), 0.25), p + "attn.proj.b": ((d,), 0.1),
            p + "ln2.gamma": ((d,), "gamma"), p + "ln2.beta": ((d,), 0.1),
            p + "mlp.fc.w": ((d, h), 0.3), p + "mlp.fc.b": ((h,), 0.2),
            p + "mlp.proj.w": ((h, d), 0.15), p + "mlp.proj.b": ((d,), 0.1),
        })
    shapes["final_ln.gamma"] = ((d,), "gamma")
    shapes["final_ln.beta"] = ((d,), 0.1)
    out = {}
    for name, (shape, scale) in shapes.items():
        if scale == "gamma":
            a = 1.0 + 0.2 * rng.standard_normal(shape)
        else:
            a = scale * rng.standard_normal(shape)
        out[name] = np.round(a, 3).astype(np.float32)
    return out


def gpt_logits(w: dict, ids: torch.Tensor, c: dict) -> torch.Tensor:
    """The model's next-token logits, [B, T, V]. Other scripts import this (see importlib users)."""
    B, T = ids.shape
    d, H, L = c["width"], c["heads"], c["layers"]
    hd = d // H

    def ln(x, prefix):
        return F.layer_norm(x, (d,), w[prefix + ".gamma"], w[prefix + ".beta"], eps=1e-5)

    def lin(x, prefix):  # stored [in, out]; F.linear wants [out, in]
        return F.linear(x, w[prefix + ".w"].t(), w[prefix + ".b"])

    causal = torch.ones(T, T, dtype=torch.bool).tril()
    x = F.embedding(ids, w["embed.tokens"]) + w["embed.positions"][:T]  # [B, T, d]
    for l in range(L):
        p = f"blocks.{l}"
        # Attention. View the 3d columns as (which of q/k/v, head, hd) and move heads forward.
        qkv = lin(ln(x, p + ".ln1"), p + ".attn.qkv").view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each [B, H, T, hd]
        scores = torch.einsum("bhqe,bhke->bhqk", q, k) / math.sqrt(hd)
        att = scores.masked_fill(~causal, float("-inf")).softmax(dim=-1)
        y = torch.einsum("bhqk,bhke->bhqe", att, v).transpose(1, 2).reshape(B, T, d)
        x = x + lin(y, p + ".attn.proj")
        # MLP.
        x = x + lin(F.gelu(lin(ln(x, p + ".ln2"), p + ".mlp.fc"), approximate="tanh"), p + ".mlp.proj")
    return ln(x, "final_ln") @ w["embed.tokens"].t()  # tied unembedding, [B, T, V]


def gpt_loss(w: dict, ids: torch.Tensor, targets: torch.Tensor, c: dict) -> torch.Tensor:
    B, T = ids.shape
    logits = gpt_logits(w, ids, c)
    return F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T), reduction="mean")


def check_gelu():
    # The tanh approximation cgx documents, written out, against torch's.
    x = torch.linspace(-6, 6, 101, dtype=torch.float64)
    mine = 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    assert torch.allclose(mine, F.gelu(x, approximate="tanh"), rtol=0, atol=1e-14)


def check_finite_differences(w, ids, targets, c, grads, rng):
    """Sanity of the reference itself: directional derivatives by central differences (float64)."""
    for _ in range(5):
        dirs = {n: torch.from_numpy(rng.standard_normal(t.shape)) for n, t in w.items()}
        eps = 1e-6
        with torch.no_grad():
            plus = gpt_loss({n: t + eps * dirs[n] for n, t in w.items()}, ids, targets, c).item()
            minus = gpt_loss({n: t - eps * dirs[n] for n, t in w.items()}, ids, targets, c).item()
        fd = (plus - minus) / (2 * eps)
        an = sum((grads[n] * dirs[n]).sum().item() for n in w)
        assert abs(fd - an) <= 1e-6 * max(1.0, abs(an)), (fd, an)


def sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def main():
    torch.set_grad_enabled(True)
    c = CONFIG
    rng = np.random.default_rng(SEED)
    weights = make_weights(rng, c)
    B, T, V = c["batch"], c["length"], c["vocab"]
    ids_np = rng.integers(0, V, size=(B, T))
    ids_np[1, 5] = ids_np[1, 2] = ids_np[0, 0]  # repeated tokens: embedding gradients must accumulate
    targets_np = rng.integers(0, V, size=(B, T))
    targets_np[2, 3] = ids_np[2, 4]  # a target that is also an input (tied embedding, both paths)

    w = {n: torch.tensor(a.astype(np.float64), requires_grad=True) for n, a in weights.items()}
    ids = torch.from_numpy(ids_np).long()
    targets = torch.from_numpy(targets_np).long()
    loss = gpt_loss(w, ids, targets, c)
    grads = dict(zip(w, torch.autograd.grad(loss, list(w.values()))))

    check_gelu()
    check_finite_differences(w, ids, targets, c, grads, np.random.default_rng(1))

    fixture = {
        "format": "cgx-reference-gpt",
        "version": 1,
        "generator": "scripts/reference-model.py (PyTorch %s, float64)" % torch.__version__,
        "seed": SEED,
        "config": c,
        "inputs": ids_np.tolist(),
        "targets": targets_np.tolist(),
        "loss": loss.item(),
        # Weights: 3-decimal values; cgx and the reference both use float32(value).
        "params": {n: {"shape": list(a.shape), "data": [round(float(x), 3) for x in a.ravel()]}
                   for n, a in weights.items()},
        "grads": {n: {"shape": list(g.shape), "data": [sig(x, 7) for x in g.detach().numpy().ravel().tolist()]}
                  for n, g in grads.items()},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"loss {loss.item():.10f}; {sum(a.size for a in weights.values())} parameters; wrote {os.path.relpath(OUT)} "
          f"({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
