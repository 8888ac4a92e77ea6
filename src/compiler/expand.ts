/**
 * Expands a checked experiment into fully resolved cells: one per model size, grid point and seed.
 * Every time expression becomes a token count on a whole step, so the runtime never converts units.
 * Problems that only show per cell (an event after a small cell's budget ends) are reported here,
 * once per source location, naming the first cell that has them.
 */
import type { AxisValue, Condition, CurriculumDecl, DataUsed, Duration, Experiment, GrowEvent, GrowOp, Level, Mixture, Reweight, SourceSelection, TimeExpr } from "./ast.js";
import type { BuildContext } from "./build/context.js";
import { cellId, sha256 } from "./emit.js";
import { budgetAxisSpans, budgetLabels, cellBudget, pointBudget, rawBudget, wholeSteps } from "./budget.js";
import { gridWithin, MAX_CELLS, type Assignment } from "./grid.js";
import { Reporter, SILENT } from "./reporter.js";
import { plannedFlopsSteps } from "../plan/flops.js";
import { planBenchmark, planData } from "./expand-data.js";
import { mixPositions } from "./positions.js";
import { logSpaced, shapeForParams, shapeOf, sizeLabel, sizeLabels } from "./shapes.js";
import type { Span } from "./span.js";
import type {
  Cell,
  ModelShape,
  PlanAnalysis,
  PlanCurriculum,
  PlanData,
  PlanDataUsed,
  PlanFilter,
  PlanGrowOp,
  PlanGrowth,
  PlanLevel,
  PlanMetric,
  PlanMixPart,
  PlanPositions,
  PlanPruneRule,
  PlanReweight,
  PlanStage,
  PlanTrain,
  Tokens,
} from "../plan/types.js";

/** `min_lr` of a decaying schedule where the file gives none (docs/language.md#train). */
export const DEFAULT_MIN_LR = 0.1;

export interface Size {
  readonly label: string;
  readonly shape: ModelShape;
}

export interface Expansion {
  readonly data: PlanData;
  readonly cells: Cell[];
  readonly analyses: PlanAnalysis[];
  readonly positions: PlanPositions;
}

/** How many sizes the models block declares, before any shape is built. */
function sizeCount(exp: Experiment): number {
  const p = exp.models.params;
  return (p ? (p.kind === "log" ? p.count.value : p.values.length) : 0) + exp.models.shapes.length;
}

/**
 * Final shapes for every size: the parameter grid (through the shape rule) and named shapes.
 * Labels are unique: targets get as many significant digits as it takes to tell them apart, and two
 * targets that resolve to the same shape are an error (the second is left out).
 */
export function resolveSizes(exp: Experiment, data: PlanData, rep: Reporter = SILENT): Size[] {
  const m = exp.models;
  const sizes: Size[] = [];
  const vocab = data.tokenizer.vocab;
  const grid = m.params;
  if (grid) {
    const targets = grid.kind === "log" ? logSpaced(grid.min.value, grid.max.value, grid.count.value) : grid.values.map((v) => v.value);
    const spanOf = (i: number) => (grid.kind === "list" ? grid.values[i]!.span : grid.span);
    const shapes: (ModelShape | undefined)[] = [];
    const byShape = new Map<string, number>();
    const dups: Array<[number, number]> = [];
    targets.forEach((t, i) => {
      const shape = shapeForParams(t, m.heads.value, m.mlp.value, m.aspect.value, vocab, data.context);
      shapes.push(shape);
      if (!shape) {
        rep.once("CGX0603", spanOf(i), `a target of ${sizeLabel(t)} parameters is too small for ${m.heads.value} heads`, "raise the smallest size or use fewer heads");
        return;
      }
      const key = `${shape.layers}x${shape.width}`;
      const first = byShape.get(key);
      // A log grid reports its first clash only (they share one span): a huge grid stays fast.
      if (first !== undefined) {
        if (grid.kind === "list" || dups.length === 0) dups.push([first, i]);
      } else byShape.set(key, i);
    });
    // Labels are needed for the sizes kept and the clashes reported, and must tell those apart.
    const kept = [...byShape.values()].sort((a, b) => a - b);
    const named = [...new Set([...kept, ...dups.flat()])];
    const labelOf = new Map<number, string>();
    sizeLabels(named.map((i) => targets[i]!)).forEach((l, k) => labelOf.set(named[k]!, l));
    for (const [first, i] of dups) {
      const shape = shapes[i]!;
      rep.once(
        "CGX0602",
        spanOf(i),
        `sizes ${labelOf.get(first)} and ${labelOf.get(i)} resolve to the same shape (${shape.layers} layers x ${shape.width})`,
        grid.kind === "log" ? "use fewer sizes, or a wider range" : "space them further apart or use fewer sizes",
      );
    }
    for (const i of kept) sizes.push({ label: `p${labelOf.get(i)}`, shape: shapes[i]! });
  }
  for (const s of m.shapes) {
    if (sizes.some((z) => z.label === s.name.text)) {
      rep.once("CGX0302", s.name.span, `the shape \`${s.name.text}\` has the same label as a size of the \`params\` grid`, "rename the shape");
      continue;
    }
    sizes.push({ label: s.name.text, shape: shapeOf(s.layers.value, s.width.value, s.heads.value, s.mlp.value, vocab, data.context) });
  }
  return sizes;
}

