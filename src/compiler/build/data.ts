/** Builds the `data { ... }` block. */
import type { DataSection, DifficultyMetric, Name, SourceDecl, SourceSpec, Spanned, SyntheticParam, Tokenizer } from "../ast.js";
import { BUILTIN_CORPORA, DIFFICULTY_METRICS, PRETRAINED_TOKENIZERS, SYNTHETIC_TASKS } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { cover, type Span } from "../span.js";
import type { CallItem, Statement, WordItem } from "../syntax.js";
import { needBlock, noBlock, walkBlock, type BuildContext } from "./context.js";
import { argValue, asCall, callArgs, describeItem, fail, Reader } from "./reader.js";


/** Longest context: 65536 tokens (attention scores of one such sequence and head take 16 GiB). */
const MAX_CONTEXT = 65536;
export function buildData(ctx: BuildContext, stmt: Statement, keyword: WordItem): DataSection | undefined {
  const block = needBlock(stmt, keyword);
  let tokenizer: Tokenizer = { kind: "bytes", span: keyword.span };
  let context: Spanned<number> | undefined;
  let difficulty: DifficultyMetric = { kind: "flesch_kincaid", span: keyword.span };
  let heldout: Spanned<number> = { value: 0.02, span: keyword.span };
  const sources: SourceDecl[] = [];
  let contextBroken = false;
  let draw: DataSection["draw"];

  const skipped = walkBlock(ctx, block, {
    name: "the `data` block",
    once: ["tokenizer", "context", "difficulty", "heldout", "draw"],
    handlers: {
      tokenizer: (r, s, kw) => {
        noBlock(s, kw);
        tokenizer = readTokenizer(r);
        r.done("after the tokenizer");
      },
      context: (r, s, kw) => {
        noBlock(s, kw);
        contextBroken = true;
        context = r.integer("a context length in tokens", 2);
        // Attention holds context^2 scores per head: past this a single sequence fills the memory of any machine cgx runs on.
        if (context.value > MAX_CONTEXT) fail("CGX0402", context.span, `a context of ${context.value} tokens is more than cgx trains (${MAX_CONTEXT})`, "transformers at cgx's scale use 64 to 2048");
        r.accept("tok") ?? r.accept("tokens");
        r.done("after the context length");
        contextBroken = false;
      },
      difficulty: (r, s, kw) => {
        noBlock(s, kw);
        r.acceptPunct("=");
        difficulty = readMetric(r);
        r.done("after the difficulty metric");
      },
      heldout: (r, s, kw) => {
        noBlock(s, kw);
        const h = r.percent("a heldout share");
        if (h.value <= 0 || h.value > 0.5) fail("CGX0402", h.span, `a heldout share must be above 0% and at most 50%`, "2% to 10% is usual");
        heldout = h;
        r.done("after the heldout share");
      },
      draw: (r, s, kw) => {
        noBlock(s, kw);
        const how = r.choice(["without", "with"] as const, "way of drawing (`draw without replacement` or `draw with replacement`)");
        const last = r.expect("replacement", "write `draw without replacement` (or `draw with replacement`, the default)");
        r.done("after `draw ... replacement`");
        draw = { value: how.value === "without" ? "without_replacement" : "with_replacement", span: cover(kw.span, last.span) };
      },
      source: (r, s, kw) => {
        noBlock(s, kw);
        const name = r.name("a source name");
        try {
          r.expectPunct("=");
          const spec = readSourceSpec(r);
          r.done("after the source");
          sources.push({ name, spec, span: cover(kw.span, s.span) });
        } catch (e) {
          ctx.brokenNames.add(name.text);
          throw e;
        }
      },
    },
  });

  if (!context) {
    if (!contextBroken && !skipped.has("context")) ctx.error("CGX0206", keyword.span, "the `data` block has no `context`", "add `context 128` (tokens per training sequence)");
    return undefined;
  }
  if (sources.length === 0 && ctx.brokenNames.size === 0 && !skipped.has("source")) {
    ctx.error("CGX0206", keyword.span, "the `data` block declares no source", 'add one, e.g. `source kids = builtin("gutenberg.children")`');
  }
  return { tokenizer, context, sources, difficulty, heldout, ...(draw ? { draw } : {}), span: stmt.span };
}

