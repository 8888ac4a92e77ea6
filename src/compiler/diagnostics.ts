/**
 * The one place where compiler diagnostics are made. Every diagnostic carries a stable code from
 * the catalog (codes.ts), a lower-case message, the smallest span that explains it and, where a fix
 * is known, one help line.
 */
import { CODES, type Code } from "./codes.js";
import type { LineIndex, Span } from "./span.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly code: Code;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly help?: string;
}

export function diag(code: Code, span: Span, message: string, help?: string): Diagnostic {
  const severity = CODES[code].severity;
  return help === undefined ? { code, severity, message, span } : { code, severity, message, span, help };
}

/** Collects diagnostics; phases push into one sink so the final order is decided in one place. */
export class DiagnosticSink {
  private readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  error(code: Code, span: Span, message: string, help?: string): void {
    this.add(diag(code, span, message, help));
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  get count(): number {
    return this.items.length;
  }

  /** Source order; equal positions keep insertion order; exact duplicates are dropped. */
  sorted(): Diagnostic[] {
    const seen = new Set<string>();
    const unique: Diagnostic[] = [];
    for (const d of this.items) {
      const key = `${d.code}:${d.span.start}:${d.span.end}:${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      unique.push(d);
    }
    return unique
      .map((d, i) => ({ d, i }))
      .sort((a, b) => a.d.span.start - b.d.span.start || a.i - b.i)
      .map((x) => x.d);
  }
}

/** Renders diagnostics like rustc: header, location arrow, the source line, a caret, a help line. */
/** Diagnostics printed in full; the rest are counted. */
const MAX_RENDERED = 50;

/** Characters of a source line shown under a diagnostic. */
const MAX_SHOWN = 160;

export function renderDiagnostic(d: Diagnostic, file: string, index: LineIndex): string {
  const lineNo = d.span.line;
  const gutter = String(lineNo).length;
  const pad = " ".repeat(gutter);
  const fullLine = index.lineText(lineNo).replace(/\t/g, " ");
  const spanStart = d.span.col - 1;
  // The caret covers the span on its first line only; a span that runs on gets a caret to the line end.
  const spanEnd = d.span.endLine === d.span.line ? d.span.endCol - 1 : fullLine.length;
  // A very long line (generated files) is shown as a window around the span, not whole.
  const from = fullLine.length > MAX_SHOWN ? Math.max(0, Math.min(spanStart - 40, fullLine.length - MAX_SHOWN)) : 0;
  const to = Math.min(fullLine.length, from + MAX_SHOWN);
  const lineText = `${from > 0 ? "…" : ""}${fullLine.slice(from, to)}${to < fullLine.length ? "…" : ""}`;
  const caretStart = spanStart - from + (from > 0 ? 1 : 0);
  const caretLen = Math.max(1, Math.min(spanEnd, to) - spanStart);
  const lines = [
    `${d.severity}[${d.code}]: ${d.message}`,
    `${pad}--> ${file}:${lineNo}:${d.span.col}`,
    `${pad} |`,
    `${lineNo} | ${lineText}`,
    `${pad} | ${" ".repeat(caretStart)}${"^".repeat(caretLen)}`,
  ];
  if (d.help) lines.push(`${pad} = help: ${d.help}`);
  return lines.join("\n");
}

export function renderDiagnostics(ds: readonly Diagnostic[], file: string, index: LineIndex): string {
  if (ds.length === 0) return "";
  const errors = ds.filter((d) => d.severity === "error").length;
  const warnings = ds.length - errors;
  // Thousands of errors (a generated file) are as useless on a terminal as one: show the first ones.
  const shown = ds.slice(0, MAX_RENDERED);
  const body = shown.map((d) => renderDiagnostic(d, file, index)).join("\n\n") + (ds.length > shown.length ? `\n\n... and ${ds.length - shown.length} more (\`--format json\` lists all)` : "");
  const parts: string[] = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return `${body}\n\n${parts.join(", ")} in ${file}\n`;
}

/** The machine-readable form used by `--format json` and the language server. */
export function diagnosticToJson(d: Diagnostic, file: string) {
  return {
    file,
    code: d.code,
    severity: d.severity,
    message: d.message,
    help: d.help ?? null,
    start: { line: d.span.line, col: d.span.col, offset: d.span.start },
    end: { line: d.span.endLine, col: d.span.endCol, offset: d.span.end },
  };
}

/** Edit distance counting a swap of two neighbouring letters as one edit (`bacth` is one from `batch`). */
export function editDistance(a: string, b: string): number {
  // Optimal string alignment: Levenshtein plus adjacent transpositions.
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row[j] = i + j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row[j] = d;
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/**
 * The closest candidate within a distance that scales with the word, or else the one candidate the
 * word begins (`flesch` for `flesch_kincaid`), or undefined.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const limit = Math.max(1, Math.floor(word.length / 3));
  const list = [...candidates];
  for (const c of list) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestDist && dist <= limit) {
      best = c;
      bestDist = dist;
    }
  }
  if (best === undefined && word.length >= 3) {
    const prefixed = list.filter((c) => c.toLowerCase().startsWith(word.toLowerCase()));
    if (prefixed.length === 1) best = prefixed[0];
  }
  return best;
}

/** "did you mean `x`?" or a list of what is allowed. */
export function suggestHelp(word: string, candidates: readonly string[], what = "one of"): string {
  const near = closest(word, candidates);
  if (near !== undefined) return `did you mean \`${near}\`?`;
  if (candidates.length === 0) return `nothing is declared here yet`;
  const shown = candidates.slice(0, 12).map((c) => `\`${c}\``).join(", ");
  return `expected ${what} ${shown}${candidates.length > 12 ? ", ..." : ""}`;
}
