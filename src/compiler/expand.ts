/**
 * Expands a checked experiment into fully resolved cells: one per model size, grid point and seed.
 * Every time expression becomes a token count on a whole step, so the runtime never converts units.
 * Problems that only show per cell (an event after a small cell's budget ends) are reported here,
 * once per source location, naming the first cell that has them.
 */
import type { AxisValue, Condition, CurriculumDecl, DifficultyMetric, Experiment, Level, Mixture, SourceSelection, TimeExpr } from "./ast.js";
import type { AxisName } from "./catalog.js";
import type { BuildContext } from "./build/context.js";
import type { Code } from "./codes.js";
import { cellId } from "./emit.js";
import { logSpaced, PRETRAINED_VOCAB, shapeForParams, shapeOf, sizeLabel } from "./shapes.js";
import type { Span } from "./span.js";
import type {
  Cell,
  ModelShape,
  PlanAnalysis,
  PlanCurriculum,
  PlanData,
  PlanFilter,
  PlanGrowth,
  PlanLevel,
  PlanMetric,
  PlanMixPart,
  PlanPruneRule,
  PlanStage,
  PlanTrain,
  Tokens,
} from "../plan/types.js";

export const MAX_CELLS = 1_000_000;

export interface Size {
  readonly label: string;
  readonly shape: ModelShape;
}

export type Assignment = ReadonlyMap<AxisName | string, AxisValue>;

export interface Expansion {
  readonly data: PlanData;
  readonly cells: Cell[];
  readonly analyses: PlanAnalysis[];
}