// ---------------------------------------------------------------- per cell

interface CellTime {
  readonly budget: number;
  readonly tps: number;
  /** Stage starts of this cell's curriculum. */
  readonly stageStarts: ReadonlyMap<string, number>;
}

function onStep(tokens: number, tps: number): number {
  return Math.round(tokens / tps) * tps;
}

/** A length in tokens before rounding to steps. */
function rawTokens(t: Duration, budget: number, tps: number): number {
  switch (t.kind) {
    case "fraction":
      return t.value * budget;
    case "tokens":
      return t.value;
    case "steps":
      return t.value * tps;
  }
}

function durationTokens(t: Duration, budget: number, tps: number): number {
  return t.kind === "steps" ? Math.round(t.value) * tps : onStep(rawTokens(t, budget, tps), tps);
}

/**
 * A staged curriculum's stages for one cell. Stage boundaries are rounded to whole steps where they
 * fall, not stage by stage: boundary k is the sum of the first k lengths (shares of the budget,
 * tokens, steps) rounded to a step, so shares that add up to 100% end exactly at the budget. A stage
 * that ends on data used ends during training; the stage after it starts `after` it.
 */
function stagedStages(c: CurriculumDecl, budget: number, tps: number): PlanStage[] | undefined {
  if (c.body.kind !== "staged") return undefined;
  const stages: PlanStage[] = [];
  let raw = 0;
  let at: PlanStage["start"] = 0 as Tokens;
  for (const st of c.body.stages) {
    let end: PlanStage["end"] = budget as Tokens;
    if (st.duration?.kind === "data_used") end = planDataUsed(st.duration);
    else if (st.duration) {
      raw = Math.min(raw + rawTokens(st.duration, budget, tps), Number.MAX_SAFE_INTEGER);
      end = Math.min(onStep(raw, tps), Number.MAX_SAFE_INTEGER) as Tokens;
    }
    const reweight = st.reweight ? planReweight(st.reweight, budget, tps) : undefined;
    stages.push({ name: st.name.text, start: at, end, mixture: mixParts(st.mixture), filters: filters(st.mixture), order: st.order.value, ...(reweight ? { reweight } : {}) });
    at = typeof end === "number" ? end : { kind: "after", stage: st.name.text };
  }
  return stages;
}

/** The interval is at least one step: weights cannot move more often than batches are drawn. */
function planReweight(r: Reweight, budget: number, tps: number): PlanReweight {
  const every = Math.max(tps, durationTokens(r.every, budget, tps)) as Tokens;
  return { rule: "loss", every, rate: r.rate.value, floor: r.floor.value, on: r.on.value, against: r.against.value, samples: r.samples.value };
}

function planDataUsed(d: DataUsed): PlanDataUsed {
  return { kind: "data_used", source: d.source.text, share: d.share };
}

/** A stage boundary as a token count; undefined where it is known only during training. */
function tokensOf(t: PlanStage["start"] | PlanStage["end"]): number | undefined {
  return typeof t === "number" ? t : undefined;
}

function mixParts(m: Mixture): PlanMixPart[] {
  return m.parts.map((p) => ({ source: p.source.text, weight: p.weight.value }));
}

function filters(m: Mixture): PlanFilter[] {
  return m.filters.map((f) => ({ field: f.field.text, op: f.op, value: f.value.value }));
}

function selection(sel: SourceSelection): { mixture: PlanMixPart[] | null; filters: PlanFilter[] } {
  return sel.kind === "all" ? { mixture: null, filters: [] } : { mixture: mixParts(sel.mixture), filters: filters(sel.mixture) };
}

/** Overall source shares of a staged curriculum over the cell's budget: what `shuffled like X` draws. */
function overallMixture(stages: readonly PlanStage[], budget: number): PlanMixPart[] {
  const totals = new Map<string, number>();
  for (const st of stages) {
    const start = tokensOf(st.start);
    const end = tokensOf(st.end);
    // Stages timed by data used have no share of the budget before training (CGX0515 is reported).
    if (start === undefined || end === undefined) continue;
    const share = (Math.min(end, budget) - Math.min(start, budget)) / budget;
    for (const p of st.mixture) totals.set(p.source, (totals.get(p.source) ?? 0) + share * p.weight);
  }
  // Thousands of stages add up rounding: a source in every stage can come to just over 1.
  return [...totals].map(([source, weight]) => ({ source, weight: Math.min(1, Math.round(weight * 1e12) / 1e12) }));
}