function readTokenizer(r: Reader): Tokenizer {
  const item = r.next("a tokenizer (`bytes`, `bpe(vocab: 2048)` or `pretrained(\"cl100k_base\")`)");
  const call = asCall(item);
  if (!call) return r.unexpected(item, "a tokenizer", "use `bytes`, `bpe(vocab: 2048)` or `pretrained(\"cl100k_base\")`");
  const kinds = ["bytes", "bpe", "pretrained"];
  switch (call.callee.text) {
    case "bytes":
      callArgs(call, [], []);
      return { kind: "bytes", span: call.span };
    case "bpe": {
      const args = callArgs(call, ["vocab"], [], ["vocab"]);
      const vocab = argValue(args, "vocab", (a) => a.integer("a vocabulary size", 257))!;
      if (vocab.value > 1_000_000) fail("CGX0402", vocab.span, "a vocabulary of more than 1M tokens", "2048 to 32768 is usual for small models");
      return { kind: "bpe", vocab: vocab.value, span: call.span };
    }
    case "pretrained": {
      const args = callArgs(call, ["name"], [], ["name"]);
      const name = argValue(args, "name", (a) => a.string("a tokenizer name"))!;
      if (!(PRETRAINED_TOKENIZERS as readonly string[]).includes(name.value)) {
        fail("CGX0209", name.span, `unknown pretrained tokenizer "${name.value}"`, suggestHelp(name.value, PRETRAINED_TOKENIZERS));
      }
      return { kind: "pretrained", name: name.value, span: call.span };
    }
    default:
      fail("CGX0209", call.callee.span, `unknown tokenizer \`${call.callee.text}\``, suggestHelp(call.callee.text, kinds));
  }
}

export function readMetric(r: Reader): DifficultyMetric {
  const item = r.next("a difficulty metric");
  const call = asCall(item);
  const names = Object.keys(DIFFICULTY_METRICS);
  if (!call) return r.unexpected(item, "a difficulty metric", suggestHelp("", names));
  const kind = call.callee.text;
  switch (kind) {
    case "flesch_kincaid":
    case "dale_chall":
    case "length":
    case "rarity":
    case "compression":
      callArgs(call, [], []);
      return { kind, span: call.span };
    case "perplexity": {
      const args = callArgs(call, [], ["ref", "tokens", "on", "seed"], ["ref"]);
      const ref = argValue(args, "ref", (a) => a.integer("a reference model size in parameters", 1000))!;
      const tokens = argValue(args, "tokens", (a) => {
        const d = a.duration();
        if (d.kind !== "tokens") fail("CGX0401", d.span, "the reference model's budget is a number of tokens", "write it like `2M tok`");
        return d.value;
      });
      const on = argValue(args, "on", readSourceNames) ?? [];
      const seed = argValue(args, "seed", (a) => a.integer("a seed", 0))?.value ?? 0;
      return { kind: "perplexity", refParams: ref, refTokens: tokens ?? 20 * ref.value, on, seed, span: call.span };
    }
    case "field": {
      const args = callArgs(call, ["name"], [], ["name"]);
      const field = argValue(args, "name", (a) => a.string("a field name"))!;
      return { kind: "field", field, span: call.span };
    }
    default:
      fail("CGX0209", call.callee.span, `unknown difficulty metric \`${kind}\``, suggestHelp(kind, names));
  }
}

/** `kids` or `[kids, fiction]`: source names, checked against the declared sources later (check/data.ts). */
function readSourceNames(r: Reader): Name[] {
  const item = r.peek();
  if (item?.kind !== "list") return [r.name("a source name, or a list like `[kids, fiction]`")];
  r.next("a list of source names");
  if (item.elements.length === 0) fail("CGX0204", item.span, "the list of sources is empty", "name at least one source, or leave `on` out to use every source");
  return item.elements.map((el) => {
    const er = Reader.ofPhrase(el);
    const n = er.name("a source name");
    er.done("in the list of sources");
    return n;
  });
}