class Reporter {
  private readonly seen = new Set<string>();
  constructor(private readonly ctx: BuildContext) {}
  once(code: Code, span: Span, message: string, help?: string): void {
    const key = `${code}:${span.start}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.ctx.error(code, span, message, help);
  }
}

export function planMetric(m: DifficultyMetric): PlanMetric {
  switch (m.kind) {
    case "perplexity":
      return { kind: "perplexity", ref_params: m.refParams, ref_tokens: m.refTokens };
    case "field":
      return { kind: "field", field: m.field.value };
    default:
      return { kind: m.kind };
  }
}

function planData(exp: Experiment): PlanData {
  const d = exp.data;
  const tokenizer =
    d.tokenizer.kind === "bytes"
      ? { kind: "bytes" as const, vocab: 256 }
      : d.tokenizer.kind === "bpe"
        ? { kind: "bpe" as const, vocab: d.tokenizer.vocab }
        : { kind: "pretrained" as const, name: d.tokenizer.name, vocab: PRETRAINED_VOCAB[d.tokenizer.name]! };
  const sources = d.sources.map((s) => {
    const spec = s.spec;
    switch (spec.kind) {
      case "builtin":
        return { name: s.name.text, kind: "builtin" as const, corpus: spec.corpus.value };
      case "files":
        return { name: s.name.text, kind: "files" as const, glob: spec.glob.value, format: spec.format, text_field: spec.textField ?? null, fields: [...spec.fields], unit: spec.unit };
      case "synthetic": {
        const params: Record<string, number | { min: number; max: number }> = {};
        for (const p of [...spec.params].sort((a, b) => a.name.text.localeCompare(b.name.text))) {
          params[p.name.text] = typeof p.value === "string" ? Number(p.value) : p.value;
        }
        return { name: s.name.text, kind: "synthetic" as const, task: spec.task.value, params };
      }
    }
  });
  return { tokenizer, context: d.context.value, heldout: d.heldout.value, difficulty: planMetric(d.difficulty), sources };
}

/** Final shapes for every size: the parameter grid (through the shape rule) and named shapes. */
export function resolveSizes(exp: Experiment, data: PlanData, rep?: Reporter): Size[] {
  const m = exp.models;
  const sizes: Size[] = [];
  const vocab = data.tokenizer.vocab;
  if (m.params) {
    const targets = m.params.kind === "log" ? logSpaced(m.params.min.value, m.params.max.value, m.params.count.value) : m.params.values.map((v) => v.value);
    targets.forEach((t, i) => {
      const shape = shapeForParams(t, m.heads.value, m.mlp.value, m.aspect.value, vocab, data.context);
      if (!shape) {
        const span = m.params!.kind === "list" ? m.params!.values[i]!.span : m.params!.span;
        rep?.once("CGX0603", span, `a target of ${sizeLabel(t)} parameters is too small for ${m.heads.value} heads`, "raise the smallest size or use fewer heads");
        return;
      }
      sizes.push({ label: `p${sizeLabel(t)}`, shape });
    });
  }
  for (const s of m.shapes) {
    sizes.push({ label: s.name.text, shape: shapeOf(s.layers.value, s.width.value, s.heads.value, s.mlp.value, vocab, data.context) });
  }
  return sizes;
}

// ---------------------------------------------------------------- the grid

function conditionHolds(c: Condition, a: Assignment): boolean {
  const v = a.get(c.axis.text);
  const hit = c.values.some((x) => x.value === v);
  return c.op === "!=" ? !hit : hit;
}

/** Grid points in a stable order: axes in declaration order, values in list order. */
export function gridPoints(exp: Experiment): Assignment[] {
  const groups = exp.vary?.groups ?? [];
  const hasCurriculumAxis = groups.some((g) => (g.kind === "single" ? [g.axis] : g.axes).some((a) => a.name.text === "curriculum"));
  type Choice = Array<[string, AxisValue, Condition[]]>;
  const dims: Choice[][] = [];
  if (!hasCurriculumAxis) {
    dims.push([...exp.curricula.map((c) => c.name.text), ...exp.controls.map((c) => c.name.text)].map((n) => [["curriculum", n, []]]));
  }
  for (const g of groups) {
    if (g.kind === "single") dims.push(g.axis.values.map((v) => [[g.axis.name.text, v.value, [...g.axis.when]]]));
    else {
      const n = g.axes[0]!.values.length;
      const rows: Choice[] = [];
      for (let i = 0; i < n; i++) rows.push(g.axes.map((a) => [a.name.text, a.values[i]!.value, [...a.when]] as [string, AxisValue, Condition[]]));
      dims.push(rows);
    }
  }
  const out: Assignment[] = [];
  const seen = new Set<string>();
  const rec = (i: number, acc: Choice) => {
    if (out.length > MAX_CELLS) return;
    if (i === dims.length) {
      const raw = new Map<string, AxisValue>(acc.map(([k, v]) => [k, v]));
      // A conditional axis whose condition fails falls back to the base value: drop it, then dedupe.
      const final = new Map<string, AxisValue>();
      for (const [k, v, conds] of acc) if (conds.every((c) => conditionHolds(c, raw))) final.set(k, v);
      const key = JSON.stringify([...final]);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(final);
      }
      return;
    }
    for (const choice of dims[i]!) rec(i + 1, [...acc, ...choice]);
  };
  rec(0, []);
  return out;
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

function durationTokens(t: Exclude<TimeExpr, { kind: "stage" }>, budget: number, tps: number): number {
  switch (t.kind) {
    case "fraction":
      return onStep(t.value * budget, tps);
    case "tokens":
      return onStep(t.value, tps);
    case "steps":
      return Math.round(t.value) * tps;
  }
}

function stagedStages(c: CurriculumDecl, budget: number, tps: number): PlanStage[] | undefined {
  if (c.body.kind !== "staged") return undefined;
  const stages: PlanStage[] = [];
  let at = 0;
  for (const st of c.body.stages) {
    const end = st.duration ? Math.min(at + durationTokens(st.duration, budget, tps), Number.MAX_SAFE_INTEGER) : budget;
    stages.push({ name: st.name.text, start: at as Tokens, end: end as Tokens, mixture: mixParts(st.mixture), filters: filters(st.mixture), order: st.order.value });
    at = end;
  }
  return stages;
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
    const share = (Math.min(st.end, budget) - Math.min(st.start, budget)) / budget;
    for (const p of st.mixture) totals.set(p.source, (totals.get(p.source) ?? 0) + share * p.weight);
  }
  return [...totals].map(([source, weight]) => ({ source, weight: Math.round(weight * 1e12) / 1e12 }));
}

export function expand(exp: Experiment, ctx: BuildContext): Expansion {
  const rep = new Reporter(ctx);
  const data = planData(exp);
  const sizes = resolveSizes(exp, data, rep);
  const points = gridPoints(exp);
  const curricula = new Map(exp.curricula.map((c) => [c.name.text, c]));
  const controls = new Map(exp.controls.map((c) => [c.name.text, c]));
  const total = sizes.length * points.length * exp.seeds.value.length;
  const cells: Cell[] = [];
  if (total > MAX_CELLS) {
    rep.once("CGX0809", exp.vary?.span ?? exp.name.span, `this experiment expands to ${total} cells`, `narrow the grid below ${MAX_CELLS} cells`);
    return { data, cells, analyses: [] };
  }
  if (total === 0 && points.length === 0) {
    rep.once("CGX0801", exp.vary?.span ?? exp.name.span, "the grid has no cells", "check the axes and their conditions");
  }
  const metricOf = (name: string): PlanMetric => (name === "difficulty" ? data.difficulty : ({ kind: name } as PlanMetric));

  for (const size of sizes) {
    for (const point of points) {
      const curName = String(point.get("curriculum"));
      const train = trainFor(exp, point);
      const tps = train.batch * data.context;
      const growOn = exp.grow !== undefined && point.get("grow") !== "off";
      // With growth the size sets width and heads; depth comes from the start depth and the operators.
      const model = growOn ? shapeOf(finalDepth(exp, size), size.shape.width, size.shape.heads, size.shape.mlp, size.shape.vocab, size.shape.context) : size.shape;
      const budget = budgetFor(exp, model, tps, rep);
      if (!budget) continue;
      const B = budget.tokens;
      const warmupAxis = point.get("warmup");
      const warmup = typeof warmupAxis === "number" ? onStep(warmupAxis * B, tps) : durationTokens(exp.train.schedule.warmup, B, tps);
      train.schedule = { ...train.schedule, warmup: Math.min(B, warmup) as Tokens };
      const decl = curricula.get(curName);
      let curriculum: PlanCurriculum;
      let ownStages: PlanStage[] | undefined;
      if (decl) {
        const body = decl.body;
        switch (body.kind) {
          case "staged": {
            ownStages = stagedStages(decl, B, tps)!;
            // The first stage that ends past the budget, or (the last one) starts when it is spent.
            const overAt = ownStages.findIndex((s) => s.end > B || s.start >= B);
            const over = body.stages[overAt];
            if (over?.duration) {
              rep.once("CGX0502", over.duration.span, `the stages of \`${curName}\` run past the end of training in cell ${size.label} (budget ${B} tokens)`, "give stage lengths as shares of the budget (`30%`), or shorten them");
            } else if (over) {
              rep.once("CGX0502", over.name.span, `the stages before \`${over.name.text}\` use the whole budget of cell ${size.label} (${B} tokens), leaving none for it`, "give stage lengths as shares of the budget (`30%`), or shorten them");
            }
            curriculum = { name: curName, kind: "staged", stages: ownStages.map((s) => ({ ...s, end: Math.min(s.end, B) as Tokens })) };
            break;
          }
          case "paced":
            curriculum = {
              name: curName,
              kind: "paced",
              metric: metricOf(body.metric.text),
              from: planLevel(body.from),
              to: planLevel(body.to),
              start: 0 as Tokens,
              end: Math.max(tps, Math.min(B, durationTokens(body.over, B, tps))) as Tokens,
              fn: pacingFn(body.fn),
              ...selection(body.sources),
            };
            break;
          case "competence":
            curriculum = {
              name: curName,
              kind: "competence",
              metric: metricOf(body.metric.text),
              fn: pacingFn(body.fn),
              start_competence: body.start.value,
              full_at: Math.max(tps, Math.min(B, durationTokens(body.fullAt, B, tps))) as Tokens,
              descending: body.descending,
              ...selection(body.sources),
            };
            break;
          case "ordered":
            curriculum = { name: curName, kind: "ordered", metric: metricOf(body.metric.text), descending: body.descending, ...selection(body.sources) };
            break;
        }
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
      const time: CellTime = { budget: B, tps, stageStarts: new Map((ownStages ?? []).map((s) => [s.name, s.start])) };
      const at = (t: TimeExpr): number => resolveTime(t, time, exp, rep, size.label);
      const pruneOn = exp.prune !== undefined && point.get("prune") !== "off";
      const growth = growOn ? growthFor(exp, size, at, time, rep) : null;
      const pruning = pruneOn ? pruningFor(exp, at, time, rep, size.label) : [];
      const evalPoints = evalPointsFor(exp, at, time, rep, size.label);
      const axes: Record<string, string | number> = {};
      for (const [k, v] of point) axes[k] = v;
      const content = {
        axes,
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
        },
      };
      // Seeds share everything else, so the content is serialised once per grid point.
      const contentJson = JSON.stringify(content);
      for (const seed of exp.seeds.value) {
        const label = [curName, size.label, ...[...point].filter(([k]) => k !== "curriculum").map(([k, v]) => `${k}=${v}`), `s${seed}`].join("/");
        cells.push({ id: cellId(contentJson, seed), index: cells.length, label, seed, ...content });
      }
    }
  }
  return { data, cells, analyses: analysesFor(exp, points) };
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

