/**
 * Task evaluation: exact match by greedy decoding. For each item the model reads the prompt (the
 * text up to "A:" or up to the blank), then its most likely next token is appended, again and
 * again, until the continuation holds a stop string ("\n" or "."), or `maxTokens` tokens were
 * decoded. The continuation before the stop, normalised, must equal the normalised answer. An item
 * stops decoding as soon as its continuation can no longer match its answer (it is wrong whatever
 * follows), which makes a weak model cheap to evaluate: most rows end after a token or two.
 *
 * Independent of how items are generated: items are `{ task, prompt, answer, level }`. Prompts are
 * decoded in batches: rows are right-padded to a common length, which causal attention makes
 * harmless (a position never sees the ones after it), and each row's next-token logits are read at
 * its own last position. Prompts are batched in order of length, so rows in a batch pad little. A row longer than the model's context is cut to its last `context` tokens
 * (a sliding window). Greedy decoding with ties broken by the lowest id is deterministic, and the
 * items are fixed by the plan (synthetic/index.ts `taskItems`), so a cell's result depends only on
 * its weights.
 */
import type * as TF from "@tensorflow/tfjs";
import type { Tf } from "../backend.js";
import type { Tokenizer } from "../data/tokenizers/types.js";

/** What decoding needs of a model: `Gpt` has it. */
export interface LogitsModel {
  readonly tf: Tf;
  readonly dims: { readonly context: number; readonly vocab: number };
  /** Logits [B*T, vocab] for inputs [B, T]. */
  logits(inputs: TF.Tensor2D): TF.Tensor2D;
}

/** One evaluation item (synthetic/index.ts `TaskItem` is one). */
export interface EvalItem {
  /** The record key the item is reported under: "facts.qa". */
  readonly task: string;
  readonly prompt: string;
  readonly answer: string;
  readonly level: number;
}

export interface DecodeOptions {
  /** Prompts per forward pass; default 32. */
  readonly batch?: number;
  /** Most tokens decoded per prompt; default 16. */
  readonly maxTokens?: number;
  /** The continuation ends before the first of these; default ["\n", "."]. */
  readonly stops?: readonly string[];
  /** Token ids put before every prompt: the separator the sampler puts between examples. */
  readonly prefix?: readonly number[];
  /**
   * The expected answers, aligned with the prompts: a row stops as soon as its continuation can no
   * longer normalise to its answer (its output is then the continuation so far).
   */
  readonly answers?: readonly string[];
}

export interface EvaluateOptions extends DecodeOptions {
  /** Called for every item with what the model produced (for logs and debugging). */
  readonly onItem?: (item: EvalItem, output: string, correct: boolean) => void;
}

export interface LevelScore {
  readonly accuracy: number;
  readonly n: number;
}

export interface TaskScore {
  readonly accuracy: number;
  readonly n: number;
  /** By difficulty level, keyed by the level as a string ("1", "2"). */
  readonly by_level: Readonly<Record<string, LevelScore>>;
}

/**
 * Lower case, NFKC, single spaces, ", " between list items; no whitespace or quotes before, no
 * whitespace, quotes or punctuation after. A continuation that opens with punctuation is wrong.
 */
