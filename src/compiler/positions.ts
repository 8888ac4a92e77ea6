/**
 * Where each mix of each curriculum and control is written, for the plan's `positions`: the runtime
 * checks mixes against the loaded data (a filter that leaves a source empty) and must say where in
 * the .cgx the offending source is, though it never sees the source text.
 */
import type { Experiment, Mixture, SourceSelection } from "./ast.js";
import type { PlanMixPosition, PlanPositions } from "../plan/types.js";

function mixPosition(curriculum: string, stage: string | null, m: Mixture): PlanMixPosition {
  const where = m.filters[0]?.span;
  return {
    curriculum,
    stage,
    sources: m.parts.map((p) => ({ source: p.source.text, line: p.source.span.line, col: p.source.span.col })),
    where: where ? { line: where.line, col: where.col } : null,
  };
}

function selected(curriculum: string, sel: SourceSelection): PlanMixPosition[] {
  return sel.kind === "mix" ? [mixPosition(curriculum, null, sel.mixture)] : [];
}

export function mixPositions(exp: Experiment): PlanPositions {
  const mixes: PlanMixPosition[] = [];
  const bodies = new Map(exp.curricula.map((c) => [c.name.text, c.body]));
  for (const c of exp.curricula) {
    const b = c.body;
    if (b.kind === "staged") for (const st of b.stages) mixes.push(mixPosition(c.name.text, st.name.text, st.mixture));
    else mixes.push(...selected(c.name.text, b.sources));
  }
  for (const ctl of exp.controls) {
    if (ctl.sources) mixes.push(...selected(ctl.name.text, ctl.sources));
    else if (ctl.like) {
      // `like` a staged curriculum draws its source totals without filters: nothing to point at. Like
      // any other kind, it takes that curriculum's mix, written there.
      const b = bodies.get(ctl.like.text);
      if (b && b.kind !== "staged") mixes.push(...selected(ctl.name.text, b.sources));
    }
  }
  return { mixes };
}