/** Training settings with the grid's overrides; warmup is set once the budget is known. */
function trainFor(exp: Experiment, point: Assignment): { -readonly [K in keyof PlanTrain]: PlanTrain[K] } {
  const t = exp.train;
  const num = (k: string, base: number) => (typeof point.get(k) === "number" ? (point.get(k) as number) : base);
  const batch = num("batch", t.batch.value);
  const scheduleKind = (point.get("schedule") as PlanTrain["schedule"]["kind"] | undefined) ?? t.schedule.kind;
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
    schedule: { kind: scheduleKind, warmup: -1 as Tokens, min_lr: scheduleKind === "constant" ? 1 : t.schedule.minLr },
    batch,
    clip: num("clip", t.clip.value),
  };
}

function budgetFor(exp: Experiment, shape: ModelShape, tps: number, rep: Reporter): { tokens: number; flops: number; stopOn: "tokens" | "flops" } | undefined {
  const b = exp.budget;
  let tokens: number;
  switch (b.kind) {
    case "tokens":
      tokens = b.value;
      break;
    case "tokens_per_param":
      tokens = b.value * shape.params;
      break;
    case "steps":
      tokens = b.value * tps;
      break;
    case "flops":
      tokens = b.value / shape.flops_per_token;
      break;
  }
  const steps = Math.floor(tokens / tps);
  if (steps < 1) {
    rep.once("CGX0605", b.span, `the budget gives a ${shape.params}-parameter cell ${Math.floor(tokens)} tokens, less than one step of ${tps} tokens`, "raise the budget or lower `batch` or `context`");
    return undefined;
  }
  if (!(tokens <= Number.MAX_SAFE_INTEGER)) {
    rep.once("CGX0402", b.span, `the budget gives a ${shape.params}-parameter cell ${tokens.toExponential(2)} tokens, more than cgx can count exactly`, `keep a cell's budget below ${Number.MAX_SAFE_INTEGER} tokens`);
    return undefined;
  }
  const t = steps * tps;
  return { tokens: t, flops: b.kind === "flops" ? b.value : t * shape.flops_per_token, stopOn: b.kind === "flops" ? "flops" : "tokens" };
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
    if (st) starts.add(st.start);
  }
  if (starts.size === 1) return [...starts][0]!;
  rep.once("CGX0704", t.span, `stage \`${t.stage.text}\` starts at different points in different curricula, and cell ${cell} has no such stage`, "give the point as a share of the budget (`30%`) or in tokens");
  return Math.min(...starts);
}

