/** Checks on models, growth, pruning and evaluation that need no per-cell numbers. */
import type { TimeExpr } from "../ast.js";
import type { BuildContext } from "../build/context.js";
import type { PartialExperiment } from "../build/experiment.js";
import { SYNTHETIC_TASKS } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { cover } from "../span.js";
import { checkStagePointTimed } from "./data-used.js";
import { resolveName, type Scope } from "./scope.js";

export function checkModels(ctx: BuildContext, exp: PartialExperiment): void {
  const models = exp.models;
  if (!models) return;
  const seen = new Set<string>();
  for (const s of models.shapes) {
    if (seen.has(s.name.text)) ctx.error("CGX0302", s.name.span, `a shape named \`${s.name.text}\` is already declared`, "rename one of them");
    seen.add(s.name.text);
    if (s.width.value % s.heads.value !== 0) {
      ctx.error("CGX0601", s.heads.span, `${s.heads.value} heads do not divide the width ${s.width.value}`, divisorsHelp(s.width.value));
    }
  }
}

function divisorsHelp(width: number): string {
  const ds: number[] = [];
  for (let h = 1; h <= Math.min(width, 64); h++) if (width % h === 0) ds.push(h);
  return `a width of ${width} can have ${ds.join(", ")} heads`;
}

/** Points given as a share of the budget can be checked against its end without knowing the cells. */
function checkBeforeEnd(ctx: BuildContext, t: TimeExpr, what: string): void {
  if (t.kind === "fraction" && t.value >= 1) {
    ctx.error("CGX0701", t.span, `${what} at ${Math.round(t.value * 1000) / 10}% would happen when training has ended`, "schedule it before 100%");
  }
}

function checkStageRef(ctx: BuildContext, t: TimeExpr | undefined, scope: Scope): void {
  if (t?.kind === "stage" && resolveName(ctx, t.stage, scope.stages, "stage")) checkStagePointTimed(ctx, t, scope);
}

export function checkGrowPrune(ctx: BuildContext, exp: PartialExperiment, scope: Scope): void {
  for (const ev of exp.grow?.events ?? []) {
    const tr = ev.trigger;
    if (tr.kind === "at") {
      checkStageRef(ctx, tr.when, scope);
      checkBeforeEnd(ctx, tr.when, "growth");
    } else {
      checkStageRef(ctx, tr.notBefore, scope);
      if (tr.notBefore) checkBeforeEnd(ctx, tr.notBefore, "growth");
    }
  }
  for (const rule of exp.prune?.rules ?? []) {
    if (rule.kind === "magnitude") {
      checkStageRef(ctx, rule.from, scope);
      checkStageRef(ctx, rule.to, scope);
      checkBeforeEnd(ctx, rule.from, "pruning");
      if (rule.to.kind === "fraction" && rule.to.value > 1) checkBeforeEnd(ctx, rule.to, "pruning");
      if (rule.from.kind === rule.to.kind && rule.from.kind !== "stage" && rule.to.kind !== "stage" && rule.from.value >= rule.to.value) {
        ctx.error("CGX0702", cover(rule.from.span, rule.to.span), "pruning ends before it starts", "the `from` point must come before the `to` point");
      }
    } else {
      checkStageRef(ctx, rule.at, scope);
      checkBeforeEnd(ctx, rule.at, `${rule.kind} pruning`);
    }
  }
}

export function checkEvaluate(ctx: BuildContext, exp: PartialExperiment, scope: Scope): void {
  const ev = exp.evaluate;
  if (!ev) return;
  if (ev.every && ev.every.kind === "fraction" && ev.every.value > 1) {
    ctx.error("CGX0807", ev.every.span, "the evaluation interval is longer than the budget", "use at most 100%");
  }
  for (const t of ev.at) {
    checkStageRef(ctx, t, scope);
    if (t.kind === "fraction" && t.value > 1) ctx.error("CGX0807", t.span, "an evaluation point after the end of training", "use at most 100%");
  }
  for (const task of ev.tasks) {
    if (!resolveName(ctx, task.source, scope.sources.keys(), "source", scope.sourcesUnknown)) continue;
    const src = scope.sources.get(task.source.text)!;
    if (src.spec.kind !== "synthetic") {
      ctx.error("CGX0301", task.source.span, `source \`${task.source.text}\` has no tasks: only synthetic sources do`, "declare a source like `synthetic.facts(hops: 1..3)`");
      continue;
    }
    const info = SYNTHETIC_TASKS[src.spec.task.value]!;
    if (!info.modes.includes(task.mode.text)) {
      ctx.error("CGX0301", task.mode.span, `\`${src.spec.task.value}\` has no evaluation mode \`${task.mode.text}\``, suggestHelp(task.mode.text, info.modes, "one of"));
    }
  }
}
