/**
 * Multiple-choice scoring by log-likelihood, as lm-eval-harness scores `multiple_choice` tasks.
 * Each choice is a continuation of its context, `context + delimiter + choice`; its tokens are
 * lm-eval's split, `encode(context + delimiter + choice)` after the first `encode(context).length`
 * tokens. The model reads the separator the sampler puts between training examples, then the
 * context; loglik = the sum of log p(token | everything before) over the continuation's tokens.
 * A row longer than the model's context keeps its last `context + 1` tokens (lm-eval's left
 * truncation); a continuation longer than that is scored on its last `context` tokens.
 *
 *   acc       the choice of highest loglik is the gold one
 *   acc_norm  by loglik / characters of the choice (Unicode code points, delimiter excluded): lm-eval's acc_norm
 *   acc_tok   by loglik / tokens scored: per-token normalisation
 *
 * Ties go to the first choice (numpy's argmax). Rows (one per item and choice) are batched in order
 * of length and right-padded, which causal attention makes harmless.
 */
import type * as TF from "@tensorflow/tfjs";
import type { Tf } from "../backend.js";
import type { Tokenizer } from "../data/tokenizers/types.js";

/** What scoring needs of a model: `Gpt` has it. */
export interface LikelihoodModel {
  readonly tf: Tf;
  readonly dims: { readonly context: number };
  /** Per-token cross-entropy [B*T] in nats for inputs [B, T] and targets [B*T]. */
  tokenLosses(inputs: TF.Tensor2D, targets: TF.Tensor1D): TF.Tensor1D;
}

export interface ChoiceQuestion {
  readonly context: string;
  readonly choices: readonly string[];
  readonly gold: number;
}

export interface EncodedQuestion {
  /** The prefix and the context's tokens. */
  readonly context: readonly number[];
  readonly continuations: readonly (readonly number[])[];
  /** Characters of each choice (code points). */
  readonly chars: readonly number[];
  readonly gold: number;
}

export interface ChoiceScore {
  readonly accuracy: number;
  readonly acc_norm: number;
  readonly acc_tok: number;
  readonly n: number;
  /** Mean over items of 1 / number of choices: the accuracy of guessing. */
  readonly chance: number;
}

export function encodeQuestions(questions: readonly ChoiceQuestion[], tokenizer: Tokenizer, delimiter: string, prefix: readonly number[]): EncodedQuestion[] {
  return questions.map((q) => {
    const ctx = tokenizer.encode(q.context);
    return {
      context: [...prefix, ...ctx],
      continuations: q.choices.map((c) => {
        const cont = tokenizer.encode(q.context + delimiter + c).slice(ctx.length);
        // A merge across the boundary can leave nothing after the context's tokens: encode the continuation alone.
        return cont.length ? cont : tokenizer.encode(delimiter + c);
      }),
      chars: q.choices.map((c) => [...c].length),
      gold: q.gold,
    };
  });
}

/** Per question, per choice: the summed log-likelihood and the number of tokens it sums over. */
export function choiceLogLikelihoods(model: LikelihoodModel, questions: readonly EncodedQuestion[], batch = 32): { loglik: number[]; tokens: number[] }[] {
  const tf = model.tf;
  const C = model.dims.context;
  const out = questions.map((q) => ({ loglik: q.continuations.map(() => 0), tokens: q.continuations.map(() => 0) }));
  const rows = questions.flatMap((q, i) =>
    q.continuations.map((cont, j) => {
      const whole = [...q.context, ...cont].slice(-(C + 1));
      return { i, j, whole, scored: Math.min(cont.length, whole.length - 1) };
    }),
  );
  // Stable: equal lengths keep their order, so results never depend on the batch size.
  const order = rows.map((_, k) => k).sort((a, b) => rows[a]!.whole.length - rows[b]!.whole.length || a - b);
  for (let b0 = 0; b0 < order.length; b0 += batch) {
    const chunk = order.slice(b0, b0 + batch).map((k) => rows[k]!);
    const longest = Math.max(...chunk.map((r) => r.whole.length - 1));
    // Padded to a multiple of 8: fewer distinct shapes (and cached attention masks).
    const T = Math.max(1, Math.min(C, Math.ceil(longest / 8) * 8));
    const inputs = new Int32Array(chunk.length * T);
    const targets = new Int32Array(chunk.length * T);
    chunk.forEach((r, k) => {
      for (let t = 0; t < r.whole.length - 1; t++) {
        inputs[k * T + t] = r.whole[t]!;
        targets[k * T + t] = r.whole[t + 1]!;
      }
    });
    const losses = tf.tidy(() => model.tokenLosses(tf.tensor2d(inputs, [chunk.length, T], "int32") as TF.Tensor2D, tf.tensor1d(targets, "int32") as TF.Tensor1D).dataSync());
    chunk.forEach((r, k) => {
      const end = r.whole.length - 1;
      let sum = 0;
      for (let t = end - r.scored; t < end; t++) sum -= losses[k * T + t]!;
      out[r.i]!.loglik[r.j] = sum;
      out[r.i]!.tokens[r.j] = r.scored;
    });
  }
  return out;
}

/** Index of the largest value; the first on ties. */
function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < xs.length; k++) if (xs[k]! > xs[best]!) best = k;
  return best;
}

export function scoreChoices(questions: readonly EncodedQuestion[], ll: readonly { loglik: readonly number[]; tokens: readonly number[] }[]): ChoiceScore {
  let acc = 0;
  let norm = 0;
  let tok = 0;
  let chance = 0;
  questions.forEach((q, i) => {
    const { loglik, tokens } = ll[i]!;
    if (argmax(loglik) === q.gold) acc++;
    if (argmax(loglik.map((l, j) => l / q.chars[j]!)) === q.gold) norm++;
    if (argmax(loglik.map((l, j) => l / Math.max(1, tokens[j]!))) === q.gold) tok++;
    chance += 1 / q.continuations.length;
  });
  const n = questions.length;
  return { accuracy: acc / n, acc_norm: norm / n, acc_tok: tok / n, n, chance: chance / n };
}
