#!/usr/bin/env node
// Generates grammar/cgx.tmLanguage.json, the TextMate grammar of .cgx. Edit this file, not the
// JSON, then run `node grammar/scripts/build-grammar.mjs`; test/grammar checks the two agree.
// The keyword lists follow src/compiler/catalog.ts (a test checks every BLOCK_KEYWORDS entry is
// highlighted) and docs/language.md.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const W = (words) => words.join("|");
const NAME = "[A-Za-z_][A-Za-z0-9_]*";
const START = "(?:^|(?<=[{;]))\\s*";
const NUM = "\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?";
const blockKeywords = ["experiment", "data", "curriculum", "control", "models", "train", "grow", "prune", "evaluate", "vary", "analyze", "stage"];
const statementKeywords = [
  "seeds", "budget",
  "tokenizer", "context", "source", "difficulty", "heldout", "draw",
  "pace", "order", "pacing", "sources", "mix", "reweight",
  "params", "shape", "heads", "mlp", "aspect",
  "optimizer", "schedule", "batch", "clip",
  "start", "at", "when", "new_layers", "lr",
  "magnitude", "layers",
  "loss", "tasks", "samples", "benchmark",
  "zip", "weight_decay", "warmup",
  "fit", "breaks", "compare", "progression",
];
const connectives = ["for", "like", "by", "on", "every", "vs", "where", "from", "to", "over", "using", "then", "at", "equal", "x", "keep", "and", "per", "in", "as", "target", "cell", "of"];
const modifiers = ["freeze", "train", "rewarm", "carry", "reset", "sparsity", "importance", "global", "per_layer", "ascending", "descending", "all", "min", "max", "without", "with", "replacement", "initial", "none"];
const constants = [
  "bytes", "bpe", "pretrained", "r50k_base", "p50k_base", "cl100k_base", "o200k_base",
  "adamw", "adam", "sgd", "cosine", "linear", "constant",
  "root", "exponential", "step", "competence",
  "stack", "insert", "interleave", "distil", "copy", "zero", "random", "top", "middle", "bottom", "cubic",
  "on", "off", "shuffled", "anti", "easy_first", "hard_first",
  "flesch_kincaid", "dale_chall", "length", "rarity", "compression", "perplexity",
  "heldout", "heldout_entities", "heldout_tasks", "txt", "jsonl", "document", "sentence", "line",
];
const variables = ["params", "tokens", "flops", "loss", "accuracy"];
const units = ["tok", "tokens", "token", "steps", "step"];

