/** Checks on `vary` (axes, values, conditions) and `analyze` (variables, groupings). */
import type { Axis, AxisValue, Condition, LogGrid, Name } from "../ast.js";
import { BUDGET_UNITS } from "../budget.js";
import type { BuildContext } from "../build/context.js";
import type { PartialExperiment } from "../build/experiment.js";
import { FIT_PREDICTORS, FIT_RESPONSES, GROUPINGS, SCHEDULES } from "../catalog.js";
import { suggestHelp } from "../diagnostics.js";
import { resolveName, type Scope } from "./scope.js";

/** Every axis of the grid, in declaration order (zipped ones included). */
export function allAxes(exp: PartialExperiment): Axis[] {
  return (exp.vary?.groups ?? []).flatMap((g) => (g.kind === "single" ? [g.axis] : g.axes));
}

export function checkVary(ctx: BuildContext, exp: PartialExperiment, scope: Scope): void {
  const axes = allAxes(exp);
  const seen = new Map<string, Axis>();
  for (const a of axes) {
    if (seen.has(a.name.text)) ctx.error("CGX0805", a.name.span, `the axis \`${a.name.text}\` is given twice`, "put all its values on one line");
    else seen.set(a.name.text, a);
    checkAxisValues(ctx, exp, a, scope);
  }
  for (const g of exp.vary?.groups ?? []) {
    if (g.kind !== "zip") continue;
    const n = g.axes[0]!.values.length;
    for (const a of g.axes.slice(1)) {
      if (a.values.length !== n) {
        ctx.error("CGX0804", a.name.span, `\`${a.name.text}\` has ${a.values.length} values but \`${g.axes[0]!.name.text}\` has ${n}`, "zipped axes advance together: give them the same number of values");
      }
    }
  }
  for (const a of axes) for (const cond of a.when) checkCondition(ctx, a, cond, seen, scope);
  checkConditionCycles(ctx, axes, seen);
}

/**
 * An axis that falls back changes the values other axes' conditions see. If conditions depend on
 * each other in a cycle, a point can have no consistent set of applying axes, or several.
 */
function checkConditionCycles(ctx: BuildContext, axes: readonly Axis[], byName: Map<string, Axis>): void {
  const deps = (a: Axis) => a.when.filter((c) => c.axis.text !== a.name.text && byName.has(c.axis.text) && c.axis.text !== "curriculum");
  const state = new Map<string, "open" | "done">();
  const path: Axis[] = [];
  const visit = (a: Axis): boolean => {
    const st = state.get(a.name.text);
    if (st === "done") return false;
    if (st === "open") {
      const cycle = [...path.slice(path.indexOf(a)), a].map((x) => `\`${x.name.text}\``);
      const chain = cycle.slice(1).reduce((text, name) => `${text}${text === cycle[0] ? " depends on " : ", which depends on "}${name}`, cycle[0]!);
      const closing = path[path.length - 1]!;
      const cond = deps(closing).find((c) => c.axis.text === a.name.text)!;
      ctx.error("CGX0802", cond.span, `the conditions of these axes form a cycle: ${chain}`, "condition at most one of these axes on the other");
      return true;
    }
    state.set(a.name.text, "open");
    path.push(a);
    for (const c of deps(a)) if (visit(byName.get(c.axis.text)!)) return true;
    path.pop();
    state.set(a.name.text, "done");
    return false;
  };
  for (const a of axes) {
    if (visit(a)) return;
  }
}