/** JSON with the object's keys sorted: what a cell's `axes` is hashed as. */
function sortedJson(o: Readonly<Record<string, string | number>>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]!])));
}

export interface ExpandOptions {
  /**
   * Run every per-cell check but build no cells (`cells` is then empty): `cgx check` and the editor
   * need the diagnostics, not the plan, and skip serialising and hashing each cell.
   */
  readonly checkOnly?: boolean;
}

export function expand(exp: Experiment, ctx: BuildContext, options: ExpandOptions = {}): Expansion {
  const rep = new Reporter(ctx);
  const data = planData(exp);
  // The size of the grid is known before any shape is built: a huge grid fails at once.
  const grid = gridWithin(exp, sizeCount(exp) * exp.seeds.value.length);
  const cells: Cell[] = [];
  if (grid.kind === "too_large") {
    rep.once("CGX0809", exp.vary?.span ?? exp.name.span, `this experiment expands to ${grid.cells} cells`, `narrow the grid below ${MAX_CELLS} cells`);
    return { data, cells, analyses: [], positions: mixPositions(exp) };
  }
  const points = grid.points;
  if (points.length === 0) {
    rep.once("CGX0801", exp.vary?.span ?? exp.name.span, "the grid has no cells", "check the axes and their conditions");
  }
  const sizes = resolveSizes(exp, data, rep);
  const curricula = new Map(exp.curricula.map((c) => [c.name.text, c]));
  const controls = new Map(exp.controls.map((c) => [c.name.text, c]));
  const metricOf = (name: string): PlanMetric => (name === "difficulty" ? data.difficulty : ({ kind: name } as PlanMetric));
  const dataHash = sha256(JSON.stringify(data));
  /** Training content (everything but `axes`) of the cells made so far: equal content is one cell. */
  const made = new Set<string>();
  const budgetSpans = budgetAxisSpans(exp);
  const budgetLabel = budgetLabels(exp.budget.kind, [...budgetSpans.keys()]);
  const labelValue = (axis: string, v: AxisValue) => (axis === "budget" && typeof v === "number" ? (budgetLabel.get(v) ?? String(v)) : String(v));

  for (const size of sizes) {
    for (const point of points) {
      const curName = String(point.get("curriculum"));
      const axisParts = [...point].filter(([k]) => k !== "curriculum").map(([k, v]) => `${k}=${labelValue(k, v)}`);
      /** The cell's label without the seed: what per-cell diagnostics name. */
      const where = [curName, size.label, ...axisParts].join("/");
      const train = trainFor(exp, point);
      const tps = train.batch * data.context;
      const decl = curricula.get(curName);
      const rule = pointBudget(exp.budget, point, budgetSpans);
      const growOn = exp.grow !== undefined && point.get("grow") !== "off";
      // With growth the size sets width and heads; depth comes from the start depth and the
      // operators, applied in the order the events fire. That order needs the budget, which needs the
      // depth: it is resolved with a provisional budget from the size's own (un-grown) shape.
      let model = size.shape;
      let provisional: { order: number[]; depth: number } | undefined;
      if (growOn) {
        const pb = Math.max(tps, wholeSteps(rawBudget(rule, size.shape, tps), tps));
        const ptime: CellTime = { budget: pb, tps, stageStarts: stageStartsOf(decl, pb, tps) };
        const order = growthOrder(exp, (t) => resolveTime(t, ptime, exp, SILENT, where));
        provisional = { order, depth: depthAlong(exp, size, order) };
        model = shapeOf(provisional.depth, size.shape.width, size.shape.heads, size.shape.mlp, size.shape.vocab, size.shape.context);
      }
      const budget = cellBudget(rule, model, tps, rep, where);
      if (!budget) continue;
      const pruneOn = exp.prune !== undefined && point.get("prune") !== "off";
      const B = budget.stopOn === "flops" && (growOn || (pruneOn && exp.prune!.rules.some((r) => r.kind === "layers")))
        ? flopsBudgetTokens(budget.tokens, (b) => {
            // The cell's events at a trial budget, silently: the last pass below reports.
            const t: CellTime = { budget: b, tps, stageStarts: stageStartsOf(decl, b, tps) };
            const at = (x: TimeExpr) => resolveTime(x, t, exp, SILENT, where);
            const growth = growOn ? growthFor(exp, size, at, t, SILENT, where, provisional!) : null;
            const pruning = pruneOn ? pruningFor(exp, at, t, SILENT, where) : [];
            return plannedFlopsSteps(model, budget.flops, tps, growth ? growth.start_layers : model.layers, growth, pruning) * tps;
          })
        : budget.tokens;
      const warmupAxis = point.get("warmup");
      const warmup = typeof warmupAxis === "number" ? onStep(warmupAxis * B, tps) : durationTokens(exp.train.schedule.warmup, B, tps);
      if (warmup > B) {
        rep.once("CGX0701", exp.train.schedule.warmup.span, `the warmup of ${warmup} tokens is longer than training in cell ${where} (budget ${B} tokens)`, "shorten it, or give it as a share of the budget (`2%`)");
      }
      train.schedule = { ...train.schedule, warmup: Math.min(B, warmup) as Tokens };
      let curriculum: PlanCurriculum;
      let ownStages: PlanStage[] | undefined;
      if (decl) {
        const body = decl.body;
        switch (body.kind) {
          case "staged": {
            ownStages = stagedStages(decl, B, tps)!;
            // The first stage that ends past the budget, or (the last one) starts when it is spent.
            const overAt = ownStages.findIndex((s) => (tokensOf(s.end) ?? 0) > B || (tokensOf(s.start) ?? 0) >= B);
            const over = body.stages[overAt];
            if (over?.duration) {
              rep.once("CGX0502", over.duration.span, `the stages of \`${curName}\` run past the end of training in cell ${where} (budget ${B} tokens)`, "give stage lengths as shares of the budget (`30%`), or shorten them");
            } else if (over) {
              rep.once("CGX0502", over.name.span, `the stages before \`${over.name.text}\` use the whole budget of cell ${where} (${B} tokens), leaving none for it`, "give stage lengths as shares of the budget (`30%`), or shorten them");
            }
            ownStages.forEach((st, i) => {
              const rw = body.stages[i]?.reweight;
              const start = tokensOf(st.start);
              const end = tokensOf(st.end);
              if (!rw || !st.reweight || rw.against.value !== "initial" || start === undefined || end === undefined) return;
              if (Math.min(end, B) - start <= st.reweight.every) {
                rep.once("CGX0511", rw.span, `stage \`${st.name}\` lasts ${Math.max(0, Math.min(end, B) - start)} tokens in cell ${where}, no longer than one reweighting interval (${st.reweight.every} tokens): its weights never move`, "shorten `every` (e.g. `every: 2%`), or lengthen the stage");
              }
            });
            curriculum = { name: curName, kind: "staged", stages: ownStages.map((s) => ({ ...s, end: typeof s.end === "number" ? (Math.min(s.end, B) as Tokens) : s.end })) };
            break;
          }
          case "paced": {
            const over = body.over;
            let end: Tokens | PlanDataUsed;
            if (over.kind === "data_used") end = planDataUsed(over);
            else {
              const tok = durationTokens(over, B, tps);
              if (tok > B) {
                rep.once("CGX0701", over.span, `the pace ends at token ${tok}, after training ends in cell ${where} (budget ${B} tokens)`, "give its length as a share of the budget (`30%`), or shorten it");
              }
              end = Math.max(tps, Math.min(B, tok)) as Tokens;
            }
            curriculum = {
              name: curName,
              kind: "paced",
              metric: metricOf(body.metric.text),
              from: planLevel(body.from),
              to: planLevel(body.to),
              start: 0 as Tokens,
              end,
              fn: pacingFn(body.fn),
              ...selection(body.sources),
            };
            break;
          }
          case "competence": {
            const fullAt = durationTokens(body.fullAt, B, tps);
            if (fullAt > B) {
              rep.once("CGX0701", body.fullAt.span, `full competence at token ${fullAt} comes after training ends in cell ${where} (budget ${B} tokens)`, "give `full_at` as a share of the budget (`50%`), or make it earlier");
            }
            curriculum = {
              name: curName,
              kind: "competence",
              metric: metricOf(body.metric.text),
              fn: pacingFn(body.fn),
              start_competence: body.start.value,
              full_at: Math.max(tps, Math.min(B, fullAt)) as Tokens,
              descending: body.descending,
              ...selection(body.sources),
            };
            break;
          }
          case "ordered":
            curriculum = { name: curName, kind: "ordered", metric: metricOf(body.metric.text), descending: body.descending, ...selection(body.sources) };
            break;
        }
        if (decl.reweight && curriculum.kind !== "staged") curriculum = { ...curriculum, reweight: planReweight(decl.reweight, B, tps) };
      } else {
        const ctl = controls.get(curName)!;
        let sel: { mixture: PlanMixPart[] | null; filters: PlanFilter[] } = { mixture: null, filters: [] };
        if (ctl.sources) sel = selection(ctl.sources);
        else if (ctl.like) {
          const target = curricula.get(ctl.like.text)!;
          if (target.body.kind === "staged") sel = { mixture: overallMixture(stagedStages(target, B, tps)!, B), filters: [] };
          else sel = selection(target.body.sources);
        }
        curriculum = { name: curName, kind: ctl.kind.value, metric: data.difficulty, ...sel };
      }
      if (exp.data.draw?.value === "without_replacement") curriculum = { ...curriculum, draw: "without_replacement" };
      const time: CellTime = { budget: B, tps, stageStarts: numericStarts(ownStages ?? []) };
      const at = (t: TimeExpr): number => resolveTime(t, time, exp, rep, where);
      const growth = growOn ? growthFor(exp, size, at, time, rep, where, provisional!) : null;
      const pruning = pruneOn ? pruningFor(exp, at, time, rep, where) : [];
      const evalPoints = evalPointsFor(exp, at, time, rep, where, (ownStages ?? []).flatMap((st) => tokensOf(st.end) ?? []));
      // Every check of the cell has run by now: what follows builds it.
      if (options.checkOnly) continue;
      const axes: Record<string, string | number> = {};
      for (const [k, v] of point) axes[k] = v;
      const rest = {
        size: size.label,
        model,
        budget: { tokens: B as Tokens, steps: B / tps, tokens_per_step: tps, flops: budget.flops, stop_on: budget.stopOn },
        curriculum,
        train,
        growth,
        pruning,
        eval: {
          points: evalPoints as Tokens[],
          loss_by: exp.evaluate.lossBy.map((g) => g.value),
          tasks: exp.evaluate.tasks.map((t) => ({ source: t.source.text, mode: t.mode.text, split: t.split })),
          samples: exp.evaluate.samples.value,
          ...(exp.evaluate.benchmarks.length ? { benchmarks: exp.evaluate.benchmarks.map(planBenchmark) } : {}),
        },
      };
      // Seeds share everything else, so the content is serialised once per grid point. Two grid
      // points that train the same thing (an axis set to its base value, and the same axis fallen
      // back) are one cell: the first.
      const restJson = JSON.stringify(rest);
      if (made.has(restJson)) continue;
      made.add(restJson);
      // The id hashes `axes` with sorted keys, so reordering the axes of `vary` keeps it.
      const contentJson = `{"axes":${sortedJson(axes)},${restJson.slice(1)}`;
      for (const seed of exp.seeds.value) {
        const label = [where, `s${seed}`].join("/");
        cells.push({ id: cellId(contentJson, dataHash, seed), index: cells.length, label, seed, axes, ...rest });
      }
    }
  }
  return { data, cells, analyses: analysesFor(exp, points), positions: mixPositions(exp) };
}

