/**
 * `cgx export weights`: a trained cell's model as Hugging Face GPT-2 files, read back by a reader
 * that shares no code with cgx (scripts/gpt2-export-logits.py: the safetensors header parsed with
 * json and numpy, GPT-2's names mapped onto the project's PyTorch reference model), which must give
 * cgx's own logits within 1e-4 on a fixed batch: for a model grown and pruned during training, and
 * for a checkpoint whose masked weights are not zero (the export must apply the masks).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as TF from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { compile } from "../../src/compiler/index.js";
import type { Plan } from "../../src/plan/types.js";
import { loadBackend, type LoadedBackend } from "../../src/runtime/backend.js";
import { experimentTokenizer } from "../../src/runtime/data/index.js";
import { gpt2TokenizerFiles } from "../../src/runtime/data/tokenizers/gpt2-files.js";
import type { BpeTokenizer } from "../../src/runtime/data/tokenizers/bpe.js";
import { chunks } from "../../src/runtime/data/tokenizers/pretokenize.js";
import { Gpt } from "../../src/runtime/model/model.js";
import { depthOf, initParams, type Params } from "../../src/runtime/model/params.js";
import { runPlan } from "../../src/runtime/running/executor.js";
import { cellPaths } from "../../src/runtime/running/rundir.js";
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from "../../src/runtime/training/checkpoint.js";
import { memoryIo, ROOT } from "../helpers.js";
import { sentenceData, sentences, tinyPlan } from "../runtime/fixtures.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(ROOT, "scripts/gpt2-export-logits.py");

async function cgx(args: string[], cwd: string) {
  const io = memoryIo(cwd);
  const code = await main(["node", "cgx", ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

interface PythonOut {
  logits: number[][][];
  config: Record<string, unknown>;
  tensors: number;
  decoded: Record<string, string> | null;
}

function python(dir: string, ids: number[][]): PythonOut {
  const r = spawnSync(PYTHON, [SCRIPT, dir, JSON.stringify(ids)], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) {
    throw new Error(`${SCRIPT} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}\n(it needs Debian's python3-torch and python3-numpy: scripts/setup.sh --tests installs them)`);
  }
  return JSON.parse(r.stdout) as PythonOut;
}

/** A fixed batch: three rows of 16 byte tokens. */
const IDS = ["the cat sees th", "a dog helps our", "\nmy sister calls"].map((s) => Array.from(Buffer.from(s.padEnd(16, "."))).slice(0, 16));

let backend: LoadedBackend;
beforeAll(async () => {
  backend = await loadBackend("wasm");
});

/** cgx's own logits [B][T][V] for these weights. */
function cgxLogits(params: Params, heads: number): number[][][] {
  const tf = backend.tf;
  const [vocab, width] = params.get("embed.tokens")!.shape as [number, number];
  const model = new Gpt(tf, { width, heads, vocab, context: params.get("embed.positions")!.shape[0]! }, params);
  const flat = tf.tidy(() => Array.from(model.logits(tf.tensor2d(IDS, [IDS.length, 16], "int32") as TF.Tensor2D).dataSync()));
  model.dispose();
  return IDS.map((row, b) => row.map((_, t) => flat.slice((b * 16 + t) * vocab, (b * 16 + t + 1) * vocab)));
}

function maxDiff(a: number[][][], b: number[][][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, t) => v.forEach((x, k) => (m = Math.max(m, Math.abs(x - b[i]![t]![k]!))))));
  return m;
}

const plan = (body: string): Plan => tinyPlan(body, "budget steps 48");

/** The safetensors header, read the simple way. */
function header(file: string): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__?: Record<string, string> } {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  expect((8 + n) % 8).toBe(0);
  return JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
}