function startDepth(exp: Experiment, size: Size): number {
  const s = exp.grow!.startLayers.value;
  return s.kind === "layers" ? s.value : Math.max(1, Math.round(s.value * size.shape.layers));
}

/** Depth after one operator fires. */
function grown(depth: number, op: import("./ast.js").GrowOp): number {
  if (op.kind === "stack") return depth * op.factor.value;
  if (op.kind === "insert") return depth + op.layers.value;
  return depth + Math.floor(depth / op.every.value);
}

/** Depth at the end of training if every event fires (plateau events as often as they may). */
function finalDepth(exp: Experiment, size: Size): number {
  let depth = startDepth(exp, size);
  for (const ev of exp.grow!.events) {
    const fires = ev.trigger.kind === "plateau" ? ev.trigger.times.value : 1;
    for (let i = 0; i < fires; i++) depth = grown(depth, ev.op);
  }
  return depth;
}

function growthFor(exp: Experiment, size: Size, at: (t: TimeExpr) => number, time: CellTime, rep: Reporter): PlanGrowth {
  const g = exp.grow!;
  const start = startDepth(exp, size);
  let depth = start;
  const events: PlanGrowth["events"][number][] = [];
  for (const ev of g.events) {
    const tr = ev.trigger;
    let trigger: PlanGrowth["events"][number]["trigger"];
    if (tr.kind === "at") {
      const token = at(tr.when);
      if (token >= time.budget) rep.once("CGX0701", tr.when.span, `growth at token ${token} comes after training ends in cell ${size.label} (budget ${time.budget} tokens)`, "schedule it earlier, or as a share of the budget");
      if (token <= 0) rep.once("CGX0702", tr.when.span, "growth at the very start of training", "start with the bigger model instead, or grow later");
      trigger = { kind: "at", token: token as Tokens };
    } else {
      const notBefore = tr.notBefore ? at(tr.notBefore) : 0;
      if (notBefore >= time.budget) rep.once("CGX0701", tr.notBefore!.span, `a plateau trigger that cannot fire before training ends in cell ${size.label}`, "lower `not_before`");
      trigger = { kind: "plateau", window: Math.max(time.tps, durationTokens(tr.window, time.budget, time.tps)) as Tokens, min_drop: tr.minDrop.value, not_before: notBefore as Tokens, times: tr.times.value };
    }
    const op = ev.op;
    const fires = tr.kind === "plateau" ? tr.times.value : 1;
    for (let i = 0; i < fires; i++) depth = grown(depth, op);
    if (depth > 1024) rep.once("CGX0703", op.span, `growth would make a model of ${depth} layers (at most 1024)`, "grow by less: a smaller factor, or fewer `times`");
    events.push({
      trigger,
      op:
        op.kind === "stack"
          ? { kind: "stack", factor: op.factor.value, init: op.init }
          : op.kind === "insert"
            ? { kind: "insert", position: op.position, layers: op.layers.value, init: op.init }
            : { kind: "interleave", every: op.every.value, init: op.init },
    });
  }
  events.sort((a, b) => (a.trigger.kind === "at" ? a.trigger.token : Infinity) - (b.trigger.kind === "at" ? b.trigger.token : Infinity));
  return {
    start_layers: start,
    final_layers: depth,
    events,
    freeze: (g.freeze ? durationTokens(g.freeze, time.budget, time.tps) : 0) as Tokens,
    optimizer: g.optimizer.value,
    rewarm: (g.rewarm ? durationTokens(g.rewarm, time.budget, time.tps) : 0) as Tokens,
  };
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

function evalPointsFor(exp: Experiment, at: (t: TimeExpr) => number, time: CellTime, rep: Reporter, cell: string): number[] {
  const pts = new Set<number>();
  const ev = exp.evaluate;
  if (ev.every) {
    const step = Math.max(time.tps, durationTokens(ev.every, time.budget, time.tps));
    const count = Math.ceil(time.budget / step);
    if (count > MAX_EVAL_POINTS) {
      rep.once("CGX0807", ev.every.span, `evaluating every ${step} tokens gives ${count} evaluations in cell ${cell} (at most ${MAX_EVAL_POINTS})`, "evaluate less often, e.g. `evaluate every 5%`");
    } else {
      for (let t = step; t < time.budget; t += step) pts.add(t);
    }
  }
  for (const t of ev.at) {
    const tok = at(t);
    if (tok > 0 && tok <= time.budget) pts.add(tok);
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
        const subjects = a.subject.text === "curriculum" ? onAxis.filter((c) => c !== a.baseline.text) : [a.subject.text];
        return { kind: "compare", subjects, baseline: a.baseline.text, at: a.at.value, target: a.target?.value ?? null };
      }
      case "progression":
        return { kind: "progression", y: a.y.text, x: a.x.text };
    }
  });
}

export type { Condition };
