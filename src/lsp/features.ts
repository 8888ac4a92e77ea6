/**
 * The language features on plain text and offsets, independent of the connection: diagnostics,
 * hover, completion, go-to-definition, document symbols and formatting. server.ts wires them to
 * LSP requests. Compiler spans are 1-based lines and columns in UTF-16 code units; LSP positions
 * are 0-based in the same units, so a span maps by subtracting one from each.
 */
import {
  CompletionItemKind,
  DiagnosticSeverity,
  FoldingRangeKind,
  InsertTextFormat,
  MarkupKind,
  SymbolKind,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  type Location,
  type Range,
  type TextEdit,
} from "vscode-languageserver/node.js";
import {
  BLOCK_KEYWORDS,
  BUILTIN_CORPORA,
  DIFFICULTY_METRICS,
  OPTIMIZERS,
  PRETRAINED_TOKENIZERS,
  SCHEDULES,
  SYNTHETIC_TASKS,
} from "../compiler/catalog.js";
import { compile } from "../compiler/index.js";
import { format } from "../compiler/format.js";
import { parse } from "../compiler/parser.js";
import { LineIndex, type Span } from "../compiler/span.js";
import type { Statement, SyntaxFile } from "../compiler/syntax.js";
import { corpusMarkdown, keywordDoc, keywordMarkdown, taskMarkdown, termMarkdown } from "./docs.js";
import { blockKind, scanTo } from "./scan.js";
import { declarations, itemAt, type Declaration, type DeclKind, type Hit } from "./symbols.js";

/** A compiler span as an LSP range. */
export function spanToRange(span: Span): Range {
  return {
    start: { line: span.line - 1, character: span.col - 1 },
    end: { line: span.endLine - 1, character: span.endCol - 1 },
  };
}

function offsetsToRange(index: LineIndex, start: number, end: number): Range {
  return spanToRange(index.span(start, end));
}

// ---------------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------------