function planLevel(l: Level): PlanLevel {
  if (l.kind === "min" || l.kind === "max") return { kind: l.kind };
  return { kind: l.kind, value: l.value };
}

function pacingFn(fn: import("./ast.js").PacingFn): import("../plan/types.js").PlanPacingFn {
  if (fn.kind === "root") return { kind: "root", power: fn.power };
  if (fn.kind === "step") return { kind: "step", steps: fn.steps };
  return { kind: fn.kind };
}

/**
 * The tokens of a cell that stops on its FLOPs while its depth changes: the planned events give the
 * steps the ledger affords (plan/flops.ts), and those whose points are shares of the budget move
 * with it, so the budget is iterated to the count that reproduces itself. Shares alone, or token
 * points alone, settle at the first pass; a mix settles in a few. Should it cycle, the last trial
 * stands: the runtime stops on its ledger either way, and its status shows the count it expects.
 */
function flopsBudgetTokens(first: number, tokensAt: (budget: number) => number): number {
  let budget = first;
  for (let i = 0; i < 32; i++) {
    const next = tokensAt(budget);
    if (next === budget) break;
    budget = next;
  }
  return budget;
}

/** Training settings with the grid's overrides; warmup is set once the budget is known. */
function trainFor(exp: Experiment, point: Assignment): { -readonly [K in keyof PlanTrain]: PlanTrain[K] } {
  const t = exp.train;
  const num = (k: string, base: number) => (typeof point.get(k) === "number" ? (point.get(k) as number) : base);
  const batch = num("batch", t.batch.value);
  const scheduleKind = (point.get("schedule") as PlanTrain["schedule"]["kind"] | undefined) ?? t.schedule.kind;
  // A varied schedule keeps the base schedule's min_lr when that decays too; a decaying schedule
  // varied from a constant base gets the default, 10% (a constant's min_lr of 100% would not decay).
  const minLr = scheduleKind === "constant" ? 1 : t.schedule.kind === "constant" ? DEFAULT_MIN_LR : t.schedule.minLr;
  return {
    optimizer: {
      kind: t.optimizer.kind,
      lr: num("lr", t.optimizer.lr.value),
      beta1: t.optimizer.beta1,
      beta2: t.optimizer.beta2,
      eps: t.optimizer.eps,
      weight_decay: num("weight_decay", t.optimizer.weightDecay),
      momentum: t.optimizer.momentum,
    },
    schedule: { kind: scheduleKind, warmup: -1 as Tokens, min_lr: minLr },
    batch,
    clip: num("clip", t.clip.value),
  };
}

