/**
 * The analysis report of a run directory: analysis.json (fits, breaks, comparisons, per-stage,
 * progression), report.md (the tables) and report.html (one self-contained file: tables and SVG
 * plots, inline CSS, no scripts or network). Reads only the run directory.
 */
import { join } from "node:path";
import { loadRun, type RunData, writeFileAtomic } from "../rundir.js";
import { type Analysis, analysisJson, analyze, type AnalyzeOptions } from "./analyze.js";
import { reportPlots } from "./plots.js";
import { renderHtml, renderMarkdown } from "./render.js";

export { analyze, type Analysis, type AnalyzeOptions } from "./analyze.js";
export type { Fitter } from "./fitter.js";

export interface BuiltReport {
  readonly analysis: Analysis;
  readonly html: string;
  readonly markdown: string;
  readonly json: string;
}

export function buildReport(run: RunData, opts: AnalyzeOptions): BuiltReport {
  const analysis = analyze(run, opts);
  const plots = reportPlots(run, analysis);
  return { analysis, html: renderHtml(analysis, plots), markdown: renderMarkdown(analysis), json: analysisJson(analysis) };
}

export interface WrittenReport extends BuiltReport {
  readonly outDir: string;
  readonly files: readonly string[];
}

/** Analyses the run directory and writes report.html, report.md and analysis.json into `outDir` (default: the run directory), each atomically. */
export function writeReport(runDir: string, opts: AnalyzeOptions & { readonly outDir?: string }): WrittenReport {
  const run = loadRun(runDir);
  const built = buildReport(run, opts);
  const outDir = opts.outDir ?? runDir;
  const files = [
    [join(outDir, "analysis.json"), built.json],
    [join(outDir, "report.md"), built.markdown],
    [join(outDir, "report.html"), built.html],
  ] as const;
  for (const [path, text] of files) writeFileAtomic(path, text);
  return { ...built, outDir, files: files.map(([p]) => p) };
}
