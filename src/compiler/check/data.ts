/** Checks on the data section that need every source declared: the sources `perplexity(on: ...)` names. */
import type { BuildContext } from "../build/context.js";
import type { PartialExperiment } from "../build/experiment.js";
import { resolveName, type Scope } from "./scope.js";

export function checkData(ctx: BuildContext, exp: PartialExperiment, scope: Scope): void {
  const metric = exp.data?.difficulty;
  if (metric?.kind !== "perplexity") return;
  const seen = new Set<string>();
  for (const name of metric.on) {
    resolveName(ctx, name, scope.sources.keys(), "source", scope.sourcesUnknown);
    if (seen.has(name.text)) ctx.error("CGX0302", name.span, `source \`${name.text}\` is named twice in \`on\``, "name each source once");
    seen.add(name.text);
  }
}