export function buildGrammar() {
  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "cgx",
    scopeName: "source.cgx",
    fileTypes: ["cgx"],
    patterns: [{ include: "#statements" }],
    repository: {
      statements: {
        patterns: [
          { include: "#comments" },
          { include: "#declarations" },
          { include: "#statement-keywords" },
          { include: "#block" },
          { include: "#expression" },
        ],
      },
      comments: {
        patterns: [
          {
            name: "comment.block.cgx",
            begin: "/\\*",
            end: "\\*/",
            beginCaptures: { 0: { name: "punctuation.definition.comment.begin.cgx" } },
            endCaptures: { 0: { name: "punctuation.definition.comment.end.cgx" } },
          },
          {
            name: "comment.line.double-slash.cgx",
            match: "(//).*$",
            captures: { 1: { name: "punctuation.definition.comment.cgx" } },
          },
        ],
      },
      declarations: {
        comment: "Declarations at the start of a statement: the word after the keyword is the declared name.",
        patterns: [
          {
            match: `${START}\\b(experiment)\\s+(${NAME})\\b`,
            captures: { 1: { name: "keyword.control.experiment.cgx" }, 2: { name: "entity.name.type.experiment.cgx" } },
          },
          {
            match: `${START}\\b(curriculum)\\s+(${NAME})\\b(?!\\s*:)`,
            captures: { 1: { name: "keyword.control.curriculum.cgx" }, 2: { name: "entity.name.type.curriculum.cgx" } },
          },
          {
            match: `${START}\\b(stage)\\s+(${NAME})\\b(?!\\s*:)`,
            captures: { 1: { name: "keyword.control.stage.cgx" }, 2: { name: "entity.name.type.stage.cgx" } },
          },
          {
            comment: "control KIND NAME: an explicit name after the kind",
            match: `${START}\\b(control)\\s+(${NAME})\\s+(?!(?:like|where)\\b)(${NAME})\\b`,
            captures: {
              1: { name: "keyword.control.control.cgx" },
              2: { name: "support.constant.control-kind.cgx" },
              3: { name: "entity.name.type.control.cgx" },
            },
          },
          {
            comment: "control KIND: the kind is the control's name",
            match: `${START}\\b(control)\\s+(${NAME})\\b`,
            captures: { 1: { name: "keyword.control.control.cgx" }, 2: { name: "entity.name.type.control.cgx" } },
          },
          {
            match: `${START}\\b(source)\\s+(${NAME})\\b(?!\\s*:)`,
            captures: { 1: { name: "keyword.other.source.cgx" }, 2: { name: "entity.name.variable.source.cgx" } },
          },
          {
            match: `${START}\\b(shape)\\s+(${NAME})\\b(?!\\s*:)`,
            captures: { 1: { name: "keyword.other.shape.cgx" }, 2: { name: "entity.name.type.shape.cgx" } },
          },
        ],
      },
      "statement-keywords": {
        comment: "Keywords are not reserved: a word is a keyword only where a statement starts (line start, after `{` or `;`).",
        patterns: [
          {
            match: `${START}\\b(${W(blockKeywords)})\\b(?!\\s*:)`,
            captures: { 1: { name: "keyword.control.$1.cgx" } },
          },
          {
            match: `${START}\\b(${W(statementKeywords)})\\b(?!\\s*:)`,
            captures: { 1: { name: "keyword.other.$1.cgx" } },
          },
        ],
      },
      block: {
        name: "meta.block.cgx",
        begin: "\\{",
        end: "\\}",
        beginCaptures: { 0: { name: "punctuation.section.block.begin.cgx" } },
        endCaptures: { 0: { name: "punctuation.section.block.end.cgx" } },
        patterns: [{ include: "#statements" }],
      },
      expression: {
        patterns: [
          { include: "#comments" },
          { include: "#strings" },
          { include: "#numbers" },
          { include: "#stage-reference" },
          { include: "#call" },
          { include: "#parens" },
          { include: "#list" },
          { include: "#words" },
          { include: "#operators" },
          { include: "#punctuation" },
        ],
      },
      strings: {
        name: "string.quoted.double.cgx",
        begin: '"',
        end: '"|$',
        beginCaptures: { 0: { name: "punctuation.definition.string.begin.cgx" } },
        endCaptures: { 0: { name: "punctuation.definition.string.end.cgx" } },
        patterns: [{ name: "constant.character.escape.cgx", match: "\\\\." }],
      },
      numbers: {
        patterns: [
          {
            comment: "A percentage: 30%, 12.5%",
            name: "constant.numeric.percentage.cgx",
            match: `\\b${NUM}(%)`,
            captures: { 1: { name: "keyword.other.unit.percent.cgx" } },
          },
          {
            comment: "A quantity with a unit: 2M tok, 500 steps",
            name: "constant.numeric.quantity.cgx",
            match: `\\b${NUM}(?:([kKMGBT]))?\\s+(${W(units)})\\b`,
            captures: { 1: { name: "keyword.other.unit.suffix.cgx" }, 2: { name: "keyword.other.unit.$2.cgx" } },
          },
          {
            comment: "A number with an optional magnitude suffix: 128, 3e-3, 200k, 2.5M",
            name: "constant.numeric.cgx",
            match: `\\b${NUM}(?:([kKMGBT])(?![A-Za-z0-9_]))?`,
            captures: { 1: { name: "keyword.other.unit.suffix.cgx" } },
          },
        ],
      },
      "stage-reference": {
        comment: "`stage NAME` as a point in training time: at stage middle, not_before: stage late",
        match: `\\b(stage)\\s+(${NAME})\\b`,
        captures: { 1: { name: "keyword.other.stage.cgx" }, 2: { name: "variable.other.stage.cgx" } },
      },
      call: {
        name: "meta.function-call.cgx",
        begin: `\\b(?:(builtin|files|synthetic)|(synthetic)(\\.)(${NAME})|(${NAME}))\\s*(\\()`,
        end: "\\)",
        beginCaptures: {
          1: { name: "support.function.source.cgx" },
          2: { name: "support.function.source.cgx" },
          3: { name: "punctuation.accessor.cgx" },
          4: { name: "support.function.task.cgx" },
          5: { name: "entity.name.function.cgx" },
          6: { name: "punctuation.section.arguments.begin.cgx" },
        },
        endCaptures: { 0: { name: "punctuation.section.arguments.end.cgx" } },
        patterns: [{ include: "#arguments" }],
      },
      parens: {
        name: "meta.parens.cgx",
        begin: "\\(",
        end: "\\)",
        beginCaptures: { 0: { name: "punctuation.section.parens.begin.cgx" } },
        endCaptures: { 0: { name: "punctuation.section.parens.end.cgx" } },
        patterns: [{ include: "#arguments" }],
      },
      list: {
        name: "meta.list.cgx",
        begin: "\\[",
        end: "\\]",
        beginCaptures: { 0: { name: "punctuation.section.brackets.begin.cgx" } },
        endCaptures: { 0: { name: "punctuation.section.brackets.end.cgx" } },
        patterns: [{ include: "#expression" }],
      },
      arguments: {
        patterns: [
          {
            comment: "A named argument: lr: 3e-3",
            match: `\\b(${NAME})\\s*(:)`,
            captures: { 1: { name: "variable.parameter.cgx" }, 2: { name: "punctuation.separator.key-value.cgx" } },
          },
          { include: "#expression" },
        ],
      },
      words: {
        patterns: [
          { match: `\\b(${W(connectives)})\\b`, name: "keyword.other.connective.cgx" },
          { match: `\\b(${W(modifiers)})\\b`, name: "storage.modifier.cgx" },
          { comment: "A percentile as a difficulty level: p99 (the same as 99%)", match: "\\bp(?:100|[0-9]{1,2})\\b", name: "constant.numeric.percentile.cgx" },
          { match: `\\b(${W(constants)})\\b`, name: "support.constant.cgx" },
          { comment: "Fit variables and budget units", match: `\\b(${W(variables)})\\b`, name: "variable.language.cgx" },
          {
            comment: "A dotted name: facts.qa, loss.kids",
            match: `\\b(${NAME})((?:\\.${NAME})+)`,
            captures: {
              1: { name: "variable.other.cgx" },
              2: { patterns: [{ match: "\\.", name: "punctuation.accessor.cgx" }, { match: NAME, name: "variable.other.property.cgx" }] },
            },
          },
        ],
      },
      operators: {
        patterns: [
          { match: "\\.\\.", name: "keyword.operator.range.cgx" },
          { match: "<=|>=|==|!=|<|>", name: "keyword.operator.comparison.cgx" },
          { match: "=", name: "keyword.operator.assignment.cgx" },
          { match: "~", name: "keyword.operator.formula.cgx" },
          { match: "[-+*/]", name: "keyword.operator.arithmetic.cgx" },
        ],
      },
      punctuation: {
        patterns: [
          { match: ",", name: "punctuation.separator.comma.cgx" },
          { match: ":", name: "punctuation.separator.colon.cgx" },
          { match: ";", name: "punctuation.terminator.statement.cgx" },
          { match: "\\.", name: "punctuation.accessor.cgx" },
          { match: "[)\\]}]", name: "invalid.illegal.unmatched.cgx" },
        ],
      },
    },
  };
}

export const GRAMMAR_PATH = join(dirname(fileURLToPath(import.meta.url)), "..", "cgx.tmLanguage.json");

/** The grammar file's text: what this script writes and what the test compares. */
export function grammarText() {
  return JSON.stringify(buildGrammar(), null, 2) + "\n";
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  writeFileSync(GRAMMAR_PATH, grammarText());
  console.log(`wrote ${GRAMMAR_PATH}`);
}