function stageStartsOf(decl: CurriculumDecl | undefined, budget: number, tps: number): Map<string, number> {
  return numericStarts(decl ? (stagedStages(decl, budget, tps) ?? []) : []);
}

/** Stage starts known before training (a stage after one that ends on data used has none). */
function numericStarts(stages: readonly PlanStage[]): Map<string, number> {
  return new Map(stages.flatMap((s) => (typeof s.start === "number" ? [[s.name, s.start] as const] : [])));
}

function resolveTime(t: TimeExpr, time: CellTime, exp: Experiment, rep: Reporter, cell: string): number {
  if (t.kind !== "stage") return durationTokens(t, time.budget, time.tps);
  const own = time.stageStarts.get(t.stage.text);
  if (own !== undefined) return own;
  // The cell's curriculum lacks this stage (a control, say): use where the stage starts in the
  // curricula that have it, so every cell changes at the same compute.
  const starts = new Set<number>();
  for (const c of exp.curricula) {
    const stages = stagedStages(c, time.budget, time.tps);
    const st = stages?.find((s) => s.name === t.stage.text);
    if (st && typeof st.start === "number") starts.add(st.start);
  }
  if (starts.size === 1) return [...starts][0]!;
  // The stage starts only during training (after one that ends on data used): CGX0515, reported by the checker.
  if (starts.size === 0) return 0;
  rep.once("CGX0704", t.span, `stage \`${t.stage.text}\` starts at different points in different curricula, and cell ${cell} has no such stage`, "give the point as a share of the budget (`30%`) or in tokens");
  return Math.min(...starts);
}

