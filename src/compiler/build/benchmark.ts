/**
 * Builds `benchmark NAME = choices("PATH", ...)` inside `evaluate { ... }`: a multiple-choice file
 * in the layout lm-eval-harness uses, scored by the log-likelihood of each choice after its context
 * (docs/language.md#benchmarks). Only the statement's shape is checked here; the file itself is
 * read by the runtime before any training.
 */
import type { BenchmarkRef, Spanned } from "../ast.js";
import { suggestHelp } from "../diagnostics.js";
import { cover, type Span } from "../span.js";
import type { ListItem } from "../syntax.js";
import { argValue, callArgs, fail, Reader } from "./reader.js";

/** The generic lm-eval-harness layout: `{"query": ..., "choices": [...], "gold": i}`. */
export const BENCHMARK_DEFAULTS = { context: "query", choices: "choices", gold: "gold", delimiter: " " } as const;

const GLOB_CHARS = /[*?[\]{}]/;

/** `NAME = choices(...)`, after the keyword. */
export function readBenchmark(r: Reader, keywordSpan: Span): BenchmarkRef {
  const name = r.name("a benchmark name");
  r.expectPunct("=");
  const item = r.next('a benchmark, like `choices("bench/piqa.jsonl")`');
  if (item.kind !== "call") return r.unexpected(item, 'a benchmark, like `choices("bench/piqa.jsonl")`');
  if (item.callee.text !== "choices") fail("CGX0209", item.callee.span, `unknown kind of benchmark \`${item.callee.text}\``, suggestHelp(item.callee.text, ["choices"]));
  const args = callArgs(item, ["path"], ["context", "choices", "gold", "labels", "delimiter", "limit"], ["path"]);
  const path = argValue(args, "path", (a) => a.string("the path of a .jsonl file"))!;
  if (path.value.trim() === "" || GLOB_CHARS.test(path.value) || !/\.jsonl$/i.test(path.value)) {
    fail("CGX0820", path.span, `a benchmark is one JSON Lines file, found "${path.value}"`, 'name one file ending in .jsonl, like "bench/piqa.jsonl"');
  }
  const field = (key: string, what: string) => argValue(args, key, (a) => checkField(a.string(what)));
  const context = field("context", "the name of the context field") ?? { value: BENCHMARK_DEFAULTS.context, span: item.span };
  const gold = field("gold", "the name of the gold field") ?? { value: BENCHMARK_DEFAULTS.gold, span: item.span };
  const labels = field("labels", "the name of the field listing the labels");
  const choices = argValue(args, "choices", readChoices) ?? { kind: "list" as const, field: { value: BENCHMARK_DEFAULTS.choices, span: item.span } };
  if (labels && choices.kind === "fields") {
    fail("CGX0823", labels.span, "`labels` goes with a field that lists the choices, not with one field per choice", "with one field per choice, `gold` holds the index of the right one (0 for the first field)");
  }
  const delimiter = argValue(args, "delimiter", (a) => a.string("the text put between the context and a choice")) ?? { value: BENCHMARK_DEFAULTS.delimiter, span: item.span };
  const limit = argValue(args, "limit", (a) => a.integer("a number of items", 1));
  r.done("after the benchmark");
  return { name, path, context, choices, gold, ...(labels ? { labels } : {}), delimiter, ...(limit ? { limit } : {}), span: cover(keywordSpan, item.span) };
}

/** A dotted field path: `question`, `choices.text`, `question.choices.label`. */
function checkField(f: Spanned<string>): Spanned<string> {
  if (f.value.split(".").some((part) => part.trim() === "")) {
    fail("CGX0821", f.span, `"${f.value}" is not a field path`, 'name a field, or fields joined by dots, like "choices.text"');
  }
  return f;
}

/** `"FIELD"` (a field holding the list of choices) or `["F1", "F2", ...]` (one field per choice). */
function readChoices(a: Reader): BenchmarkRef["choices"] {
  const item = a.peek();
  if (item?.kind !== "list") return { kind: "list", field: checkField(a.string('a field listing the choices, or a list of fields like `["sol1", "sol2"]`')) };
  a.next("a list of fields");
  const list = item as ListItem;
  const fields = list.elements.map((el) => {
    const er = Reader.ofPhrase(el);
    const f = checkField(er.string("a field name"));
    er.done("in the list of choice fields");
    return f;
  });
  if (fields.length < 2) {
    fail("CGX0823", list.span, `a multiple-choice item needs at least two choices, found ${fields.length === 0 ? "no field" : "one field"}`, 'list a field per choice, like `["sol1", "sol2"]`, or name one field that lists them');
  }
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.value)) fail("CGX0823", f.span, `the choice field "${f.value}" is listed twice`, "list each field once");
    seen.add(f.value);
  }
  return { kind: "fields", fields, span: list.span };
}
