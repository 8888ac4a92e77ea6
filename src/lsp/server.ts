/**
 * `cgx lsp`: the language server, over stdio. Diagnostics come from the compiler as the user types;
 * hover, completion, go-to-definition, document symbols, folding and formatting come from features.ts.
 *
 * The CLI registers it as: `cgx lsp` -> `startLanguageServer()`. The server reads no arguments;
 * some LSP clients append `--stdio`, so the `lsp` command should accept (and ignore) that flag.
 */
import type { Readable, Writable } from "node:stream";
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  DiagnosticSeverity,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from "vscode-languageserver/node.js";
import { TextDocument } from "vscode-languageserver-textdocument";
import { VERSION } from "../version.js";
import { guardFraming } from "./framing.js";
import { BackgroundChecker } from "./checker.js";
import { analyze, completion, definition, documentSymbols, foldingRanges, formatting, hover, type Analysis } from "./features.js";

export interface LanguageServerOptions {
  /** Defaults to process.stdin / process.stdout. */
  readonly input?: Readable;
  readonly output?: Writable;
  /** Milliseconds to wait after an edit before compiling (edits in between restart the wait). */
  readonly debounceMs?: number;
  /** Milliseconds a compile for diagnostics may take before it is stopped (env CGX_LSP_CHECK_MS). */
  readonly checkBudgetMs?: number;
}

/** A 30,000-line file checks in well under a second; a compile past this is stuck, or nearly. */
const DEFAULT_CHECK_BUDGET_MS = 5000;

function envBudget(): number | undefined {
  const v = Number(process.env.CGX_LSP_CHECK_MS);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The one diagnostic of a document that could not be checked, at its start. */
function notChecked(why: string): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Warning,
    source: "cgx",
    message: `cgx did not check this file: ${why}\nhelp: run \`cgx check FILE\` in a terminal for the full result`,
  };
}

/**
 * Starts the server on stdio (or the given streams) and returns its connection. The process keeps
 * running until the client sends `shutdown` and `exit`, or closes the input stream.
 */
export function startLanguageServer(options: LanguageServerOptions = {}): Connection {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const debounceMs = options.debounceMs ?? 150;
  const checkBudgetMs = options.checkBudgetMs ?? envBudget() ?? DEFAULT_CHECK_BUDGET_MS;
  if (output === process.stdout) {
    // stdout carries the protocol: anything else printed there would corrupt it.
    for (const name of ["log", "info", "debug", "warn"] as const) console[name] = (...args: unknown[]) => console.error(...args);
  }
  // Raw streams (not message readers): the connection then exits the process when its input ends,
  // which the framing guard holds back until the requests already read are answered.
  const framing = guardFraming(output);
  input.pipe(framing.input);
  const connection = createConnection(ProposedFeatures.all, framing.input, framing.output);
  const documents = new TextDocuments(TextDocument);

  // Parsed once per document version for the name-based features.
  const analyses = new Map<string, { version: number; analysis: Analysis }>();
  const analysisOf = (doc: TextDocument): Analysis => {
    const cached = analyses.get(doc.uri);
    if (cached && cached.version === doc.version) return cached.analysis;
    const analysis = analyze(doc.getText());
    analyses.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  };

  const pending = new Map<string, NodeJS.Timeout>();
  const checker = new BackgroundChecker(checkBudgetMs);
  const validate = async (doc: TextDocument) => {
    const version = doc.version;
    const out = await checker.check(doc.uri, doc.getText());
    // A newer version is on its way to the checker, or the document closed meanwhile.
    if (out.kind === "superseded" || documents.get(doc.uri)?.version !== version) return;
    const diags = out.kind === "done" ? out.diagnostics : [notChecked(out.kind === "timeout" ? `checking took longer than ${checkBudgetMs / 1000} s and was stopped` : `the checker stopped (${out.message})`)];
    void connection.sendDiagnostics({ uri: doc.uri, version, diagnostics: diags });
  };
  const schedule = (doc: TextDocument, delay: number) => {
    const old = pending.get(doc.uri);
    if (old) clearTimeout(old);
    pending.set(
      doc.uri,
      setTimeout(() => {
        pending.delete(doc.uri);
        const current = documents.get(doc.uri);
        if (current) void validate(current);
      }, delay),
    );
  };

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: [".", '"'] },
        definitionProvider: true,
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        foldingRangeProvider: true,
      },
      serverInfo: { name: "cgx", version: VERSION },
    }),
  );

  documents.onDidOpen((e) => schedule(e.document, 0));
  documents.onDidChangeContent((e) => schedule(e.document, debounceMs));
  documents.onDidClose((e) => {
    const t = pending.get(e.document.uri);
    if (t) clearTimeout(t);
    pending.delete(e.document.uri);
    analyses.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? hover(analysisOf(doc), doc.offsetAt(p.position)) : null;
  });
  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? completion(analysisOf(doc), doc.offsetAt(p.position)) : [];
  });
  connection.onDefinition((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? definition(analysisOf(doc), doc.offsetAt(p.position), doc.uri) : [];
  });
  connection.onDocumentSymbol((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? documentSymbols(analysisOf(doc)) : [];
  });
  connection.onFoldingRanges((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? foldingRanges(analysisOf(doc)) : [];
  });
  connection.onDocumentFormatting((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? formatting(doc.getText()) : [];
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