function startDepth(exp: Experiment, size: Size): number {
  const s = exp.grow!.startLayers.value;
  return s.kind === "layers" ? s.value : Math.max(1, Math.round(s.value * size.shape.layers));
}

/** Depth after one operator fires. */
function grown(depth: number, op: GrowOp): number {
  if (op.kind === "stack") return depth * op.factor.value;
  // A distillation replaces the model by its student: a depth of its own, or a multiple of the teacher's.
  if (op.kind === "distil") return op.depth.kind === "layers" ? op.depth.value : depth * op.depth.value;
  if (op.kind === "insert") return depth + op.layers.value;
  return depth + Math.floor(depth / op.every.value);
}

/** Where an event counts in time: an `at` event at its point, a plateau event at `not_before` (0 if none). */
function eventToken(ev: GrowEvent, at: (t: TimeExpr) => number): number {
  const tr = ev.trigger;
  if (tr.kind === "at") return at(tr.when);
  return tr.notBefore ? at(tr.notBefore) : 0;
}

/** The order in which the events fire: by token, ties in written order. Indexes into `grow.events`. */
function growthOrder(exp: Experiment, at: (t: TimeExpr) => number): number[] {
  const tokens = exp.grow!.events.map((ev) => eventToken(ev, at));
  return tokens.map((_, i) => i).sort((a, b) => tokens[a]! - tokens[b]! || a - b);
}

/** Depth at the end of training if every event fires in `order` (plateau events `times` times). */
function depthAlong(exp: Experiment, size: Size, order: readonly number[]): number {
  let depth = startDepth(exp, size);
  for (const i of order) {
    const ev = exp.grow!.events[i]!;
    const fires = ev.trigger.kind === "plateau" ? ev.trigger.times.value : 1;
    for (let k = 0; k < fires; k++) depth = grown(depth, ev.op);
  }
  return depth;
}

