/** Checks on curricula and controls: names, mixtures, filters, stage durations, pacing ranges. */
import type { CurriculumDecl, Level, Mixture, SourceSelection } from "../ast.js";
import type { BuildContext } from "../build/context.js";
import type { PartialExperiment } from "../build/experiment.js";
import { DIFFICULTY_METRICS, EXAMPLE_FIELDS, SYNTHETIC_TASKS } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { cover, type Span } from "../span.js";
import { checkDataUsed, checkLikeTimed } from "./data-used.js";
import { resolveName, type Scope } from "./scope.js";

const TOLERANCE = 1e-9;

export function checkCurricula(ctx: BuildContext, exp: PartialExperiment, scope: Scope): void {
  for (const c of exp.curricula) {
    checkCurriculum(ctx, c, scope);
    checkDataUsed(ctx, c, scope);
  }
  for (const ctl of exp.controls) {
    if (ctl.like && resolveName(ctx, ctl.like, [...exp.curricula.map((c) => c.name.text)], "curriculum")) checkLikeTimed(ctx, ctl, scope);
    if (ctl.sources) checkSelection(ctx, ctl.sources, scope);
  }
  const written = exp.failed.has("curriculum") || exp.failed.has("control") || ctx.brokenNames.size > 0;
  if (exp.curricula.length === 0 && exp.controls.length === 0 && exp.name && !written) {
    ctx.error("CGX0206", exp.name.span, `experiment \`${exp.name.text}\` has no curriculum or control`, "add `control shuffled` for a plain baseline, or a `curriculum NAME { ... }`");
  }
}

function checkCurriculum(ctx: BuildContext, c: CurriculumDecl, scope: Scope): void {
  const body = c.body;
  if (body.kind === "staged") {
    let total = 0;
    let overflowReported = false;
    body.stages.forEach((st, i) => {
      checkMixture(ctx, st.mixture, scope);
      const last = i === body.stages.length - 1;
      if (!st.duration) {
        if (!last) ctx.error("CGX0503", st.name.span, `stage \`${st.name.text}\` has no duration but is not the last stage`, "add `for 20%` (only the last stage may take what is left)");
        return;
      }
      if (st.duration.kind === "fraction") {
        total += st.duration.value;
        if (total > 1 + TOLERANCE && !overflowReported) {
          overflowReported = true;
          ctx.error(
            "CGX0502",
            st.duration.span,
            `stages of \`${c.name.text}\` reach ${fmtPct(total)} of the budget by the end of \`${st.name.text}\``,
            "shorten the stages so they add up to at most 100%",
          );
        }
      }
    });
    const last = body.stages[body.stages.length - 1];
    const allFractions = body.stages.every((s) => s.duration?.kind === "fraction");
    const earlierFractions = body.stages.slice(0, -1).every((s) => s.duration?.kind === "fraction");
    if (last && !last.duration && body.stages.length > 1 && earlierFractions && total >= 1 - TOLERANCE && !overflowReported) {
      ctx.error("CGX0502", last.name.span, `the stages before \`${last.name.text}\` already take the whole budget, leaving none for it`, "shorten the earlier stages so they add up to less than 100%");
    }
    if (last?.duration && allFractions && total < 1 - TOLERANCE && !ctx.incomplete.has(c)) {
      ctx.error(
        "CGX0504",
        last.duration.span,
        `the stages of \`${c.name.text}\` cover only ${fmtPct(total)} of the budget`,
        `remove \`for ...\` from stage \`${last.name.text}\` so it takes what is left`,
      );
    }
    return;
  }
  checkMetric(ctx, body.metric);
  checkSelection(ctx, body.sources, scope);
  if (body.kind === "paced") checkLevels(ctx, body.from, body.to);
}

function checkMetric(ctx: BuildContext, metric: { text: string; span: Span }): void {
  const simple = Object.keys(DIFFICULTY_METRICS).filter((m) => m !== "perplexity" && m !== "field");
  resolveName(ctx, metric, ["difficulty", ...simple], "difficulty metric");
}

function checkLevels(ctx: BuildContext, from: Level, to: Level): void {
  const rank = (l: Level): number => (l.kind === "min" ? -Infinity : l.kind === "max" ? Infinity : (l as { value: number }).value);
  const comparable = from.kind === to.kind || from.kind === "min" || from.kind === "max" || to.kind === "min" || to.kind === "max";
  if (comparable && rank(from) >= rank(to)) {
    ctx.error("CGX0506", cover(from.span, to.span), "the difficulty ceiling does not rise", "pace from a lower level to a higher one, e.g. `from 2 to max`");
  }
}

export function checkSelection(ctx: BuildContext, sel: SourceSelection, scope: Scope): void {
  if (sel.kind === "mix") checkMixture(ctx, sel.mixture, scope);
}

export function checkMixture(ctx: BuildContext, mix: Mixture, scope: Scope): void {
  const seen = new Set<string>();
  let sum = 0;
  for (const part of mix.parts) {
    resolveName(ctx, part.source, scope.sources.keys(), "source", scope.sourcesUnknown);
    if (seen.has(part.source.text)) {
      ctx.error("CGX0508", part.source.span, `source \`${part.source.text}\` appears twice in this mix`, "give each source one share");
    }
    seen.add(part.source.text);
    sum += part.weight.value;
  }
  if (Math.abs(sum - 1) > 1e-6) {
    const first = mix.parts[0]!.weight.span;
    const last = mix.parts[mix.parts.length - 1]!.weight.span;
    ctx.error("CGX0501", cover(first, last), `the shares of this mix add up to ${fmtPct(sum)}, not 100%`, sum < 1 ? `add ${fmtPct(1 - sum)} to one of the sources` : `remove ${fmtPct(sum - 1)} from the shares`);
  }
  const fields = new Set<string>(EXAMPLE_FIELDS);
  for (const part of mix.parts) {
    const src = scope.sources.get(part.source.text);
    if (src?.spec.kind === "files") for (const f of src.spec.fields) fields.add(f);
    // Generated examples carry their difficulty level and its own name (hops, steps, ...).
    // (`entities` and `max` size the world, they are no per-example field.)
    if (src?.spec.kind === "synthetic") {
      for (const f of ["level", ...Object.keys(SYNTHETIC_TASKS[src.spec.task.value]?.params ?? {})]) if (f !== "entities" && f !== "max") fields.add(f);
    }
  }
  for (const f of mix.filters) {
    if (!fields.has(f.field.text) && !scope.sourcesUnknown) {
      ctx.error("CGX0505", f.field.span, `examples have no field \`${f.field.text}\``, suggestHelp(f.field.text, [...fields], "one of"));
    }
  }
}

export function fmtPct(x: number): string {
  const v = Math.round(x * 1e6) / 1e4;
  return `${v}%`;
}
