#!/usr/bin/python3
"""
Reads a model written by `cgx export weights` without any cgx code and prints its logits.

    /usr/bin/python3 scripts/gpt2-export-logits.py EXPORT_DIR '[[1, 2, 3], [4, 5, 6]]'

prints one JSON object: {"logits": [B][T][V], "config": {...}, "tensors": N}. Needs python3-torch and
python3-numpy (Debian); test/cli/export-weights.test.ts compares the logits with cgx's own model.

Independent of cgx on purpose:
  - model.safetensors is parsed with json and numpy only (no `safetensors` package): the 8-byte
    little-endian header length, the JSON header, then the raw little-endian float32 data; the
    header's offsets must tile the data exactly, as the format requires;
  - Hugging Face GPT-2's names (wte, wpe, h.N.ln_1, attn.c_attn, ...) are mapped here to the names
    of the project's PyTorch reference model (scripts/reference-model.py), whose gpt_logits() then
    computes the logits in float64. Its architecture facts (LayerNorm eps 1e-5, tanh GELU, tied
    unembedding, q|k|v columns with contiguous heads) are checked against config.json first.
Also, if vocab.json and merges.txt are present, every merge must join two tokens of vocab.json into
the token it names (the GPT-2 tokenizer format), and "decoded" gives each id's bytes as hex.
"""

import importlib.util
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def load_reference():
    spec = importlib.util.spec_from_file_location("reference_model", os.path.join(HERE, "reference-model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = np.frombuffer(raw[:8], dtype="<u8")
    n = int(n)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    start = 8 + n
    assert start % 8 == 0, "the data must start on an 8-byte boundary"
    metadata = header.pop("__metadata__", {})
    tensors = {}
    spans = []
    for name, entry in header.items():
        assert entry["dtype"] == "F32", (name, entry["dtype"])
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"])) if entry["shape"] else 1
        assert end - begin == 4 * count, (name, entry)
        tensors[name] = np.frombuffer(raw[start + begin:start + end], dtype="<f4").reshape(entry["shape"])
        spans.append((begin, end))
    spans.sort()
    at = 0
    for begin, end in spans:
        assert begin == at, "the tensors must tile the data with no gap or overlap"
        at = end
    assert start + at == len(raw), "the data must end where the last tensor ends"
    return tensors, metadata


def reference_names(hf, n_layer):
    """Hugging Face GPT-2 names to scripts/reference-model.py's names."""
    block = {"ln_1.weight": "ln1.gamma", "ln_1.bias": "ln1.beta", "attn.c_attn.weight": "attn.qkv.w",
             "attn.c_attn.bias": "attn.qkv.b", "attn.c_proj.weight": "attn.proj.w", "attn.c_proj.bias": "attn.proj.b",
             "ln_2.weight": "ln2.gamma", "ln_2.bias": "ln2.beta", "mlp.c_fc.weight": "mlp.fc.w", "mlp.c_fc.bias": "mlp.fc.b",
             "mlp.c_proj.weight": "mlp.proj.w", "mlp.c_proj.bias": "mlp.proj.b"}
    out = {"embed.tokens": hf.pop("wte.weight"), "embed.positions": hf.pop("wpe.weight"),
           "final_ln.gamma": hf.pop("ln_f.weight"), "final_ln.beta": hf.pop("ln_f.bias")}
    for l in range(n_layer):
        for theirs, ours in block.items():
            out[f"blocks.{l}.{ours}"] = hf.pop(f"h.{l}.{theirs}")
    assert not hf, f"tensors GPT-2 has no place for: {sorted(hf)}"
    return out


def bytes_to_unicode():
    """openai/gpt-2 encoder.py, as published."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def check_tokenizer(directory):
    vocab_path = os.path.join(directory, "vocab.json")
    if not os.path.exists(vocab_path):
        return None
    with open(vocab_path, encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(directory, "merges.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[0].startswith("#version"), lines[0]
    merges = [tuple(l.split(" ")) for l in lines[1:] if l]
    for a, b in merges:
        assert a in vocab and b in vocab and a + b in vocab, (a, b)
    byte_decoder = {c: b for b, c in bytes_to_unicode().items()}
    return {i: bytes(byte_decoder[c] for c in s).hex() for s, i in vocab.items()}


def main():
    directory, ids_json = sys.argv[1], sys.argv[2]
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    assert config["model_type"] == "gpt2" and config["activation_function"] == "gelu_new"
    assert config["layer_norm_epsilon"] == 1e-5 and config["tie_word_embeddings"] is True
    hf, metadata = read_safetensors(os.path.join(directory, "model.safetensors"))
    assert metadata.get("format") == "pt", metadata
    count = len(hf)
    d, heads, layers = config["n_embd"], config["n_head"], config["n_layer"]
    w = {k: torch.from_numpy(np.array(v, dtype=np.float64)) for k, v in reference_names(hf, layers).items()}
    assert tuple(w["embed.tokens"].shape) == (config["vocab_size"], d)
    assert tuple(w["embed.positions"].shape) == (config["n_positions"], d)
    assert tuple(w["blocks.0.mlp.fc.w"].shape) == (d, config["n_inner"])
    ids = torch.tensor(json.loads(ids_json), dtype=torch.long)
    reference = load_reference()
    with torch.no_grad():
        logits = reference.gpt_logits(w, ids, {"width": d, "heads": heads, "layers": layers})
    print(json.dumps({"logits": logits.tolist(), "config": config, "tensors": count, "decoded": check_tokenizer(directory)}))


if __name__ == "__main__":
    main()
