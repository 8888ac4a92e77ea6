#!/usr/bin/python3
"""
Independent scoring of a multiple-choice benchmark on a cgx checkpoint, with the project's PyTorch
reference model (scripts/reference-model.py), for the byte tokenizer. test/runtime/benchmarks.test.ts
runs it and compares every choice's log-likelihood with cgx's (src/runtime/eval/choices.ts).

    /usr/bin/python3 scripts/score-choices.py CHECKPOINT_DIR FILE.jsonl BENCHMARK_JSON --heads H [--separator 10]

BENCHMARK_JSON is the plan's benchmark entry (`cells[i].eval.benchmarks[j]`): the field paths, the
delimiter and the limit. Written from lm-eval-harness's description of multiple-choice scoring, not
from the TypeScript:
  - each choice is the continuation `delimiter + choice` of the context; its tokens are
    encode(context + delimiter + choice) after the first len(encode(context)) tokens;
  - the model reads the separator byte first (it separates examples in training), then the context;
  - a row longer than the model's context keeps its last context + 1 tokens (left truncation);
  - loglik = sum over the continuation's tokens (those inside the window) of log softmax(logits).
Prints JSON: per item, its line, gold index, and per choice the loglik and the number of tokens.
Everything is float64 on the CPU.
"""

import argparse
import importlib.util
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("reference_model", os.path.join(HERE, "reference-model.py"))
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)


def load_checkpoint(path):
    manifest = json.load(open(os.path.join(path, "manifest.json")))
    flat = np.fromfile(os.path.join(path, "weights.bin"), dtype="<f4")
    weights = {}
    for t in manifest["tensors"]:
        a = flat[t["offset"]: t["offset"] + t["length"]].reshape(t["shape"])
        weights[t["name"]] = torch.tensor(a.astype(np.float64))
    return weights


def at(value, parts):
    """The value at a dotted path; through a list, the list of values at the rest of the path."""
    if not parts:
        return value
    if isinstance(value, list):
        return [at(v, parts) for v in value]
    return at(value[parts[0]], parts[1:])


def field(obj, path):
    return at(obj, path.split("."))


def text(v):
    return v if isinstance(v, str) else str(v)


def items(path, b):
    out = []
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8").replace("\r\n", "\n").split("\n")
    for number, line in enumerate(lines, 1):
        if b["limit"] is not None and len(out) >= b["limit"]:
            break
        if not line.strip():
            continue
        obj = json.loads(line)
        if b["choices"]["kind"] == "list":
            choices = [text(c) for c in field(obj, b["choices"]["field"])]
        else:
            choices = [text(field(obj, f)) for f in b["choices"]["fields"]]
        gold = field(obj, b["gold"])
        if b["labels"] is not None:
            gold = [text(x) for x in field(obj, b["labels"])].index(text(gold))
        else:
            gold = int(gold)
        out.append((number, field(obj, b["context"]), choices, gold))
    return out


def encode(s):
    return list(s.encode("utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("file")
    ap.add_argument("benchmark")
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--separator", type=int, default=10)
    args = ap.parse_args()
    b = json.loads(args.benchmark)
    w = load_checkpoint(args.checkpoint)
    layers = 0
    while f"blocks.{layers}.ln1.gamma" in w:
        layers += 1
    context, width = w["embed.positions"].shape
    c = dict(width=width, heads=args.heads, layers=layers)
    result = []
    with torch.no_grad():
        for number, ctx, choices, gold in items(args.file, b):
            ctx_ids = encode(ctx)
            scored = []
            for choice in choices:
                cont = encode(ctx + b["delimiter"] + choice)[len(ctx_ids):]
                whole = ([args.separator] + ctx_ids + cont)[-(context + 1):]
                n = min(len(cont), len(whole) - 1)
                ids = torch.tensor([whole[:-1]])
                logp = torch.log_softmax(reference.gpt_logits(w, ids, c)[0], dim=-1)
                targets = whole[1:]
                T = len(targets)
                ll = sum(float(logp[t, targets[t]]) for t in range(T - n, T))
                scored.append({"loglik": ll, "tokens": n})
            result.append({"line": number, "gold": gold, "choices": scored})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