function growthFor(
  exp: Experiment,
  size: Size,
  at: (t: TimeExpr) => number,
  time: CellTime,
  rep: Reporter,
  cell: string,
  provisional: { readonly order: readonly number[]; readonly depth: number },
): PlanGrowth {
  const g = exp.grow!;
  const start = startDepth(exp, size);
  const order = growthOrder(exp, at);
  // The model was sized with the order under a provisional budget. With the cell's real budget the
  // events may fire in another order (a share of the budget against a token count); that is only a
  // problem if it changes the final depth.
  const depthNow = depthAlong(exp, size, order);
  if (depthNow !== provisional.depth) {
    const moved = order.find((e, k) => provisional.order[k] !== e)!;
    rep.once(
      "CGX0705",
      g.events[moved]!.trigger.span,
      `in cell ${cell} the growth events fire in another order than the one its model was sized with, which changes its final depth from ${provisional.depth} to ${depthNow} layers`,
      "give every growth point in the same unit: all as shares of the budget, or all in tokens or steps",
    );
  }
  let depth = start;
  const events: PlanGrowth["events"][number][] = [];
  for (const i of order) {
    const ev = g.events[i]!;
    const tr = ev.trigger;
    let trigger: PlanGrowth["events"][number]["trigger"];
    if (tr.kind === "at") {
      const token = at(tr.when);
      if (token >= time.budget) rep.once("CGX0701", tr.when.span, `growth at token ${token} comes after training ends in cell ${cell} (budget ${time.budget} tokens)`, "schedule it earlier, or as a share of the budget");
      if (token <= 0) rep.once("CGX0702", tr.when.span, `growth at the very start of training in cell ${cell}`, "start with the bigger model instead, or grow later");
      trigger = { kind: "at", token: token as Tokens };
    } else {
      const notBefore = tr.notBefore ? at(tr.notBefore) : 0;
      if (notBefore >= time.budget) rep.once("CGX0701", tr.notBefore!.span, `a plateau trigger that cannot fire before training ends in cell ${cell}`, "lower `not_before`");
      trigger = { kind: "plateau", window: Math.max(time.tps, durationTokens(tr.window, time.budget, time.tps)) as Tokens, min_drop: tr.minDrop.value, not_before: notBefore as Tokens, times: tr.times.value };
    }
    const op = ev.op;
    const fires = tr.kind === "plateau" ? tr.times.value : 1;
    for (let k = 0; k < fires; k++) depth = grown(depth, op);
    if (depth > 1024) rep.once("CGX0703", op.span, `growth would make a model of ${depth} layers in cell ${cell} (at most 1024)`, "grow by less: a smaller factor, or fewer `times`");
    events.push({ trigger, op: planGrowOp(op, time) });
  }
  checkDistilSpans(g.events, order, events, time, rep, cell);
  return {
    start_layers: start,
    // The depth the cell's model was sized with; equal to `depth` unless CGX0705 was reported.
    final_layers: provisional.depth,
    events,
    freeze: (g.freeze ? durationTokens(g.freeze, time.budget, time.tps) : 0) as Tokens,
    optimizer: g.optimizer.value,
    rewarm: (g.rewarm ? durationTokens(g.rewarm, time.budget, time.tps) : 0) as Tokens,
  };
}

function planGrowOp(op: GrowOp, time: CellTime): PlanGrowOp {
  switch (op.kind) {
    case "stack":
      return { kind: "stack", factor: op.factor.value, init: op.init };
    case "insert":
      return { kind: "insert", position: op.position, layers: op.layers.value, init: op.init };
    case "interleave":
      return { kind: "interleave", every: op.every.value, init: op.init };
    case "distil":
      return {
        kind: "distil",
        layers: op.depth.kind === "layers" ? op.depth.value : null,
        factor: op.depth.kind === "factor" ? op.depth.value : null,
        span: Math.max(time.tps, durationTokens(op.duration, time.budget, time.tps)) as Tokens,
        temperature: op.temperature.value,
        weight: op.weight.value,
      };
  }
}

/**
 * A distillation's span must end before training does (the student then trains alone), and no
 * other growth event may fire at a fixed point inside it: the teacher would be a model that no
 * longer exists. (Plateau events that come due in a span wait for its end at run time.)
 * `events` are the plan's, in firing order; `order` maps them back to the source's.
 */
function checkDistilSpans(source: readonly GrowEvent[], order: readonly number[], events: readonly PlanGrowth["events"][number][], time: CellTime, rep: Reporter, cell: string): void {
  events.forEach((ev, k) => {
    if (ev.op.kind !== "distil") return;
    const src = source[order[k]!]!;
    const start = ev.trigger.kind === "at" ? ev.trigger.token : ev.trigger.not_before;
    // An event that cannot fire before the end is reported as such (CGX0701), not again here.
    if (start >= time.budget) return;
    const end = start + ev.op.span;
    if (end >= time.budget) {
      const distil = src.op as Extract<GrowOp, { kind: "distil" }>;
      rep.once("CGX0706", distil.duration.span, `the distillation from token ${start} runs for ${ev.op.span} tokens, to token ${end}, which is not before training ends in cell ${cell} (budget ${time.budget} tokens)`, "shorten the span or distil earlier, so the student trains alone before the end");
    }
    if (ev.trigger.kind !== "at") return;
    events.forEach((other, j) => {
      if (j <= k || other.trigger.kind !== "at" || other.trigger.token >= end) return;
      rep.once("CGX0709", source[order[j]!]!.trigger.span, `this growth event fires at token ${other.trigger.token}, while the distillation that starts at token ${start} still runs (until token ${end}) in cell ${cell}`, "grow after the span ends, or shorten the span");
    });
  });
}