describe("cgx export weights", () => {
  it("a model grown from 1 to 3 layers and pruned (weights and heads) gives the same logits in the PyTorch reference (1e-4)", async () => {
    const p = plan(`grow {
    start layers 1
    at 25%: stack(factor: 2)
    at 50%: insert(top, layers: 1, init: zero)
  }
  prune {
    magnitude "blocks.*.mlp.*" to 50% sparsity cubic from 40% to 80% every 4 steps, global
    heads keep 75% at 90%
  }`);
    const cell = p.cells[0]!;
    const root = mkdtempSync(join(tmpdir(), "cgx-export-"));
    const s = await runPlan(p, { root, backend, data: async () => sentenceData() });
    expect(s.results.get(cell.id)).toBe("done");
    const out = join(root, "exported");
    const r = await cgx(["export", "weights", s.runDir, "--cell", cell.id, "-o", out], root);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("3 layers");
    expect(r.out).toMatch(/pruning masks applied/);
    expect(readdirSync(out).sort()).toEqual(["config.json", "merges.txt", "model.safetensors", "tokenizer_config.json", "vocab.json"]);

    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ model_type: "gpt2", architectures: ["GPT2LMHeadModel"], n_layer: 3, n_embd: 32, n_head: 4, n_inner: 128, n_positions: 16, n_ctx: 16, vocab_size: 256, activation_function: "gelu_new", layer_norm_epsilon: 1e-5, tie_word_embeddings: true });
    const h = header(join(out, "model.safetensors"));
    expect(h.__metadata__?.format).toBe("pt");
    expect(h["h.2.attn.c_attn.weight"]).toMatchObject({ dtype: "F32", shape: [32, 96] });
    expect(Object.keys(h).filter((k) => k !== "__metadata__")).toHaveLength(4 + 3 * 12);
    expect(Object.keys(h).some((k) => k.includes("opt") || k.includes("mask") || k.includes("lm_head"))).toBe(false);

    // cgx's logits from the checkpoint the export took (the newest), masks multiplied in.
    const paths = cellPaths(s.runDir, cell.id);
    const last = listCheckpoints(paths.checkpoints).at(-1)!;
    const { arrays } = loadCheckpoint(paths.checkpoints, last);
    const params: Params = new Map([...arrays].filter(([k]) => !k.startsWith("opt.") && !k.startsWith("mask.")));
    for (const [k, a] of arrays) if (k.startsWith("mask.")) params.get(k.slice(5))!.data.forEach((v, i, d) => (d[i] = v * a.data[i]!));
    expect(depthOf(params)).toBe(3);
    const mine = cgxLogits(params, 4);
    const theirs = python(out, IDS);
    expect(theirs.tensors).toBe(40);
    const diff = maxDiff(mine, theirs.logits);
    console.log(`export weights (grown, pruned): max |logit difference| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
    // Heads were pruned (their masks cover attn.qkv.w), so the check above covers masked heads too.
    const masked = [...arrays.keys()].filter((k) => k.startsWith("mask."));
    expect(masked.some((k) => k.endsWith("attn.qkv.w"))).toBe(true);
    // The byte tokenizer: 256 tokens, no merges, each id its own byte.
    expect(readFileSync(join(out, "merges.txt"), "utf8")).toBe("#version: 0.2\n");
    expect(Object.keys(theirs.decoded!)).toHaveLength(256);
    for (let b = 0; b < 256; b++) expect(theirs.decoded![String(b)]).toBe(b.toString(16).padStart(2, "0"));
  }, 240_000);

  describe("a checkpoint written by hand", () => {
    const p = plan("");
    const cell = p.cells[0]!;
    let runDir: string;
    let params: Params;
    let masks: Map<string, Float32Array>;
    beforeAll(() => {
      runDir = mkdtempSync(join(tmpdir(), "cgx-export-hand-"));
      writeFileSync(join(runDir, "plan.lock.json"), JSON.stringify({ plan_hash: "x", cgx_version: "test", backend: "wasm", plan: p }));
      params = initParams(cell.model, 2, 7);
      let k = 0;
      for (const a of params.values()) for (let i = 0; i < a.data.length; i++) a.data[i]! += 0.2 * Math.sin(++k * 0.37);
      // Masks over nonzero weights: the export must zero them itself.
      masks = new Map();
      for (const name of ["blocks.0.mlp.fc.w", "blocks.1.attn.qkv.w"]) masks.set(name, params.get(name)!.data.map((_, i) => (i % 3 === 0 ? 0 : 1)));
      const root = cellPaths(runDir, cell.id).checkpoints;
      const arrays = [
        ...params.values(),
        ...[...masks].map(([n, m]) => ({ name: `mask.${n}`, shape: [m.length], data: m })),
        { name: "opt.m.embed.tokens", shape: [256, 32], data: new Float32Array(256 * 32).fill(3) },
        ...[...initParams(cell.model, 1, 9).values()].map((a) => ({ ...a, name: `teacher.${a.name}` })),
      ];
      saveCheckpoint(root, 12, 0, arrays, {}, 5);
      saveCheckpoint(root, 24, 0, arrays, {}, 5);
      // The newest checkpoint is corrupt: the export falls back to step 24 and says so.
      mkdirSync(join(root, "step-000000036"));
      writeFileSync(join(root, "step-000000036", "manifest.json"), "{");
    });

    it("applies the pruning masks, leaves out the optimizer and the teacher, and skips a corrupt newest checkpoint", async () => {
      const out = join(runDir, "out");
      const r = await cgx(["export", "weights", runDir, "--cell", cell.label, "-o", out], runDir);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/warning: skipped a newer checkpoint: checkpoint \S+step-000000036 has no readable manifest/);
      expect(r.out).toContain("at step 24");
      const h = header(join(out, "model.safetensors"));
      expect(Object.keys(h).filter((k) => k !== "__metadata__")).toHaveLength(4 + 2 * 12);
      const masked: Params = new Map([...params].map(([n, a]) => [n, { ...a, data: masks.has(n) ? a.data.map((v, i) => v * masks.get(n)![i]!) : a.data }]));
      const theirs = python(out, IDS);
      const diff = maxDiff(cgxLogits(masked, 4), theirs.logits);
      console.log(`export weights (masks applied by the export): max |logit difference| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-4);
      // The masks matter here: without them the logits are far off, so the check above could fail.
      expect(maxDiff(cgxLogits(params, 4), theirs.logits)).toBeGreaterThan(1e-2);
    }, 60_000);

    it("exports the checkpoint at --step, and explains an unknown cell, a missing step, no checkpoint and a bad output path", async () => {
      const ok = await cgx(["export", "weights", runDir, "--cell", cell.id, "--step", "12", "-o", join(runDir, "at12")], runDir);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out).toContain("at step 12");
      expect(existsSync(join(runDir, "at12", "model.safetensors"))).toBe(true);

      const unknown = await cgx(["export", "weights", runDir, "--cell", "nope", "-o", join(runDir, "x")], runDir);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain("error: the run has no cell `nope`");
      expect(unknown.err).toContain(`= help: give a cell id or label from \`cgx status\`: ${cell.id} (${cell.label})`);

      const step = await cgx(["export", "weights", runDir, "--cell", cell.id, "--step", "13", "-o", join(runDir, "x")], runDir);
      expect(step.code).toBe(1);
      expect(step.err).toContain(`error: cell ${cell.label} has no checkpoint at step 13`);
      expect(step.err).toContain("= help: its checkpoints are at steps 12, 24, 36");

      const corrupt = await cgx(["export", "weights", runDir, "--cell", cell.id, "--step", "36", "-o", join(runDir, "x")], runDir);
      expect(corrupt.code).toBe(1);
      expect(corrupt.err).toMatch(/error: checkpoint \S+ has no readable manifest/);

      const file = join(runDir, "afile");
      writeFileSync(file, "x");
      const path = await cgx(["export", "weights", runDir, "--cell", cell.id, "-o", join(file, "sub")], runDir);
      expect(path.code).toBe(1);
      expect(path.err).toMatch(/error: cannot create \S+afile\S*: (a part of the path is a file, not a directory \(ENOTDIR\)|a file is in the way \(EEXIST\))/);
      expect(path.err).not.toContain("internal error");
      const busy = await cgx(["export", "weights", runDir, "--cell", cell.id, "-o", file], runDir);
      expect(busy.code).toBe(1);
      expect(busy.err).toMatch(/error: cannot create \S+afile: a file is in the way \(EEXIST\)/);

      const empty = mkdtempSync(join(tmpdir(), "cgx-export-empty-"));
      writeFileSync(join(empty, "plan.lock.json"), JSON.stringify({ plan: p }));
      const none = await cgx(["export", "weights", empty, "--cell", cell.id, "-o", join(empty, "x")], empty);
      expect(none.code).toBe(1);
      expect(none.err).toContain(`error: cell ${cell.label} has no checkpoint (it is pending)`);
      expect(none.err).toContain("= help: train it first with `cgx run`");
    }, 60_000);
  });

  it("writes a run's bpe as GPT-2's vocab.json and merges.txt, which encode text as cgx does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cgx-export-bpe-"));
    writeFileSync(join(dir, "c.txt"), sentences(400, 3));
    const r = compile(`experiment bpe {
  data {
    tokenizer bpe(vocab: 320)
    context 16
    source text = files("c.txt", unit: line)
  }
  models { shape s(layers: 1, width: 16, heads: 2) }
  budget steps 4
  control shuffled
}
`);
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    const p = r.plan!;
    const cell = p.cells[0]!;
    const runDir = join(dir, "runs", "bpe", "h");
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, "plan.lock.json"), JSON.stringify({ plan_hash: "h", cgx_version: "test", plan: p }));
    saveCheckpoint(cellPaths(runDir, cell.id).checkpoints, 4, 0, [...initParams(cell.model, 1, 3).values()], {});
    const out = join(dir, "out");
    const e = await cgx(["export", "weights", runDir, "--cell", cell.id, "-o", out], dir);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toContain("vocabulary 320");

    // GPT-2's byte-level BPE over these files, written from its published description (encoder.py).
    const vocab = JSON.parse(readFileSync(join(out, "vocab.json"), "utf8")) as Record<string, number>;
    const merges = readFileSync(join(out, "merges.txt"), "utf8").split("\n").slice(1).filter(Boolean).map((l) => l.split(" ") as [string, string]);
    expect(merges.length).toBeGreaterThan(20);
    const ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
    const byteChar = Object.fromEntries(Object.entries(vocab).filter(([, id]) => id < 256).map(([s, id]) => [id, s]));
    const gpt2Encode = (text: string) =>
      chunks(text).flatMap((chunk) => {
        let word = Array.from(Buffer.from(chunk, "utf8"), (b) => byteChar[b]!);
        for (;;) {
          let best: number | undefined;
          for (let i = 0; i + 1 < word.length; i++) {
            const r = ranks.get(`${word[i]} ${word[i + 1]}`);
            if (r !== undefined && (best === undefined || r < best)) best = r;
          }
          if (best === undefined) break;
          const [a, b] = merges[best]!;
          const next: string[] = [];
          for (let i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] === a && word[i + 1] === b) next.push(a + b), i++;
            else next.push(word[i]!);
          }
          word = next;
        }
        return word.map((t) => vocab[t]!);
      });
    const cgxTokenizer = await experimentTokenizer(p.data, { cacheDir: join(dir, "runs", ".cache"), cwd: dir });
    const texts = sentences(60, 11).split("\n").concat(["Ünïcode, numbers 12345 and   spaces!", "it's the cat's"]);
    for (const t of texts) expect(gpt2Encode(t), t).toEqual(cgxTokenizer.encode(t));
    // The independent reader's decoding of every id gives the bytes cgx's merges make of it.
    const bytesOf: Buffer[] = Array.from({ length: 256 }, (_, b) => Buffer.of(b));
    for (const [a, b] of (cgxTokenizer as BpeTokenizer).merges) bytesOf.push(Buffer.concat([bytesOf[a]!, bytesOf[b]!]));
    const decoded = python(out, IDS).decoded!;
    expect(Object.keys(decoded)).toHaveLength(bytesOf.length);
    for (const [id, hex] of Object.entries(decoded)) expect(hex, id).toBe(bytesOf[Number(id)]!.toString("hex"));
  }, 60_000);

  it("writes a bpe's merges in GPT-2's format, which the independent reader checks against vocab.json", () => {
    const files = gpt2TokenizerFiles([
      [32, 116], // " t"
      [256, 104], // " th"
      [104, 101], // "he"
    ]);
    const vocab = JSON.parse(files["vocab.json"]) as Record<string, number>;
    expect(vocab["Ġt"]).toBe(256);
    expect(vocab["Ġth"]).toBe(257);
    expect(vocab["he"]).toBe(258);
    expect(vocab["!"]).toBe(33);
    expect(vocab["Ā"]).toBe(0);
    expect(files["merges.txt"]).toBe("#version: 0.2\nĠ t\nĠt h\nh e\n");
  });
});
