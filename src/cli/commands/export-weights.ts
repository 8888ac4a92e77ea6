/**
 * `cgx export weights RUN_DIR --cell ID [--step N] -o DIR`: one cell's trained model in the layout
 * of Hugging Face's GPT-2: model.safetensors, config.json and the tokenizer's files (vocab.json and
 * merges.txt; see docs/interop.md). The weights come from the cell's newest checkpoint that
 * verifies against its checksums (or the one at --step), with pruning masks multiplied in; the
 * optimizer's moments and a distillation teacher's weights are left out.
 */
import { mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Cell, Plan } from "../../plan/types.js";
import { experimentTokenizer, DataError } from "../../runtime/data/index.js";
import type { BpeTokenizer } from "../../runtime/data/tokenizers/bpe.js";
import { gpt2TokenizerFiles } from "../../runtime/data/tokenizers/gpt2-files.js";
import { LayoutError, toGpt2 } from "../../runtime/model/hf-gpt2.js";
import type { Params } from "../../runtime/model/params.js";
import { encodeSafetensors } from "../../runtime/model/safetensors.js";
import { CheckpointError, listCheckpoints, loadCheckpoint } from "../../runtime/training/checkpoint.js";
import { cellPaths, readStatus } from "../../runtime/running/rundir.js";
import { tryReadJson } from "../../runtime/running/files.js";
import type { PlanLock } from "../../runtime/running/executor.js";
import { onDisk, writeAtomic } from "../../store/durable.js";
import { oneRunDir } from "../args.js";
import { type Io, UserError } from "../io.js";

export interface ExportWeightsCommandOptions {
  readonly cell: string;
  readonly step?: string;
  readonly output: string;
  readonly cache?: string;
}

/** A cell by id or label; an unknown one is an error listing the cells there are. */
export function findCell(plan: Plan, key: string): Cell {
  const cell = plan.cells.find((c) => c.id === key) ?? plan.cells.find((c) => c.label === key);
  if (cell) return cell;
  const shown = plan.cells.slice(0, 12).map((c) => (c.label === c.id ? c.id : `${c.id} (${c.label})`));
  throw new UserError(`the run has no cell \`${key}\``, `give a cell id or label from \`cgx status\`: ${shown.join(", ")}${plan.cells.length > 12 ? `, ... (${plan.cells.length} cells)` : ""}`);
}

/** The checkpoint to export: the one at `step`, or the newest that verifies (others are reported). */
function pickCheckpoint(io: Io, root: string, cell: Cell, state: string, step: number | undefined): ReturnType<typeof loadCheckpoint> {
  const steps = listCheckpoints(root);
  if (!steps.length) throw new UserError(`cell ${cell.label} has no checkpoint (it is ${state})`, "train it first with `cgx run`: a cell writes a checkpoint at every eval point");
  const load = (s: number) => {
    try {
      return loadCheckpoint(root, s);
    } catch (e) {
      if (e instanceof CheckpointError) return e;
      throw e;
    }
  };
  if (step !== undefined) {
    if (!steps.includes(step)) throw new UserError(`cell ${cell.label} has no checkpoint at step ${step}`, `its checkpoints are at steps ${steps.join(", ")}`);
    const got = load(step);
    if (got instanceof CheckpointError) throw new UserError(got.message, `export another step (${steps.filter((s) => s !== step).join(", ") || "none left"}) or retrain the cell with \`cgx run\``);
    return got;
  }
  const problems: string[] = [];
  for (const s of [...steps].reverse()) {
    const got = load(s);
    if (!(got instanceof CheckpointError)) {
      for (const p of problems) io.err(`warning: skipped a newer checkpoint: ${p}\n`);
      return got;
    }
    problems.push(got.message);
  }
  throw new UserError(`no checkpoint of cell ${cell.label} verifies: ${problems.join("; ")}`, "retrain the cell with `cgx run` (it restarts from its newest good checkpoint)");
}

/**
 * The tokenizer's files in GPT-2's format. A pretrained vocabulary has its own files elsewhere
 * (tiktoken's; r50k_base is GPT-2's own): it is named in config.json and on standard error instead.
 */
