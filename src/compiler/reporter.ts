/**
 * How expansion reports per-cell problems: once per code and source location, so a mistake that
 * shows in a thousand cells is one diagnostic, naming the first cell that has it.
 */
import type { BuildContext } from "./build/context.js";
import type { Code } from "./codes.js";
import type { Span } from "./span.js";

export class Reporter {
  private readonly seen = new Set<string>();
  /** Without a context the reporter is silent: used for provisional passes whose results are redone. */
  constructor(private readonly ctx: BuildContext | undefined) {}
  once(code: Code, span: Span, message: string, help?: string): void {
    if (!this.ctx) return;
    const key = `${code}:${span.start}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.ctx.error(code, span, message, help);
  }
}

export const SILENT = new Reporter(undefined);