function checkAxisValues(ctx: BuildContext, exp: PartialExperiment, a: Axis, scope: Scope): void {
  const dup = new Set<string>();
  // A `log(...)` grid's values are distinct by construction.
  for (const v of a.log ? [] : a.values) {
    const key = String(v.value);
    if (dup.has(key)) ctx.error("CGX0302", v.span, `\`${key}\` is listed twice on the axis \`${a.name.text}\``, "list each value once");
    dup.add(key);
  }
  const expectNumber = (positive: boolean, integer: boolean, fraction: boolean, words: NumberWords = PLAIN_NUMBERS) => {
    for (const v of a.values) {
      if (typeof v.value !== "number") {
        ctx.error("CGX0401", v.span, `the axis \`${a.name.text}\` takes numbers, found \`${v.value}\``, words.list);
      } else if (v.percent && !fraction) {
        ctx.error("CGX0401", v.span, `the axis \`${a.name.text}\` takes plain numbers, not shares, found a percentage`, words.plain);
      } else if ((positive && v.value <= 0) || v.value < 0) {
        ctx.error("CGX0402", v.span, `\`${a.name.text}\` must be ${positive ? "above zero" : "zero or more"}`, "use a positive value");
      } else if (integer && !Number.isInteger(v.value)) {
        ctx.error("CGX0404", v.span, `\`${a.name.text}\` must be a whole number${words.whole}`, "round it");
      } else if (fraction && v.value > 1) {
        ctx.error("CGX0403", v.span, `\`${a.name.text}\` is a share of the budget and cannot exceed 100%`, "use e.g. `2%`");
      }
    }
  };
  const expectWords = (allowed: readonly string[], what: string, quiet = false) => {
    for (const v of a.values) {
      if (typeof v.value !== "string") ctx.error("CGX0401", v.span, `the axis \`${a.name.text}\` takes names, found \`${v.value}\``, suggestHelp("", allowed));
      else resolveName(ctx, { text: v.value, span: v.span }, allowed, what, quiet);
    }
  };
  switch (a.name.text) {
    case "curriculum":
      return expectWords([...scope.curricula], "curriculum or control");
    case "schedule":
      return expectWords(SCHEDULES, "schedule");
    case "grow":
    case "prune": {
      expectWords(["on", "off"], "setting");
      const section = a.name.text === "grow" ? exp.grow : exp.prune;
      if (!section && !exp.failed.has(a.name.text)) {
        ctx.error("CGX0206", a.name.span, `\`${a.name.text} [on, off]\` needs a \`${a.name.text} { ... }\` block to switch`, `add a \`${a.name.text}\` block`);
      }
      return;
    }
    case "budget":
      if (a.log) return checkBudgetGrid(ctx, exp, a, a.log);
      return expectNumber(true, exp.budget?.kind === "steps", false, budgetWords(exp));
    case "lr":
      return expectNumber(true, false, false);
    case "batch":
      return expectNumber(true, true, false);
    case "weight_decay":
    case "clip":
      return expectNumber(false, false, false);
    case "warmup":
      return expectNumber(false, false, true);
  }
}

/** How the messages of a numeric axis say what it takes: help for a name, for a percentage; words after "a whole number". */
interface NumberWords {
  readonly list: string;
  readonly plain: string;
  readonly whole: string;
}

const PLAIN_NUMBERS: NumberWords = { list: "list numbers, like `[1e-3, 3e-3]`", plain: "write a plain number here, without `%`", whole: "" };

/** The `budget` axis counts in the unit of the `budget` statement (unknown if that statement failed). */
function budgetWords(exp: PartialExperiment): NumberWords {
  if (!exp.budget) return { list: "list budgets in the unit of the `budget` statement", plain: "write a budget in the unit of the `budget` statement, without `%`", whole: "" };
  const { unit, example } = BUDGET_UNITS[exp.budget.kind];
  return {
    list: `list budgets in ${unit}, the unit of the \`budget\` statement, like \`${example}\``,
    plain: `write a number of ${unit}, as the \`budget\` statement does, without \`%\``,
    whole: exp.budget.kind === "steps" ? " of steps" : "",
  };
}

/**
 * A `budget log(...)` grid's values are positive numbers by construction (its range was checked as it
 * was read); under `budget steps` they must also be whole, which 3 significant digits are from 100 up.
 */
function checkBudgetGrid(ctx: BuildContext, exp: PartialExperiment, a: Axis, log: LogGrid): void {
  if (exp.budget?.kind !== "steps") return;
  const odd = a.values.find((v) => typeof v.value === "number" && !Number.isInteger(v.value));
  if (odd) {
    ctx.error("CGX0404", log.span, `\`budget\` must be a whole number of steps, and this grid gives ${odd.value} steps`, "start the range at 100 steps or more, where its values are whole, or list whole numbers of steps");
  }
}

function checkCondition(ctx: BuildContext, owner: Axis, cond: Condition, axes: Map<string, Axis>, scope: Scope): void {
  if (owner.name.text === "curriculum") {
    // Every other axis falls back to a value from the rest of the file; the curriculum has none.
    ctx.error("CGX0802", cond.span, "the `curriculum` axis cannot be conditional: there is no curriculum to fall back to", `condition the axis \`${cond.axis.text}\` on the curriculum instead`);
    return;
  }
  if (cond.axis.text === owner.name.text) {
    ctx.error("CGX0802", cond.axis.span, `the axis \`${owner.name.text}\` cannot depend on itself`, "condition on another axis");
    return;
  }
  const target = axes.get(cond.axis.text);
  if (!target) {
    if (cond.axis.text === "curriculum" && scope.curricula.size > 0) {
      checkValuesOn(ctx, cond, [...scope.curricula], owner);
      return;
    }
    ctx.error("CGX0802", cond.axis.span, `the condition refers to \`${cond.axis.text}\`, which is not varied`, suggestHelp(cond.axis.text, [...axes.keys()], "an axis:"));
    return;
  }
  checkValuesOn(ctx, cond, target.values.map((v) => v.value), owner);
}