async function tokenizerFiles(io: Io, plan: Plan, cacheDir: string): Promise<Record<string, string>> {
  const spec = plan.data.tokenizer;
  if (spec.kind === "pretrained") {
    io.err(`note: the tokenizer is the pretrained ${spec.name} (config.json says so under cgx.tokenizer); no tokenizer files are written: load it with tiktoken.get_encoding("${spec.name}")${spec.name === "r50k_base" ? ' or transformers\' GPT2TokenizerFast.from_pretrained("gpt2")' : ""}\n`);
    return {};
  }
  let merges: BpeTokenizer["merges"] = [];
  if (spec.kind === "bpe") {
    try {
      merges = ((await experimentTokenizer(plan.data, { cacheDir, cwd: io.cwd })) as BpeTokenizer).merges;
    } catch (e) {
      if (e instanceof DataError) throw new UserError(`cannot rebuild the run's bpe tokenizer: ${e.message}`, `${e.help}; the export rebuilds it from the data as \`cgx run\` did, so run it where the run ran (same files, same --cache, default ${relative(io.cwd, cacheDir) || cacheDir})`);
      throw e;
    }
  }
  const files = gpt2TokenizerFiles(merges);
  if (files.duplicates.length) io.err(`warning: ${files.duplicates.length} bpe tokens spell the same bytes as earlier ones (ids ${files.duplicates.slice(0, 5).join(", ")}); vocab.json keeps the first, so GPT-2's tokenizer never produces the later ids\n`);
  const config = { tokenizer_class: "GPT2Tokenizer", model_max_length: plan.data.context, add_prefix_space: false, bos_token: null, eos_token: null, unk_token: null };
  return { "vocab.json": files["vocab.json"], "merges.txt": files["merges.txt"], "tokenizer_config.json": `${JSON.stringify(config, null, 2)}\n` };
}

export async function exportWeightsCommand(io: Io, dir: string, opts: ExportWeightsCommandOptions): Promise<number> {
  const runDir = oneRunDir(io, dir);
  const lock = tryReadJson<PlanLock>(join(runDir, "plan.lock.json"));
  if (!lock?.plan?.cells) throw new UserError(`${join(runDir, "plan.lock.json")} holds no readable plan`, "the lock file is written once when the run starts; restore it or rerun `cgx run`");
  const plan = lock.plan;
  const cell = findCell(plan, opts.cell);
  let step: number | undefined;
  if (opts.step !== undefined) {
    step = Number(opts.step);
    if (!Number.isInteger(step) || step < 0) throw new UserError(`--step must be a step number from \`cgx status\`, got \`${opts.step}\``);
  }
  const paths = cellPaths(runDir, cell.id);
  const { manifest, arrays } = pickCheckpoint(io, paths.checkpoints, cell, readStatus(paths)?.state ?? "pending", step);

  const params: Params = new Map();
  const masks = new Map<string, Float32Array>();
  for (const [name, a] of arrays) {
    if (name.startsWith("mask.")) masks.set(name.slice(5), a.data);
    else if (!name.startsWith("opt.") && !name.startsWith("teacher.")) params.set(name, a);
  }
  const provenance = { run_dir: runDir, experiment: plan.experiment, plan_hash: lock.plan_hash, cgx_version: lock.cgx_version, cell_id: cell.id, cell_label: cell.label, step: manifest.step, tokens: manifest.step * cell.budget.tokens_per_step, tokenizer: plan.data.tokenizer };
  let exported;
  try {
    exported = toGpt2(params, masks, cell.model.heads, provenance);
  } catch (e) {
    if (e instanceof LayoutError) throw new UserError(`the checkpoint of cell ${cell.label} at step ${manifest.step} cannot be exported: ${e.message}`, "this checkpoint does not hold a cgx GPT; export another step with --step");
    throw e;
  }
  const cacheDir = resolve(io.cwd, opts.cache ?? join(runDir, "..", "..", ".cache"));
  const tokenizer = await tokenizerFiles(io, plan, cacheDir);

  const out = resolve(io.cwd, opts.output);
  onDisk(out, "create", () => mkdirSync(out, { recursive: true }));
  const metadata = { format: "pt", cgx_cell: cell.id, cgx_step: String(manifest.step) };
  writeAtomic(join(out, "model.safetensors"), encodeSafetensors(exported.tensors, metadata));
  writeAtomic(join(out, "config.json"), `${JSON.stringify(exported.config, null, 2)}\n`);
  for (const [name, text] of Object.entries(tokenizer)) writeAtomic(join(out, name), text);
  const c = exported.config;
  const count = exported.tensors.reduce((n, t) => n + t.data.length, 0);
  io.out(`wrote ${relative(io.cwd, out) || out}: ${cell.label} at step ${manifest.step} as GPT-2 (${c.n_layer} layer${c.n_layer === 1 ? "" : "s"}, width ${c.n_embd}, ${c.n_head} heads, vocabulary ${c.vocab_size}, ${count} parameters${masks.size ? `, ${masks.size} pruning masks applied` : ""}): model.safetensors, config.json, ${Object.keys(tokenizer).join(", ")}\n`);
  return 0;
}
