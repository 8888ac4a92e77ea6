/**
 * The compiler's entry point: source text in, diagnostics and (when there are no errors) a plan out.
 * Pure: no files, no clock, no randomness. The same text always gives the same plan.
 */
import type { Plan } from "../plan/types.js";
import { validatePlan } from "../plan/validate.js";
import { VERSION } from "../version.js";
import type { Experiment } from "./ast.js";
import { BuildContext } from "./build/context.js";
import { buildExperiment, complete, type PartialExperiment } from "./build/experiment.js";
import { check } from "./check/index.js";
import { DiagnosticSink, type Diagnostic } from "./diagnostics.js";
import { emitPlan } from "./emit.js";
import { expand } from "./expand.js";
import { parse } from "./parser.js";
import type { LineIndex } from "./span.js";
import type { SyntaxFile } from "./syntax.js";

export interface CompileResult {
  /** Present only when there are no errors. */
  readonly plan?: Plan;
  readonly experiment?: Experiment;
  readonly partial?: PartialExperiment;
  readonly syntax: SyntaxFile;
  readonly diagnostics: readonly Diagnostic[];
  readonly index: LineIndex;
}

export interface CompileOptions {
  /** Stop after checking: no cells are expanded. */
  readonly checkOnly?: boolean;
}

export function compile(text: string, options: CompileOptions = {}): CompileResult {
  const parsed = parse(text);
  const sink = new DiagnosticSink();
  for (const d of parsed.diagnostics) sink.add(d);
  const ctx = new BuildContext(sink, parsed.syntax.errorSpans, parsed.syntax.cutShort === true);
  const partial = buildExperiment(ctx, parsed.syntax, parsed.index);
  if (partial) check(ctx, partial);
  const experiment = partial && !sink.hasErrors ? complete(partial) : undefined;
  let plan: Plan | undefined;
  if (experiment && !options.checkOnly) {
    const expansion = expand(experiment, ctx);
    if (!sink.hasErrors) {
      plan = emitPlan(experiment.name.text, text, VERSION, experiment.seeds.value, expansion);
      const v = validatePlan(plan);
      // A plan that fails its own schema is a compiler bug, not a user error.
      if (!v.ok) throw new Error(`internal error: the plan does not match its schema: ${v.errors.slice(0, 5).join("; ")}`);
    }
  } else if (experiment && options.checkOnly) {
    // Per-cell checks (events after a small cell's budget ends) need the expansion too.
    expand(experiment, ctx, { checkOnly: true });
  }
  return {
    ...(plan ? { plan } : {}),
    ...(experiment ? { experiment } : {}),
    ...(partial ? { partial } : {}),
    syntax: parsed.syntax,
    diagnostics: sink.sorted(),
    index: parsed.index,
  };
}

export { parse } from "./parser.js";
export { renderDiagnostics, diagnosticToJson } from "./diagnostics.js";
export { planJson } from "./emit.js";