function checkValuesOn(ctx: BuildContext, cond: Condition, domain: readonly AxisValue[], owner: Axis): void {
  for (const v of cond.values) {
    if (!domain.includes(v.value)) {
      const words = domain.map(String);
      ctx.error("CGX0802", v.span, `\`${cond.axis.text}\` never takes the value \`${v.value}\``, suggestHelp(String(v.value), words, "one of"));
      return;
    }
  }
  const chosen = new Set(cond.values.map((v) => v.value));
  const holds = domain.filter((d) => (cond.op === "!=" ? !chosen.has(d) : chosen.has(d)));
  if (holds.length === 0) {
    ctx.error("CGX0802", cond.span, "this condition never holds", `the axis \`${owner.name.text}\` would never vary; remove the axis or the condition`);
  } else if (holds.length === domain.length) {
    ctx.error("CGX0808", cond.span, "this condition always holds", "remove it");
  }
}

export function checkAnalyze(ctx: BuildContext, exp: PartialExperiment, scope: Scope): void {
  const analyses = exp.analyze?.analyses ?? [];
  const varied = allAxes(exp).map((a) => a.name.text);
  const groupings = [...GROUPINGS, ...varied.filter((v) => !(GROUPINGS as readonly string[]).includes(v))];
  const response = (y: Name) => {
    const [head, sub] = y.text.split(".");
    if (!(FIT_RESPONSES as readonly string[]).includes(head!)) {
      ctx.error("CGX0806", y.span, `cgx does not measure \`${y.text}\``, suggestHelp(y.text, [...FIT_RESPONSES, "loss.SOURCE"], "one of"));
      return;
    }
    if (sub !== undefined) {
      if (head !== "loss") ctx.error("CGX0806", y.span, "only loss is measured per source", "write `loss.SOURCE`");
      else resolveName(ctx, { text: sub, span: y.span }, scope.sources.keys(), "source", scope.sourcesUnknown);
    }
  };
  const predictor = (x: Name) => {
    if (!(FIT_PREDICTORS as readonly string[]).includes(x.text)) {
      ctx.error("CGX0806", x.span, `\`${x.text}\` is not a predictor`, suggestHelp(x.text, FIT_PREDICTORS, "one of"));
    }
  };
  const grouping = (b: Name) => {
    if (!groupings.includes(b.text)) ctx.error("CGX0806", b.span, `cannot group by \`${b.text}\``, suggestHelp(b.text, groupings, "one of"));
  };
  const curricula = [...scope.curricula];
  for (const a of analyses) {
    switch (a.kind) {
      case "fit":
        response(a.y);
        a.xs.forEach(predictor);
        a.by.forEach(grouping);
        break;
      case "breaks":
        response(a.y);
        predictor(a.x);
        a.by.forEach(grouping);
        break;
      case "compare":
        if (a.axis) {
          const axis = allAxes(exp).find((x) => x.name.text === a.axis!.text);
          if (!axis) {
            resolveName(ctx, a.axis, allAxes(exp).map((x) => x.name.text).filter((n) => n !== "curriculum"), "varied axis");
            break;
          }
          const values = axis.values.map((v) => String(v.value));
          for (const v of [a.subject, a.baseline]) resolveName(ctx, v, values, `value of \`${a.axis.text}\``);
          if (a.subject.text === a.baseline.text) ctx.error("CGX0802", a.baseline.span, "a value compared with itself", "compare two different values of the axis");
          break;
        }
        if (a.subject.text !== "curriculum") resolveName(ctx, a.subject, curricula, "curriculum");
        resolveName(ctx, a.baseline, curricula, "curriculum or control");
        if (a.subject.text === a.baseline.text) ctx.error("CGX0802", a.baseline.span, "a curriculum compared with itself", "compare with a control such as `shuffled`");
        break;
      case "progression":
        if (a.y.text !== "stage" && a.y.text !== "curriculum") {
          ctx.error("CGX0806", a.y.span, `a progression models \`stage\` or \`curriculum\`, not \`${a.y.text}\``, "write `progression(stage ~ params)`");
        }
        predictor(a.x);
        break;
    }
  }
}