function pruningFor(exp: Experiment, at: (t: TimeExpr) => number, time: CellTime, rep: Reporter, cell: string): PlanPruneRule[] {
  return exp.prune!.rules.map((r): PlanPruneRule => {
    if (r.kind === "magnitude") {
      const start = at(r.from);
      const end = at(r.to);
      if (start >= time.budget) rep.once("CGX0701", r.from.span, `pruning starts after training ends in cell ${cell} (budget ${time.budget} tokens)`, "start it earlier, or as a share of the budget");
      else if (end > time.budget) rep.once("CGX0701", r.to.span, `pruning ends after training ends in cell ${cell} (budget ${time.budget} tokens)`, "end it by 100%");
      if (end <= start) rep.once("CGX0702", r.to.span, `pruning ends (token ${end}) before it starts (token ${start}) in cell ${cell}`, "the `to` point must come after the `from` point");
      return { kind: "magnitude", pattern: r.pattern.value, sparsity: r.sparsity.value, interpolation: r.interpolation, start: start as Tokens, end: end as Tokens, every: Math.max(time.tps, durationTokens(r.every, time.budget, time.tps)) as Tokens, scope: r.scope };
    }
    const token = at(r.at);
    if (token >= time.budget) rep.once("CGX0701", r.at.span, `${r.kind} pruning at token ${token} comes after training ends in cell ${cell} (budget ${time.budget} tokens)`, "schedule it earlier, or as a share of the budget");
    return { kind: r.kind, keep: r.keep.value, at: token as Tokens };
  });
}

/** More evaluations than this per cell is a mistake in the interval, not a plan. */
export const MAX_EVAL_POINTS = 10_000;

/**
 * The cell's eval points: the periodic and explicit ones of `evaluate`, every stage boundary (so
 * a stage's loss is read where it ends, not at the nearest periodic point) and the end.
 */
function evalPointsFor(exp: Experiment, at: (t: TimeExpr) => number, time: CellTime, rep: Reporter, cell: string, stageEnds: readonly number[]): number[] {
  const pts = new Set<number>();
  for (const end of stageEnds) if (end > 0 && end < time.budget) pts.add(end);
  const ev = exp.evaluate;
  if (ev.every) {
    const step = Math.max(time.tps, durationTokens(ev.every, time.budget, time.tps));
    const count = Math.ceil(time.budget / step);
    if (count > MAX_EVAL_POINTS) {
      rep.once("CGX0807", ev.every.span, `evaluating every ${step} tokens gives ${count} evaluations in cell ${cell} (at most ${MAX_EVAL_POINTS})`, "evaluate less often, e.g. `evaluate every 5%`");
    } else {
      // The end is always evaluated: a periodic point less than half an interval before it is dropped.
      for (let t = step; t < time.budget; t += step) if (2 * (time.budget - t) >= step) pts.add(t);
    }
  }
  for (const t of ev.at) {
    const tok = at(t);
    if (tok > time.budget) {
      rep.once("CGX0807", t.span, `an evaluation at token ${tok} comes after training ends in cell ${cell} (budget ${time.budget} tokens)`, "evaluate earlier, or give the point as a share of the budget");
    } else if (tok > 0) pts.add(tok);
  }
  pts.add(time.budget);
  return [...pts].sort((a, b) => a - b);
}

function analysesFor(exp: Experiment, points: Assignment[]): PlanAnalysis[] {
  const onAxis = [...new Set(points.map((p) => String(p.get("curriculum"))))];
  return (exp.analyze?.analyses ?? []).map((a): PlanAnalysis => {
    switch (a.kind) {
      case "fit":
        return { kind: "fit", law: a.law.value, y: a.y.text, xs: a.xs.map((x) => x.text), by: a.by.map((b) => b.text) };
      case "breaks":
        return { kind: "breaks", y: a.y.text, x: a.x.text, max: a.max.value, by: a.by.map((b) => b.text) };
      case "compare": {
        const subjects = !a.axis && a.subject.text === "curriculum" ? onAxis.filter((c) => c !== a.baseline.text) : [a.subject.text];
        return { kind: "compare", axis: a.axis?.text ?? "curriculum", subjects, baseline: a.baseline.text, at: a.at.value, target: a.target?.value ?? null };
      }
      case "progression":
        return { kind: "progression", y: a.y.text, x: a.x.text };
    }
  });
}

export type { Condition };
