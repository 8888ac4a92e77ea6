/** Reading multiple-choice files (src/runtime/data/files/choices.ts): the layouts, defaults and errors. No model. */
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import type { PlanBenchmark } from "../../src/plan/types.js";
import { DataError } from "../../src/runtime/data/errors.js";
import { parseChoiceItems } from "../../src/runtime/data/files/choices.js";
import { bytesTokenizer } from "../../src/runtime/data/tokenizers/bytes.js";
import { encodeQuestions, scoreChoices } from "../../src/runtime/eval/choices.js";

/** The plan entry `benchmark b = choices("b.jsonl", ARGS)` compiles to. */
function planned(args: string): PlanBenchmark {
  const r = compile(`experiment t {
  data { context 64
    source a = builtin("gutenberg.children") }
  control shuffled
  models { params [20k] }
  budget tokens 1M
  evaluate { benchmark b = choices("b.jsonl"${args ? `, ${args}` : ""}) }
}`);
  expect(r.diagnostics).toEqual([]);
  return r.plan!.cells[0]!.eval.benchmarks![0]!;
}

const lines = (...objs: unknown[]) => objs.map((o) => JSON.stringify(o)).join("\n");

function failure(text: string, b: PlanBenchmark): string {
  try {
    parseChoiceItems(text, b, "b.jsonl");
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as DataError).message;
  }
  throw new Error("no error");
}

describe("layouts", () => {
  it("reads lm-eval-harness's generic layout by default: query, choices, gold", () => {
    const b = planned("");
    expect(b).toEqual({ name: "b", path: "b.jsonl", context: "query", choices: { kind: "list", field: "choices" }, gold: "gold", labels: null, delimiter: " ", limit: null });
    const items = parseChoiceItems(lines({ query: "2 + 2 =", choices: ["3", "4", "5"], gold: 1 }, { query: "1 + 1 =", choices: ["2", 3], gold: "0" }), b, "b.jsonl");
    expect(items).toEqual([
      { line: 1, context: "2 + 2 =", choices: ["3", "4", "5"], gold: 1 },
      { line: 2, context: "1 + 1 =", choices: ["2", "3"], gold: 0 },
    ]);
  });

  it("reads PIQA: one field per choice, an integer label", () => {
    const b = planned('context: "goal", choices: ["sol1", "sol2"], gold: "label"');
    const items = parseChoiceItems(lines({ goal: "To open a jar,", sol1: "twist the lid.", sol2: "eat the lid.", label: 0 }), b, "piqa.jsonl");
    expect(items).toEqual([{ line: 1, context: "To open a jar,", choices: ["twist the lid.", "eat the lid."], gold: 0 }]);
  });

  it("reads ARC both as Hugging Face writes it and as AI2 does (a path through a list of objects)", () => {
    const hf = planned('context: "question", choices: "choices.text", labels: "choices.label", gold: "answerKey"');
    expect(parseChoiceItems(lines({ question: "Which is a mammal?", choices: { text: ["trout", "whale", "shark"], label: ["A", "B", "C"] }, answerKey: "B" }), hf, "arc.jsonl")[0]!.gold).toBe(1);
    const ai2 = planned('context: "question.stem", choices: "question.choices.text", labels: "question.choices.label", gold: "answerKey"');
    const item = parseChoiceItems(lines({ question: { stem: "Which is a mammal?", choices: [{ text: "trout", label: "1" }, { text: "whale", label: "2" }] }, answerKey: "2" }), ai2, "arc.jsonl")[0]!;
    expect(item).toEqual({ line: 1, context: "Which is a mammal?", choices: ["trout", "whale"], gold: 1 });
  });

  it("skips blank lines, keeps line numbers, and stops at the limit", () => {
    const b = planned("limit: 2");
    const text = ["", lines({ query: "a", choices: ["x", "y"], gold: 0 }), "", lines({ query: "b", choices: ["x", "y"], gold: 1 }), lines({ query: "c", choices: ["x", "y"], gold: 1 })].join("\n");
    expect(parseChoiceItems(text, b, "b.jsonl").map((i) => i.line)).toEqual([2, 4]);
  });
});

describe("errors name the file and the line", () => {
  const b = planned("");
  const ok = { query: "q", choices: ["x", "y"], gold: 0 };
  it.each([
    ["malformed JSON", `${lines(ok)}\n{"query": "q",`, /^b\.jsonl:2: bad JSON: /],
    ["a missing field", lines(ok, { question: "q", choices: ["x", "y"], gold: 0 }), /^b\.jsonl:2: no field "query"$/],
    ["a gold index out of range", lines(ok, ok, { ...ok, gold: 2 }), /^b\.jsonl:3: the gold index 2 is out of range for 2 choices$/],
    ["a gold answer that is not an index", lines({ ...ok, gold: "B" }), /^b\.jsonl:1: the gold answer "gold" is not an index: "B"$/],
    ["no choices", lines({ ...ok, choices: [] }), /^b\.jsonl:1: no choices in "choices"$/],
    ["one choice", lines({ ...ok, choices: ["x"] }), /^b\.jsonl:1: only one choice in "choices"$/],
    ["an empty choice", lines({ ...ok, choices: ["x", ""] }), /^b\.jsonl:1: choice 2 is empty$/],
    ["choices that are not a list", lines({ ...ok, choices: "x" }), /^b\.jsonl:1: the choices "choices" are not a list/],
    ["a context that is not a string", lines({ ...ok, query: 3 }), /^b\.jsonl:1: the context "query" is not a string: 3$/],
    ["a line that is not an object", lines([1, 2]), /^b\.jsonl:1: not a JSON object$/],
    ["no item at all", "\n\n", /^b\.jsonl holds no item$/],
  ])("%s", (_, text, message) => {
    expect(failure(text, b)).toMatch(message);
  });

  it("labels: one per choice, and the gold answer among them", () => {
    const arc = planned('context: "question", choices: "choices.text", labels: "choices.label", gold: "answerKey"');
    expect(failure(lines({ question: "q", choices: { text: ["x", "y"], label: ["A"] }, answerKey: "A" }), arc)).toBe("b.jsonl:1: 1 labels for 2 choices");
    expect(failure(lines({ question: "q", choices: { text: ["x", "y"], label: ["A", "B"] }, answerKey: "C" }), arc)).toBe('b.jsonl:1: the gold answer "C" ("answerKey") is not one of the labels "A", "B"');
  });
});

describe("scoring", () => {
  it("splits each choice's tokens after the context's, with the delimiter before the choice, and normalises by characters and tokens", () => {
    const [q] = encodeQuestions([{ context: "ab", choices: ["é", "xyz"], gold: 1 }], bytesTokenizer, " ", [10]);
    expect(q!.context).toEqual([10, 97, 98]);
    expect(q!.continuations).toEqual([[32, 0xc3, 0xa9], [32, 120, 121, 122]]);
    // Characters are code points of the choice alone: "é" is one character and two bytes.
    expect(q!.chars).toEqual([1, 3]);
    // Log-likelihoods -2 and -3: acc picks the first (wrong); per character the second (-1 > -2);
    // per token (3 and 4 tokens) the first (-0.67 > -0.75).
    const s = scoreChoices([q!], [{ loglik: [-2, -3], tokens: [3, 4] }]);
    expect(s).toEqual({ accuracy: 0, acc_norm: 1, acc_tok: 0, n: 1, chance: 0.5 });
  });
});