/** The compiler's diagnostics as LSP diagnostics: code, severity, and the help line after the message. */
export function diagnostics(text: string): Diagnostic[] {
  let result: ReturnType<typeof compile>;
  try {
    // checkOnly: every check, including the per-cell ones, without building the plan.
    result = compile(text, { checkOnly: true });
  } catch (e) {
    return [
      {
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        severity: DiagnosticSeverity.Error,
        source: "cgx",
        message: `internal compiler error: ${e instanceof Error ? e.message : String(e)}`,
      },
    ];
  }
  return result.diagnostics.map((d) => ({
    range: spanToRange(d.span),
    severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: "cgx",
    message: d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`,
    ...(d.help === undefined ? {} : { data: { help: d.help } }),
  }));
}

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

const KIND_ORDER: readonly (readonly DeclKind[])[] = [["source"], ["curriculum", "control"], ["stage"], ["shape"], ["experiment"]];

/** The declarations a word refers to (or is). */
function resolve(hit: Hit, decls: readonly Declaration[]): Declaration[] {
  if (hit.item.kind !== "word" || !hit.part || hit.isHead || hit.isArgName) return [];
  const self = decls.filter((d) => d.nameSpan.start === hit.part!.start && d.nameSpan.end === hit.part!.end);
  if (self.length > 0) return self;
  // Only the first part of a dotted word can be a name: `facts` in `facts.qa`, not `facts` in `synthetic.facts`.
  if (hit.part.index > 0) return [];
  const name = hit.part.text;
  const previous = hit.previous;
  if (previous?.kind === "word" && previous.text === "stage") return decls.filter((d) => d.kind === "stage" && d.name === name);
  for (const kinds of KIND_ORDER) {
    const found = decls.filter((d) => kinds.includes(d.kind) && d.name === name);
    if (found.length > 0) return found;
  }
  return [];
}

function describe(d: Declaration, index: LineIndex): string {
  const what = d.kind === "stage" && d.container ? `**stage** \`${d.name}\` of curriculum \`${d.container}\`` : `**${d.kind}** \`${d.name}\``;
  const lines = [what, "", "```cgx", d.summary, "```", "", `Declared on line ${index.position(d.nameSpan.start).line}.`];
  if (d.kind === "source" && d.sourceCall === "builtin" && d.sourceArg !== undefined) {
    const corpus = corpusMarkdown(d.sourceArg);
    if (corpus) lines.push("", corpus);
  }
  if (d.kind === "source" && d.sourceCall?.startsWith("synthetic.")) {
    const task = taskMarkdown(d.sourceCall.slice("synthetic.".length));
    if (task) lines.push("", task);
  }
  return lines.join("\n");
}

export interface Analysis {
  readonly text: string;
  readonly syntax: SyntaxFile;
  readonly index: LineIndex;
  readonly decls: readonly Declaration[];
}

/** Parses once for the name-based features (no semantic checks: they are not needed for names). */
export function analyze(text: string): Analysis {
  const { syntax, index } = parse(text);
  return { text, syntax, index, decls: declarations(syntax) };
}

// ---------------------------------------------------------------------------------------------
// Hover
// ---------------------------------------------------------------------------------------------

function blockOf(blocks: readonly string[]): string {
  const inner = blocks[blocks.length - 1];
  if (inner === undefined) return "file";
  return inner === "zip" ? "vary" : inner;
}

export function hover(a: Analysis, offset: number): Hover | null {
  const hit = itemAt(a.syntax, a.text, offset);
  if (!hit) return null;
  const markdown = (value: string, start: number, end: number): Hover => ({
    contents: { kind: MarkupKind.Markdown, value },
    range: offsetsToRange(a.index, start, end),
  });
  if (hit.item.kind === "string") {
    const doc = hit.callee === "builtin" ? corpusMarkdown(hit.item.value) : undefined;
    return doc ? markdown(doc, hit.item.span.start, hit.item.span.end) : null;
  }
  const part = hit.part!;
  if (hit.isHead) {
    const doc = keywordDoc(blockOf(hit.blocks), hit.item.text);
    return doc ? markdown(`**${hit.item.text}**\n\n${keywordMarkdown(doc)}`, part.start, part.end) : null;
  }
  if (hit.isArgName) {
    const task = hit.callee?.startsWith("synthetic.") ? SYNTHETIC_TASKS[hit.callee.slice("synthetic.".length)] : undefined;
    const param = task?.params[part.text];
    return param ? markdown(`**${part.text}**: ${param.description}, ${param.min} to ${param.max}`, part.start, part.end) : null;
  }
  const decls = resolve(hit, a.decls);
  if (decls.length > 0) return markdown(decls.map((d) => describe(d, a.index)).join("\n\n---\n\n"), part.start, part.end);
  const parent = part.index > 0 ? hit.item.parts[part.index - 1] : undefined;
  const term = termMarkdown(part.text, parent);
  return term ? markdown(term, part.start, part.end) : null;
}

// ---------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------

export function definition(a: Analysis, offset: number, uri: string): Location[] {
  const hit = itemAt(a.syntax, a.text, offset);
  if (!hit) return [];
  return resolve(hit, a.decls).map((d) => ({ uri, range: spanToRange(d.nameSpan) }));
}

// ---------------------------------------------------------------------------------------------
// Completion
// ---------------------------------------------------------------------------------------------

/** Argument names of the calls whose arguments are named, for completion after `(` or `,`. */
const CALL_ARGS: Readonly<Record<string, readonly string[]>> = {
  adamw: ["lr", "betas", "eps", "weight_decay"],
  adam: ["lr", "betas", "eps", "weight_decay"],
  sgd: ["lr", "momentum", "weight_decay"],
  cosine: ["warmup", "min_lr"],
  linear: ["warmup", "min_lr"],
  constant: ["warmup"],
  stack: ["factor", "init"],
  insert: ["layers", "init"],
  interleave: ["every", "init"],
  distil: ["layers", "factor", "span", "temperature", "weight"],
  plateau: ["window", "min_drop", "not_before", "times"],
  pacing: ["start", "full_at"],
  files: ["text", "fields", "unit"],
  bpe: ["vocab"],
  perplexity: ["ref", "tokens", "on", "seed"],
  breaks: ["max"],
};
const SHAPE_ARGS = ["layers", "width", "heads", "mlp"];

function names(decls: readonly Declaration[], kinds: readonly DeclKind[]): CompletionItem[] {
  const seen = new Set<string>();
  const out: CompletionItem[] = [];
  for (const d of decls) {
    if (!kinds.includes(d.kind) || seen.has(d.name)) continue;
    seen.add(d.name);
    out.push({
      label: d.name,
      kind: d.kind === "source" ? CompletionItemKind.Variable : d.kind === "stage" ? CompletionItemKind.EnumMember : CompletionItemKind.Class,
      detail: d.kind === "stage" && d.container ? `stage of ${d.container}` : d.kind,
      documentation: { kind: MarkupKind.Markdown, value: "```cgx\n" + d.summary + "\n```" },
    });
  }
  return out;
}

function words(list: readonly string[], kind: CompletionItemKind, detail?: string, docs?: Readonly<Record<string, string>>): CompletionItem[] {
  return list.map((label) => ({
    label,
    kind,
    ...(detail ? { detail } : {}),
    ...(docs?.[label] ? { documentation: docs[label] } : {}),
  }));
}

const BLOCK_OPENERS = new Set(["data", "models", "train", "grow", "prune", "vary", "analyze", "zip"]);

function keywordItems(block: string): CompletionItem[] {
  const list = (BLOCK_KEYWORDS as Record<string, readonly string[]>)[block];
  if (!list) return [];
  return list.map((kw, i) => {
    const doc = keywordDoc(block, kw);
    const item: CompletionItem = {
      label: kw,
      kind: CompletionItemKind.Keyword,
      sortText: String(i).padStart(3, "0"),
      ...(doc ? { detail: doc.forms[0], documentation: { kind: MarkupKind.Markdown, value: keywordMarkdown(doc) } } : {}),
    };
    if (BLOCK_OPENERS.has(kw) && (block !== "vary" || kw === "zip")) {
      item.insertText = `${kw} {\n\t$0\n}`;
      item.insertTextFormat = InsertTextFormat.Snippet;
    } else if (kw === "experiment") {
      item.insertText = "experiment ${1:name} {\n\t$0\n}";
      item.insertTextFormat = InsertTextFormat.Snippet;
    }
    return item;
  });
}

export function completion(a: Analysis, offset: number): CompletionItem[] {
  const { text, decls } = a;
  const ctx = scanTo(text, offset);
  if (ctx.inComment) return [];
  const block = blockKind(ctx.blocks);
  const tokens = ctx.tokens;
  const head = tokens[0]?.kind === "word" ? tokens[0].text : undefined;
  const last = tokens[tokens.length - 1];
  const callee = ctx.groups[ctx.groups.length - 1];

  // Inside a string: corpus and tokenizer names, replacing what is typed between the quotes.
  if (ctx.stringStart !== undefined) {
    const range = offsetsToRange(a.index, ctx.stringStart, offset);
    const inString = (list: readonly string[], detail: string, docs?: Readonly<Record<string, string>>): CompletionItem[] =>
      list.map((label) => ({ label, kind: CompletionItemKind.Value, detail, textEdit: { range, newText: label }, ...(docs?.[label] ? { documentation: docs[label] } : {}) }));
    if (callee === "builtin") return inString(Object.keys(BUILTIN_CORPORA), "builtin corpus", BUILTIN_CORPORA);
    if (callee === "pretrained") return inString(PRETRAINED_TOKENIZERS, "pretrained tokenizer");
    return [];
  }

  // After a dot: `synthetic.TASK`, or `SOURCE.MODE` for a synthetic source.
  const dotted = /([A-Za-z_][A-Za-z0-9_]*)\.$/.exec(text.slice(0, ctx.wordStart));
  if (dotted) {
    const before = dotted[1]!;
    if (before === "synthetic") {
      return Object.entries(SYNTHETIC_TASKS).map(([label, info]) => ({
        label,
        kind: CompletionItemKind.Function,
        detail: info.description,
        documentation: { kind: MarkupKind.Markdown, value: taskMarkdown(label) ?? "" },
      }));
    }
    const source = decls.find((d) => d.kind === "source" && d.name === before);
    const task = source?.sourceCall?.startsWith("synthetic.") ? SYNTHETIC_TASKS[source.sourceCall.slice("synthetic.".length)] : undefined;
    return task ? words(task.modes, CompletionItemKind.EnumMember, "evaluation mode") : [];
  }

  // Argument names right after `(` or `,` of a known call.
  if (callee && callee !== "(" && callee !== "[" && last?.kind === "punct" && (last.text === "(" || last.text === ",")) {
    const task = callee.startsWith("synthetic.") ? SYNTHETIC_TASKS[callee.slice("synthetic.".length)] : undefined;
    const args = task ? Object.keys(task.params) : head === "shape" && block === "models" ? SHAPE_ARGS : CALL_ARGS[callee];
    if (args) {
      return args.map((label) => ({
        label,
        kind: CompletionItemKind.Property,
        insertText: `${label}: `,
        ...(task?.params[label] ? { detail: task.params[label]!.description } : {}),
      }));
    }
  }

  // At the start of a statement: the keywords of the block.
  if (tokens.length === 0) return keywordItems(block);

  const previous = last?.kind === "word" ? last.text : undefined;
  if (previous === "stage") return names(decls, ["stage"]);
  if (previous === "like" || previous === "vs" || (head === "compare" && tokens.length === 1)) return names(decls, ["curriculum", "control"]);
  if (block === "experiment" && head === "control" && tokens.length === 1) return words(["shuffled", "anti"], CompletionItemKind.EnumMember, "control kind");
  if (block === "data" && head === "difficulty") return words(Object.keys(DIFFICULTY_METRICS), CompletionItemKind.EnumMember, "difficulty metric", DIFFICULTY_METRICS);
  if (block === "data" && head === "tokenizer") return words(["bytes", "bpe", "pretrained"], CompletionItemKind.Function, "tokenizer");
  if (block === "data" && head === "source" && last?.kind === "punct" && last.text === "=") {
    return words(["builtin", "files", "synthetic"], CompletionItemKind.Function, "source");
  }
  if (block === "train" && head === "optimizer") return words(OPTIMIZERS, CompletionItemKind.Function, "optimizer");
  if (block === "grow" && head === "optimizer") return words(["carry", "reset"], CompletionItemKind.EnumMember);
  if ((block === "train" || block === "vary") && head === "schedule") return words(SCHEDULES, CompletionItemKind.Function, "schedule");
  if (block === "vary" && (head === "grow" || head === "prune")) return words(["on", "off"], CompletionItemKind.EnumMember);
  if (block === "vary" && head === "curriculum") return names(decls, ["curriculum", "control"]);
  // The budget axis alone also takes a log-spaced grid: `budget log(1e12..1e14, 5)`.
  if (block === "vary" && head === "budget" && tokens.length === 1) return words(["log"], CompletionItemKind.Function, "log-spaced budgets: log(MIN..MAX, COUNT)");
  if (head === "mix") return names(decls, ["source"]);
  if (head === "sources") return [...names(decls, ["source"]), ...words(["all"], CompletionItemKind.Keyword)];
  if (block === "evaluate" && head === "tasks") {
    const out: CompletionItem[] = [];
    for (const d of decls) {
      const task = d.kind === "source" && d.sourceCall?.startsWith("synthetic.") ? SYNTHETIC_TASKS[d.sourceCall.slice("synthetic.".length)] : undefined;
      for (const mode of task?.modes ?? []) out.push({ label: `${d.name}.${mode}`, kind: CompletionItemKind.EnumMember, detail: `${d.sourceCall} in mode ${mode}` });
    }
    return out;
  }
  return names(decls, ["source", "curriculum", "control", "stage"]);
}

// ---------------------------------------------------------------------------------------------
// Document symbols
// ---------------------------------------------------------------------------------------------

const SYMBOL_KINDS: Record<DeclKind, SymbolKind> = {
  experiment: SymbolKind.Module,
  source: SymbolKind.Variable,
  curriculum: SymbolKind.Class,
  control: SymbolKind.Class,
  stage: SymbolKind.EnumMember,
  shape: SymbolKind.Struct,
};

export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const symbol = (d: Declaration): DocumentSymbol => ({
    name: d.name,
    detail: d.kind,
    kind: SYMBOL_KINDS[d.kind],
    range: spanToRange(d.span),
    selectionRange: spanToRange(d.nameSpan),
  });
  const top: DocumentSymbol[] = [];
  let experiment: DocumentSymbol | undefined;
  const curricula = new Map<string, DocumentSymbol>();
  for (const d of a.decls) {
    const s = symbol(d);
    if (d.kind === "experiment") {
      experiment = { ...s, children: [] };
      top.push(experiment);
    } else if (d.kind === "stage" && d.container && curricula.has(d.container)) {
      curricula.get(d.container)!.children!.push(s);
    } else {
      if (d.kind === "curriculum") {
        s.children = [];
        curricula.set(d.name, s);
      }
      (experiment?.children ?? top).push(s);
    }
  }
  return top;
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/** One edit replacing the whole document with `cgx fmt`'s output; none if it is already formatted or does not parse. */
export function formatting(text: string): TextEdit[] {
  const r = format(text);
  if (!r.ok || r.text === text) return [];
  const index = new LineIndex(text);
  return [{ range: offsetsToRange(index, 0, text.length), newText: r.text }];
}

// ---------------------------------------------------------------------------------------------
// Folding
// ---------------------------------------------------------------------------------------------

/** Blocks that span lines fold from their `{` line to the line before `}`; so do block comments. */
export function foldingRanges(a: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const visit = (statements: readonly Statement[]) => {
    for (const s of statements) {
      if (!s.block) continue;
      const start = s.block.span.line - 1;
      const end = s.block.span.endLine - 2;
      if (end > start) out.push({ startLine: start, endLine: end });
      visit(s.block.statements);
    }
  };
  visit(a.syntax.statements);
  for (const c of a.syntax.comments) {
    if (c.span.endLine > c.span.line) out.push({ startLine: c.span.line - 1, endLine: c.span.endLine - 1, kind: FoldingRangeKind.Comment });
  }
  return out.sort((x, y) => x.startLine - y.startLine);
}
