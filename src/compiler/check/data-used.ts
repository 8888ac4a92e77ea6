/**
 * Checks on lengths measured in data used (`10% of easy`): the source is declared and drawn where
 * the length is measured, and nothing that needs a time before training depends on one. Such a
 * length ends only when training has drawn enough of the source, so what follows it is known only
 * then: a later stage cannot have a fixed length, and `at stage NAME` cannot name a stage after it.
 */
import type { ControlDecl, CurriculumDecl, DataUsed, SourceSelection, TimeExpr } from "../ast.js";
import type { BuildContext } from "../build/context.js";
import { fmtPct } from "./curricula.js";
import { resolveName, type Scope } from "./scope.js";

export function checkDataUsed(ctx: BuildContext, c: CurriculumDecl, scope: Scope): void {
  const body = c.body;
  if (body.kind === "paced" && body.over.kind === "data_used") checkDrawn(ctx, body.over, body.sources, scope, `the pace of \`${c.name.text}\``);
  if (body.kind !== "staged") return;
  /** The first stage that ends on data used: every stage after it starts only during training. */
  let timedBy: string | undefined;
  body.stages.forEach((st, i) => {
    const d = st.duration;
    if (d?.kind === "data_used") {
      checkDrawn(ctx, d, { kind: "mix", mixture: st.mixture }, scope, `stage \`${st.name.text}\``);
      if (i === body.stages.length - 1) {
        ctx.error("CGX0504", d.span, `the last stage of \`${c.name.text}\` ends on data used, which leaves the rest of the budget without a mixture`, `remove \`for ...\` from stage \`${st.name.text}\` so it runs to the end of training, or add a stage after it`);
      }
      timedBy ??= st.name.text;
    } else if (d && timedBy !== undefined) {
      ctx.error(
        "CGX0515",
        d.span,
        `stage \`${st.name.text}\` has a fixed length, but it starts where \`${timedBy}\` ends, which is known only during training`,
        "end it on data used too (`for 20% of SOURCE`), or make it the last stage, without `for`",
      );
    }
  });
}

/** The source of `P% of SOURCE` must be declared, and drawn by what the length times. */
function checkDrawn(ctx: BuildContext, d: DataUsed, sel: SourceSelection, scope: Scope, what: string): void {
  if (!resolveName(ctx, d.source, scope.sources.keys(), "source", scope.sourcesUnknown)) return;
  if (sel.kind === "all") return;
  if (!sel.mixture.parts.some((p) => p.source.text === d.source.text && p.weight.value > 0)) {
    ctx.error(
      "CGX0514",
      d.source.span,
      `${what} lasts until ${fmtPct(d.share)} of \`${d.source.text}\` has been used, but it draws nothing from \`${d.source.text}\``,
      `measure it by a source of its mix, or add \`${d.source.text}\` to the mix`,
    );
  }
}

/** `shuffled like NAME` needs the source totals of NAME before training. */
export function checkLikeTimed(ctx: BuildContext, ctl: ControlDecl, scope: Scope): void {
  if (!ctl.like) return;
  const target = scope.staged.get(ctl.like.text);
  if (target?.body.kind === "staged" && target.body.stages.some((st) => st.duration?.kind === "data_used")) {
    ctx.error(
      "CGX0515",
      ctl.like.span,
      `the stages of \`${ctl.like.text}\` end on data used, so their source totals are known only during training`,
      "give the control its own mixture: `control shuffled NAME { mix ... }`",
    );
  }
}

/** `stage NAME` as a point needs that stage's start before training. */
export function checkStagePointTimed(ctx: BuildContext, t: TimeExpr | undefined, scope: Scope): void {
  if (t?.kind !== "stage") return;
  const after = scope.startsOnData.get(t.stage.text);
  if (after !== undefined) {
    ctx.error(
      "CGX0515",
      t.span,
      `stage \`${t.stage.text}\` starts where \`${after}\` ends on data used, which is known only during training`,
      "give the point as a share of the budget (`30%`) or in tokens",
    );
  }
}