function readSourceSpec(r: Reader): SourceSpec {
  const next = r.next('a source (`builtin("...")`, `files("...")` or `synthetic.TASK(...)`)');
  // A synthetic task takes no required argument, so its parentheses may be dropped: `synthetic.facts`.
  const item = next.kind === "word" && next.parts[0] === "synthetic" && next.parts.length === 2 ? asCall(next)! : next;
  if (item.kind !== "call") {
    r.unexpected(item, "a source", 'use `builtin("gutenberg.children")`, `files("data/*.txt")` or `synthetic.facts(hops: 1..3)`');
  }
  const callee = item.callee;
  if (callee.parts[0] === "synthetic" && callee.parts.length === 2) {
    // The task's own span: the part after `synthetic.`.
    const task = callee.parts[1]!;
    const s = callee.span;
    const taskSpan = s.line === s.endLine ? { ...s, start: s.end - task.length, col: s.endCol - task.length } : s;
    return readSynthetic(task, taskSpan, item);
  }
  switch (callee.text) {
    case "builtin": {
      const args = callArgs(item, ["corpus"], [], ["corpus"]);
      const corpus = argValue(args, "corpus", (a) => a.string("a corpus name"))!;
      if (!(corpus.value in BUILTIN_CORPORA)) {
        fail("CGX0303", corpus.span, `unknown builtin corpus "${corpus.value}"`, suggestHelp(corpus.value, Object.keys(BUILTIN_CORPORA)));
      }
      return { kind: "builtin", corpus };
    }
    case "files": {
      const args = callArgs(item, ["glob"], ["text", "fields", "unit"], ["glob"]);
      const glob = argValue(args, "glob", (a) => a.string("a file pattern"))!;
      const format = /\.jsonl$/i.test(glob.value) ? "jsonl" : "txt";
      const textField = argValue(args, "text", (a) => a.string("the name of the text field"))?.value;
      const fields = argValue(args, "fields", (a) => {
        const list = a.next("a list of field names");
        if (list.kind !== "list") return a.unexpected(list, 'a list of field names, like `["grade", "topic"]`');
        return list.elements.map((el) => {
          const er = Reader.ofPhrase(el);
          const s = er.string("a field name");
          er.done("in the field list");
          return s.value;
        });
      });
      const unit = argValue(args, "unit", (a) => a.choice(["document", "sentence", "line"] as const, "unit"));
      if (format === "txt" && (textField !== undefined || fields !== undefined)) {
        const span = (args.get("text") ?? args.get("fields"))!.span;
        fail("CGX0207", span, "`text` and `fields` apply to .jsonl files only", "remove them, or point the pattern at .jsonl files");
      }
      return {
        kind: "files",
        glob,
        format,
        ...(format === "jsonl" ? { textField: textField ?? "text" } : {}),
        fields: fields ?? [],
        unit: unit?.value ?? "document",
      };
    }
    default:
      fail("CGX0209", callee.span, `unknown kind of source \`${callee.text}\``, suggestHelp(callee.text, ["builtin", "files", "synthetic.facts"]));
  }
}

function readSynthetic(task: string, calleeSpan: Span, call: CallItem): SourceSpec {
  const info = SYNTHETIC_TASKS[task];
  if (!info) fail("CGX0304", calleeSpan, `unknown synthetic task \`${task}\``, suggestHelp(task, Object.keys(SYNTHETIC_TASKS)));
  const names = Object.keys(info.params);
  const args = callArgs(call, [], names);
  const params: SyntheticParam[] = [];
  for (const [name, a] of args) {
    const pinfo = info.params[name]!;
    const item = a.reader.next(`a value for \`${name}\``);
    let value: SyntheticParam["value"];
    if (item.kind === "number") {
      value = item.value;
      checkBound(item.value, pinfo.min, pinfo.max, item.span, name);
    } else if (item.kind === "range" && item.from.kind === "number" && item.to.kind === "number") {
      if (!pinfo.range) fail("CGX0204", item.span, `\`${name}\` takes one number, not a range`, `write a single value, e.g. \`${name}: ${item.from.text}\``);
      checkBound(item.from.value, pinfo.min, pinfo.max, item.from.span, name);
      checkBound(item.to.value, pinfo.min, pinfo.max, item.to.span, name);
      if (item.from.value > item.to.value) fail("CGX0702", item.span, `the range \`${item.from.text}..${item.to.text}\` runs backwards`, `write \`${item.to.text}..${item.from.text}\``);
      value = { min: item.from.value, max: item.to.value };
    } else {
      fail("CGX0204", item.span, `expected a number${pinfo.range ? " or a range like `1..3`" : ""} for \`${name}\`, found ${describeItem(item)}`);
    }
    a.reader.done(`in argument \`${name}\``);
    params.push({ name: { text: name, span: a.arg.name?.span ?? a.span }, value, span: a.span });
  }
  return { kind: "synthetic", task: { value: task, span: calleeSpan }, params };
}

function checkBound(v: number, min: number, max: number, span: Span, name: string): void {
  if (!Number.isInteger(v)) fail("CGX0404", span, `\`${name}\` must be a whole number`, "use a whole number");
  if (v < min || v > max) fail("CGX0402", span, `\`${name}\` must be between ${min} and ${max}`, `use a value in ${min}..${max}`);
}