export function normalizeAnswer(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/^[\s"'`]+|[\s"'`.,;:!?]+$/g, "")
    .replace(/\s*,\s*/g, ", ");
}

/** Characters a continuation may have beyond its answer's length (spaces, quotes, trailing dots). */
export const SLACK = 8;

const TRAILING = /[\s"'`.,;:!?]+$/;

/**
 * Can `partial` (no stop yet) still become a continuation that normalises to `answer` (normalised)?
 * It can if it is a prefix of the answer, compared decomposed (NFD, so a combining mark still to
 * come cannot break it) and leaving out an incomplete UTF-8 sequence (U+FFFD) and trailing spaces
 * (a comma may still absorb them); or if it is the answer followed by characters that
 * normalisation trims. A continuation more than SLACK characters longer than the answer is not
 * credited either, so a model that pads with spaces or dots forever stops early.
 */
export function canStillMatch(partial: string, answer: string): boolean {
  if (partial.length > answer.length + SLACK) return false;
  const p = partial
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(/^[\s"'`]+/, "")
    .replace(/\s*,\s*/g, ", ")
    .replace(/\uFFFD+$/, "");
  const head = p.replace(/\s+$/, "");
  return answer.normalize("NFD").startsWith(head.normalize("NFD")) || p.replace(TRAILING, "") === answer;
}

/** Cuts `text` before the first stop; null if it holds none. */
function cut(text: string, stops: readonly string[]): string | null {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at < 0 ? null : text.slice(0, at);
}

/** The greedy continuation of every prompt, cut before the first stop. */
export function greedyDecode(model: LogitsModel, tokenizer: Tokenizer, prompts: readonly string[], opts: DecodeOptions = {}): string[] {
  const tf = model.tf;
  const ctx = model.dims.context;
  const batch = Math.max(1, opts.batch ?? 32);
  const maxTokens = opts.maxTokens ?? 16;
  const stops = opts.stops ?? ["\n", "."];
  const prefix = opts.prefix ?? [];
  const answers = opts.answers?.map(normalizeAnswer);
  const out: string[] = new Array<string>(prompts.length).fill("");
  const encoded = prompts.map((p, index) => ({ index, seq: [...prefix, ...tokenizer.encode(p)] }));
  // Stable: equal lengths keep their order, so results never depend on the batch size.
  encoded.sort((a, b) => a.seq.length - b.seq.length || a.index - b.index);
  for (let b0 = 0; b0 < encoded.length; b0 += batch) {
    const rows = encoded.slice(b0, b0 + batch).map((e) => ({ ...e, gen: [] as number[], done: false }));
    for (const r of rows) if (r.seq.length === 0) r.done = true;
    for (let step = 0; step < maxTokens; step++) {
      const active = rows.filter((r) => !r.done);
      if (active.length === 0) break;
      const lens = active.map((r) => Math.min(ctx, r.seq.length));
      // Padded to a multiple of 8: fewer distinct shapes (and cached attention masks).
      const T = Math.min(ctx, Math.ceil(Math.max(...lens) / 8) * 8);
      const inputs = new Int32Array(active.length * T);
      const at = new Int32Array(active.length);
      active.forEach((r, i) => {
        const len = lens[i]!;
        const from = r.seq.length - len;
        for (let t = 0; t < len; t++) inputs[i * T + t] = r.seq[from + t]!;
        at[i] = i * T + len - 1;
      });
      const next = tf.tidy(() => {
        const logits = model.logits(tf.tensor2d(inputs, [active.length, T], "int32") as TF.Tensor2D);
        return Array.from(tf.argMax(tf.gather(logits, tf.tensor1d(at, "int32")), 1).dataSync());
      });
      active.forEach((r, i) => {
        const tok = next[i]!;
        r.seq.push(tok);
        r.gen.push(tok);
        const text = tokenizer.decode(r.gen);
        const c = cut(text, stops);
        if (c !== null) {
          out[r.index] = c;
          r.done = true;
        } else {
          out[r.index] = text;
          const a = answers?.[r.index];
          if (r.gen.length >= maxTokens || (a !== undefined && !canStillMatch(text, a))) r.done = true;
        }
      });
    }
  }
  return out;
}

/**
 * Exact-match accuracy per task and per level. Tasks appear in the order of their first item,
 * levels in increasing order.
 */
export function evaluateTasks(model: LogitsModel, tokenizer: Tokenizer, items: readonly EvalItem[], opts: EvaluateOptions = {}): Record<string, TaskScore> {
  const outputs = greedyDecode(
    model,
    tokenizer,
    items.map((i) => i.prompt),
    { ...opts, answers: items.map((i) => i.answer) },
  );
  const tally = new Map<string, { right: number; n: number; levels: Map<number, { right: number; n: number }> }>();
  items.forEach((item, i) => {
    const output = outputs[i]!;
    const answer = normalizeAnswer(item.answer);
    const correct = normalizeAnswer(output) === answer && output.length <= answer.length + SLACK;
    opts.onItem?.(item, output, correct);
    let t = tally.get(item.task);
    if (!t) tally.set(item.task, (t = { right: 0, n: 0, levels: new Map() }));
    let l = t.levels.get(item.level);
    if (!l) t.levels.set(item.level, (l = { right: 0, n: 0 }));
    t.n++;
    l.n++;
    if (correct) {
      t.right++;
      l.right++;
    }
  });
  const result: Record<string, TaskScore> = {};
  for (const [task, t] of tally) {
    const by_level: Record<string, LevelScore> = {};
    for (const lv of [...t.levels.keys()].sort((a, b) => a - b)) {
      const l = t.levels.get(lv)!;
      by_level[String(lv)] = { accuracy: l.right / l.n, n: l.n };
    }
    result[task] = { accuracy: t.right / t.n, n: t.n, by_level };
  }
  return result;
}
