/** What an experiment declares, collected once so every rule can resolve names the same way. */
import type { CurriculumDecl, Name, SourceDecl } from "../ast.js";
import type { BuildContext } from "../build/context.js";
import type { PartialExperiment } from "../build/experiment.js";
import { suggestHelp } from "../diagnostics.js";

export interface Scope {
  readonly sources: ReadonlyMap<string, SourceDecl>;
  /** Curricula and controls share one namespace: the values of the `curriculum` axis. */
  readonly curricula: ReadonlySet<string>;
  readonly staged: ReadonlyMap<string, CurriculumDecl>;
  /** Every stage name of every staged curriculum. */
  readonly stages: ReadonlySet<string>;
  /** Stages that start after a stage ending on data used (in some curriculum), with that stage's name. */
  readonly startsOnData: ReadonlyMap<string, string>;
  /** Whether the data section failed to build: source references then stay quiet. */
  readonly sourcesUnknown: boolean;
}

export function collectScope(ctx: BuildContext, exp: PartialExperiment): Scope {
  const sources = new Map<string, SourceDecl>();
  for (const s of exp.data?.sources ?? []) {
    if (sources.has(s.name.text)) {
      ctx.error("CGX0302", s.name.span, `a source named \`${s.name.text}\` is already declared`, "rename one of them");
    } else sources.set(s.name.text, s);
  }
  const curricula = new Set<string>();
  const staged = new Map<string, CurriculumDecl>();
  const stages = new Set<string>();
  const startsOnData = new Map<string, string>();
  const declare = (name: Name, what: string) => {
    if (curricula.has(name.text)) {
      ctx.error("CGX0302", name.span, `a curriculum or control named \`${name.text}\` is already declared`, `rename this ${what}`);
      return false;
    }
    curricula.add(name.text);
    return true;
  };
  for (const c of exp.curricula) {
    if (!declare(c.name, "curriculum")) continue;
    if (c.body.kind === "staged") {
      staged.set(c.name.text, c);
      const seen = new Set<string>();
      let timedBy: string | undefined;
      for (const st of c.body.stages) {
        if (timedBy !== undefined && !startsOnData.has(st.name.text)) startsOnData.set(st.name.text, timedBy);
        if (st.duration?.kind === "data_used") timedBy ??= st.name.text;
        if (seen.has(st.name.text)) {
          ctx.error("CGX0302", st.name.span, `curriculum \`${c.name.text}\` already has a stage named \`${st.name.text}\``, "rename one of the stages");
        }
        seen.add(st.name.text);
        stages.add(st.name.text);
      }
    }
  }
  for (const c of exp.controls) declare(c.name, "control");
  return { sources, curricula, staged, stages, startsOnData, sourcesUnknown: exp.failed.has("data") };
}

/** Reports an unknown name unless its declaration already failed (no follow-on errors). */
export function resolveName(ctx: BuildContext, name: Name, known: Iterable<string>, what: string, quiet = false): boolean {
  const list = [...known];
  if (list.includes(name.text)) return true;
  if (quiet || ctx.brokenNames.has(name.text)) return false;
  ctx.error("CGX0301", name.span, `unknown ${what} \`${name.text}\``, suggestHelp(name.text, list, "one of"));
  return false;
}
