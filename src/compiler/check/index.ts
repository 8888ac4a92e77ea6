/** Semantic checks on a built experiment. Each rule reports into the build context's sink. */
import type { BuildContext } from "../build/context.js";
import type { PartialExperiment } from "../build/experiment.js";
import { checkCurricula } from "./curricula.js";
import { checkData } from "./data.js";
import { checkAnalyze, checkVary } from "./grid.js";
import { checkEvaluate, checkGrowPrune, checkModels } from "./schedule.js";
import { collectScope } from "./scope.js";

export function check(ctx: BuildContext, exp: PartialExperiment): void {
  requireSections(ctx, exp);
  const scope = collectScope(ctx, exp);
  checkData(ctx, exp, scope);
  checkCurricula(ctx, exp, scope);
  checkModels(ctx, exp);
  checkGrowPrune(ctx, exp, scope);
  checkEvaluate(ctx, exp, scope);
  checkVary(ctx, exp, scope);
  checkAnalyze(ctx, exp, scope);
}

function requireSections(ctx: BuildContext, exp: PartialExperiment): void {
  const where = exp.name?.span;
  if (!where) return;
  const need: Array<[keyof PartialExperiment, string]> = [
    ["data", '`data { context 128; source kids = builtin("gutenberg.children") }`'],
    ["models", "`models { params log(200k..2M, 3) }`"],
    ["budget", "`budget tokens 20 x params`"],
  ];
  for (const [key, example] of need) {
    if (exp[key] === undefined && !exp.failed.has(key)) {
      ctx.error("CGX0206", where, `experiment \`${exp.name!.text}\` has no \`${key}\``, `add ${example}`);
    }
  }
}
