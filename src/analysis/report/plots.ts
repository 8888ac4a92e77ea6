/** The report's plots: PlotSpecs built from the analysis and the run's curves. */
import type { RunData } from "../rundir.js";
import { mean } from "../stats.js";
import type { Analysis } from "./analyze.js";
import type { Cell } from "../../plan/types.js";
import { curricula, curriculumOf, sizesOf, stagesOf, variedAxes } from "./cells.js";
import type { FitAnalysis } from "./fits.js";
import { optimalPlots } from "./optimal-plots.js";
import type { Crossover } from "./progression.js";
import type { TaskSizeRow } from "./tasks.js";
import { usagePlot } from "./usage.js";
import { reweightPlot } from "./reweight.js";
import { color, formatNumber, plotId, type Marker, type PlotSpec, type Series } from "./svg.js";

export { plotId };

/** The sign changes worth marking: those observed between measured sizes, else the trend's if inside the measured range. */
function shownCrossovers(cs: readonly Crossover[]): Crossover[] {
  const observed = cs.filter((c) => c.kind === "observed");
  return observed.length ? observed : cs.filter((c) => c.kind === "trend" && c.within);
}


/** One colour per curriculum, stable across plots. */
function palette(run: RunData): (name: string) => string {
  const names = curricula(run);
  return (name) => color(Math.max(0, names.indexOf(name)));
}

function curriculumOfGroup(key: Readonly<Record<string, string>>): string | undefined {
  return key["curriculum"];
}

/** The standard fit against x (by curriculum and the varied axes), else the first plan fit against x alone. */
function fitFor(a: Analysis, x: string): FitAnalysis | undefined {
  const one = a.fits.filter((f) => f.kind === "fit" && f.law === "power_law" && f.y === "loss" && f.xs.length === 1 && f.xs[0] === x);
  return one.find((f) => f.by.includes("curriculum") && f.origin === "report") ?? one.find((f) => f.by.includes("curriculum")) ?? one[0];
}

function scalingPlot(run: RunData, a: Analysis, x: "params" | "flops", id: string): PlotSpec {
  const fit = fitFor(a, x);
  const col = palette(run);
  const series: Series[] = [];
  const groups = fit?.groups ?? [];
  groups.forEach((g, i) => {
    const cur = curriculumOfGroup(g.key);
    const c = cur !== undefined ? col(cur) : color(i);
    const dashed = Object.keys(g.key).length > 1 && i % 2 === 1;
    const name = g.label.replace(/^curriculum=/, "");
    series.push({
      name,
      color: c,
      dashed,
      points: g.points.map((p) => ({ x: p.x, y: p.y, title: `${p.cell}: ${x} ${formatNumber(p.x)}, final loss ${p.y.toFixed(3)}` })),
      ...(g.curve ? { line: g.curve } : {}),
      ...(g.band && g.band.points.length ? { band: g.band.points } : {}),
    });
  });
  // A fit of all curricula together (made when none could be fitted alone): its curve and band, no points of its own.
  const pooled = a.fits.find((f) => f !== fit && f.origin === "report" && f.xs.length === 1 && f.xs[0] === x && !f.by.includes("curriculum") && f.groups.some((g) => g.fit));
  for (const g of pooled?.groups ?? []) {
    if (!g.curve) continue;
    series.push({ name: `all curricula${g.label === "all" ? "" : ` (${g.label})`}: pooled fit`, color: "#666", dashed: true, line: g.curve, ...(g.band && g.band.points.length ? { band: g.band.points } : {}) });
  }
  const markers: Marker[] = [];
  for (const p of a.progression) {
    if (p.x !== x || p.y !== "curriculum") continue;
    for (const t of p.trends) {
      for (const c of shownCrossovers(t.crossovers)) markers.push({ value: c.x, label: `${t.name} = ${t.reference} (${c.kind})`, kind: "crossover", color: col(t.name) });
    }
  }
  for (const b of a.breaks) {
    if (b.xs[0] !== x || b.y === "accuracy") continue;
    for (const g of b.groups) {
      if (g.fit?.law !== "broken") continue;
      const cur = curriculumOfGroup(g.key);
      for (const br of g.fit.breaks) markers.push({ value: br.x, label: `break (${g.label})`, interval: br.interval, kind: "break", ...(cur ? { color: col(cur) } : {}) });
    }
  }
  const what = x === "params" ? "parameters (non-embedding)" : "training FLOPs";
  return {
    id,
    title: `Final heldout loss against ${what}`,
    xLabel: x === "params" ? "parameters" : "FLOPs",
    yLabel: "final heldout loss",
    x: "log",
    y: "log",
    series,
    markers,
    emptyText: fit ? "no finished cells to plot" : "no fit",
    caption: `One point per finished cell (final heldout loss); lines: ${[fit, pooled].filter((f) => f?.groups.some((g) => g.fit)).map((f) => f!.id).join(" and ") || "no fit could be made (see the table)"}, with a 95% bootstrap band where the data allow one. ${markers.length ? `Dashed verticals: critical points (${[...new Set(markers.map((mk) => (mk.kind === "break" ? "breaks" : "sign changes of the curriculum gap")))].join(", ")}).` : "No critical point is drawn: no sign change of the curriculum gap is clear of the noise, and no break was fitted."}`,
  };
}

function comparePlot(a: Analysis, buckets: boolean): PlotSpec {
  const series: Series[] = [];
  let i = 0;
  for (const c of a.comparisons) {
    const rows = buckets ? c.buckets : c.rows;
    const metrics = [...new Set(rows.map((r) => r.metric))];
    for (const m of metrics) {
      const rs = rows.filter((r) => r.metric === m);
      const name = buckets ? `${c.subject} ${m}` : `${c.subject} vs ${c.baseline}`;
      series.push({
        name,
        color: color(i++),
        line: rs.map((r) => ({ x: r.params, y: r.diff.mean })),
        points: rs.map((r) => ({
          x: r.params,
          y: r.diff.mean,
          ...(r.diff.lo !== null && r.diff.hi !== null ? { lo: r.diff.lo, hi: r.diff.hi } : {}),
          title: `${r.subject} − ${r.baseline} at ${r.size}${buckets ? ` (${r.metric})` : ""}: ${r.diff.mean.toFixed(4)}${r.diff.lo !== null ? ` [${r.diff.lo.toFixed(4)}, ${r.diff.hi!.toFixed(4)}]` : ` (${r.diff.method})`}`,
        })),
      });
    }
  }
  return {
    id: buckets ? "plot-compare-buckets" : "plot-compare",
    title: buckets ? "Loss difference per difficulty bucket at equal compute" : "Final loss difference, curriculum − baseline, at equal compute",
    xLabel: "parameters",
    yLabel: "loss difference (negative: curriculum better)",
    x: "log",
    y: "linear",
    zeroLine: true,
    series,
    emptyText: "no comparison",
    caption: buckets
      ? "Per difficulty bucket of the heldout set (easiest first): subject − baseline loss at equal compute, per size."
      : "Subject − baseline final heldout loss at equal compute, per size; bars: 95% t-interval over seeds (none with one seed).",
  };
}

function stagePlot(a: Analysis): PlotSpec {
  const fit = a.stage_fits.find((f) => !f.by.includes("difficulty_bucket"));
  const series: Series[] = [];
  (fit?.groups ?? []).forEach((g, i) => {
    series.push({
      name: g.label.replace(/^curriculum=/, "").replace(", stage=", " / "),
      color: color(i),
      points: g.points.map((p) => ({ x: p.x, y: p.y, title: `${p.cell} at ${formatNumber(p.tokens)} tokens (${g.key["stage"]}): ${p.y.toFixed(3)}` })),
      ...(g.curve ? { line: g.curve } : {}),
    });
  });
  return {
    id: "plot-stages",
    title: "Heldout loss at each stage boundary against parameters",
    xLabel: "parameters",
    yLabel: "heldout loss at stage end",
    x: "log",
    y: "log",
    series,
    emptyText: "no staged curriculum",
    caption: "Heldout loss at the eval nearest each stage's end, one point per finished cell, with the power law fitted across sizes per stage.",
  };
}

function progressionPlot(a: Analysis): PlotSpec {
  const series: Series[] = [];
  const markers: Marker[] = [];
  let i = 0;
  for (const p of a.progression) {
    for (const t of p.trends) {
      const c = color(i++);
      const name = `${p.y === "stage" ? "stage " : ""}${t.name}${t.context ? ` (${t.context})` : ""}`;
      const xs = t.points.map((q) => q.x).filter((v) => v > 0);
      const line =
        t.linear && xs.length
          ? [Math.min(...xs) / 1.25, Math.max(...xs) * 1.25].map((x) => ({ x, y: t.linear!.intercept + t.linear!.slope * Math.log10(x) }))
          : undefined;
      series.push({
        name,
        color: c,
        dashed: p.y === "stage",
        points: t.points.map((q) => ({ x: q.x, y: q.gap, title: `${name} at ${q.size}: ${q.gap.toFixed(4)} vs ${t.reference}` })),
        ...(line ? { line } : {}),
      });
      for (const cr of shownCrossovers(t.crossovers)) markers.push({ value: cr.x, label: `${t.name}: sign change (${cr.kind})`, kind: "crossover", color: c });
    }
  }
  const x = a.progression[0]?.x ?? "params";
  return {
    id: "plot-progression",
    title: "Gap to the reference across sizes, with linear trend in log size",
    xLabel: x,
    yLabel: "gap (negative: ahead of reference)",
    x: "log",
    y: "linear",
    zeroLine: true,
    series,
    markers,
    emptyText: "no progression (one curriculum, or no finished cells)",
    caption: `Solid: final loss gap of each curriculum to the reference; dashed: what each stage gained on the reference. Lines: linear trend in log size. ${markers.length ? "Dashed verticals: sign changes clear of the noise (the gaps' intervals, or the trend's slope interval, exclude zero)." : "No sign change is drawn: none is clear of the noise."}`,
  };
}

/** A cell's line name in training plots: its curriculum, and the other axes that vary (seeds share a line name). */
function lineNamer(run: RunData): { name: (cell: Cell) => string; color: (name: string) => string } {
  const varied = variedAxes(run);
  const name = (cell: Cell) => [curriculumOf(cell), ...varied.map((k) => `${k}=${String(cell.axes[k] ?? "")}`)].join(", ");
  const names = [...new Set(run.plan.cells.map(name))];
  return { name, color: (n) => color(Math.max(0, names.indexOf(n))) };
}

function trainPlots(run: RunData): PlotSpec[] {
  const namer = lineNamer(run);
  const col = namer.color;
  const out: PlotSpec[] = [];
  const sizes = sizesOf(run.plan.cells);
  for (const { size, params } of sizes) {
    const cells = run.cells.filter((c) => c.cell.size === size);
    const series: Series[] = [];
    const markers: Marker[] = [];
    const seenStage = new Set<string>();
    const events = new Map<string, { tokens: number; name: string; cells: string[]; detail: string; color: string; until?: number }>();
    for (const c of cells) {
      const cur = namer.name(c.cell);
      const status = c.finished ? "" : ` (${c.state})`;
      const train = c.train.filter((r) => r.loss !== null && r.tokens > 0).map((r) => ({ x: r.tokens, y: r.loss! }));
      series.push({ name: cur, color: col(cur), line: train, lineWidth: 1.1, opacity: 0.8, legend: true });
      series.push({
        name: cur,
        color: col(cur),
        legend: false,
        hollow: true,
        points: c.evals.filter((e) => Number.isFinite(e.loss)).map((e) => ({ x: e.tokens, y: e.loss, title: `${c.cell.label}${status}: heldout ${e.loss.toFixed(3)} at ${formatNumber(e.tokens)} tokens` })),
      });
      for (const st of stagesOf(c.cell).slice(0, -1)) {
        const key = `${cur}/${st.name}`;
        if (seenStage.has(key)) continue;
        seenStage.add(key);
        markers.push({ value: st.end, label: `${curriculumOf(c.cell)}: end of ${st.name}`, kind: "stage", color: col(cur) });
      }
      // One marker per event and token count: seeds usually grow or prune at the same point.
      for (const ev of c.events) {
        const t = ev.tokens ?? (ev.step !== null ? ev.step * c.cell.budget.tokens_per_step : null);
        if (t === null || !(t > 0)) continue;
        // A distillation is drawn as its span (shaded from its start to where the teacher is
        // dropped), so the end of the span needs no marker of its own.
        if (ev.name === "distil_end") continue;
        const untilStep = ev.name === "distil" && typeof ev.raw["until_step"] === "number" ? ev.raw["until_step"] : undefined;
        const key = `${t}|${ev.name}|${ev.detail}`;
        const e = events.get(key) ?? { tokens: t, name: ev.name, cells: [], detail: ev.detail, color: col(cur), ...(untilStep !== undefined ? { until: untilStep * c.cell.budget.tokens_per_step } : {}) };
        e.cells.push(c.cell.label);
        events.set(key, e);
      }
      if (c.state === "diverged") {
        const last = c.train.at(-1);
        if (last) markers.push({ value: last.tokens, label: `${c.cell.label} diverged`, kind: "diverged", color: "#c00" });
      }
    }
    for (const e of events.values()) {
      const who = e.cells.length === 1 ? e.cells[0]! : `${e.cells.length} cells: ${e.cells.join(", ")}`;
      const span = e.until !== undefined ? { interval: [e.tokens, e.until] as const, intervalLabel: "distillation span, tokens" } : {};
      markers.push({ value: e.tokens, label: `${e.name} (${who})${e.detail ? `: ${e.detail}` : ""}`, kind: "event", color: e.color, ...span });
    }
    out.push({
      id: `plot-train-${plotId(size)}`,
      title: `Training curves, ${size} (${formatNumber(params)} params)`,
      xLabel: "tokens",
      yLabel: "loss",
      x: "log",
      y: "log",
      series,
      markers,
      emptyText: "no metrics written yet",
      caption: "Lines: training loss; circles: heldout eval loss. Dashed verticals: stage boundaries, growth or pruning events, divergence; shaded: distillation spans (the student trains against its teacher).",
    });
  }
  return out;
}

/** Mean batch difficulty against tokens per curriculum, averaged over its cells and smoothed over a few logged steps. */
function pacingPlot(run: RunData): PlotSpec {
  const col = palette(run);
  const series: Series[] = [];
  const markers: Marker[] = [];
  for (const cur of curricula(run)) {
    const cells = run.cells.filter((c) => curriculumOf(c.cell) === cur);
    const byTokens = new Map<number, number[]>();
    for (const c of cells) {
      for (const r of c.train) {
        if (r.difficulty === null || r.difficulty === undefined || !Number.isFinite(r.difficulty)) continue;
        const list = byTokens.get(r.tokens) ?? [];
        list.push(r.difficulty);
        byTokens.set(r.tokens, list);
      }
    }
    const raw = [...byTokens].sort((a, b) => a[0] - b[0]).map(([x, ds]) => ({ x, y: mean(ds) }));
    if (!raw.length) continue;
    const w = Math.max(1, Math.round(raw.length / 40));
    const smooth = raw.map((p, i) => ({ x: p.x, y: mean(raw.slice(Math.max(0, i - w), i + w + 1).map((q) => q.y)) }));
    series.push({ name: `${cur} (raw)`, color: col(cur), line: raw, lineWidth: 0.6, opacity: 0.35, legend: false });
    const step = Math.max(1, Math.floor(smooth.length / 12));
    series.push({
      name: cur,
      color: col(cur),
      line: smooth,
      lineWidth: 2,
      points: smooth.filter((_, i) => i % step === 0).map((p) => ({ x: p.x, y: p.y, title: `${cur}: mean difficulty ${p.y.toFixed(2)} at ${formatNumber(p.x)} tokens` })),
      pointRadius: 2,
    });
    const cell = cells[0]?.cell;
    if (cell) for (const st of stagesOf(cell).slice(0, -1)) markers.push({ value: st.end, label: `${cur}: end of ${st.name}`, kind: "stage", color: col(cur) });
  }
  const metric = run.plan.data.difficulty.kind;
  return {
    id: "plot-pacing",
    title: "Pacing: mean difficulty of training batches",
    xLabel: "tokens",
    yLabel: `mean difficulty (${metric})`,
    x: "linear",
    y: "linear",
    series,
    markers,
    emptyText: "no difficulty recorded",
    caption: "Mean difficulty of the examples in each logged training batch (faint), averaged over a curriculum's cells and smoothed (bold).",
  };
}

/** A line name for a task row: the task (with its split unless heldout) and the setting when several. */
function taskLineName(r: Pick<TaskSizeRow, "task" | "split" | "context">, settings: boolean): string {
  return `${r.task}${r.split === "heldout" ? "" : ` on ${r.split}`}${settings ? ` (${r.context})` : ""}`;
}

/** Accuracy fits and breaks against params that a task line can show: not split by level. */
function accuracyFits(a: Analysis): FitAnalysis[] {
  return [...a.fits, ...a.breaks].filter((f) => f.y === "accuracy" && f.xs.length === 1 && f.xs[0] === "params");
}

function accuracyPlot(a: Analysis): PlotSpec {
  const t = a.tasks;
  const settings = new Set(t.rows.map((r) => r.context)).size > 1;
  const names = [...new Set(t.rows.map((r) => taskLineName(r, settings)))];
  const col = (name: string) => color(Math.max(0, names.indexOf(name)));
  const series: Series[] = [];
  for (const name of names) {
    const rows = t.rows.filter((r) => taskLineName(r, settings) === name).sort((p, q) => p.params - q.params);
    series.push({
      name,
      color: col(name),
      line: rows.map((r) => ({ x: r.params, y: r.accuracy.mean })),
      points: rows.flatMap((r) =>
        r.cells.map((c) => ({ x: r.params, y: c.accuracy, title: `${c.cell}: params ${formatNumber(r.params)}, ${name} accuracy ${c.accuracy.toFixed(3)} (n=${c.n})` })),
      ),
    });
  }
  // Fitted laws (dashed) and breaks of the plan's accuracy analyses, in the colour of their task line.
  const markers: Marker[] = [];
  const lineOf = (key: Readonly<Record<string, string>>): string | undefined => {
    const cur = key["curriculum"];
    const row = t.rows.find((r) => r.task === key["task"] && r.split === (key["split"] ?? "heldout") && (cur === undefined || r.context === cur || r.context.startsWith(`${cur}, `)));
    return row ? taskLineName(row, settings) : undefined;
  };
  const seenCurve = new Set<string>();
  for (const f of accuracyFits(a)) {
    for (const g of f.groups) {
      if (g.key["level"] !== undefined) continue;
      const line = lineOf(g.key);
      const c = line ? col(line) : "#666";
      if (g.curve && g.curve.length && !seenCurve.has(`${f.law}|${g.label}`)) {
        seenCurve.add(`${f.law}|${g.label}`);
        const broken = f.law === "broken";
        series.push({
          name: `${line ?? g.label}: ${broken ? "broken power law" : "power law"} fit`,
          color: c,
          dashed: true,
          legend: false,
          lineWidth: broken ? 1.4 : 1,
          opacity: broken ? 0.9 : 0.45,
          line: g.curve.filter((p) => p.y >= -0.05 && p.y <= 1.05),
        });
      }
      if (g.fit?.law === "broken") for (const br of g.fit.breaks) markers.push({ value: br.x, label: `break: ${line ?? g.label}`, interval: br.interval, kind: "break", color: c });
    }
  }
  return {
    id: "plot-accuracy-params",
    title: "Task accuracy against parameters",
    xLabel: "parameters",
    yLabel: "final task accuracy",
    x: "log",
    y: "linear",
    series,
    markers,
    emptyText: "no task accuracy recorded",
    width: 660,
    legendMax: 260,
    caption:
      "One point per finished cell (exact-match accuracy at the final eval), lines through the mean over seeds per size. Dashed curves: the plan's accuracy fits (fitted to the error rate 1 − accuracy; faint: power law, bold: broken power law); dashed verticals: their breaks, shaded with their 95% interval.",
  };
}

function accuracyLevelPlot(a: Analysis): PlotSpec {
  const t = a.tasks;
  const settings = new Set(t.rows.map((r) => r.context)).size > 1;
  const tasks = [...new Set(t.rows.map((r) => taskLineName(r, settings)))];
  const series: Series[] = [];
  let i = 0;
  tasks.forEach((task, ti) => {
    const rows = t.rows.filter((r) => taskLineName(r, settings) === task).sort((p, q) => p.params - q.params);
    const levels = t.levels.filter((lv) => rows.some((r) => r.levels.some((l) => l.level === lv)));
    for (const lv of levels) {
      const pts = rows.flatMap((r) => {
        const l = r.levels.find((x) => x.level === lv);
        return l && Number.isFinite(l.accuracy.mean) ? [{ x: r.params, y: l.accuracy.mean, title: `${task}, level ${lv} at ${r.size}: accuracy ${l.accuracy.mean.toFixed(3)} (n=${l.n}${r.seeds.length > 1 ? ` per cell, mean of ${r.seeds.length} seeds` : ""})` }] : [];
      });
      series.push({ name: `${task}, level ${lv}`, color: color(i++), dashed: ti % 2 === 1, line: pts.map((p) => ({ x: p.x, y: p.y })), points: pts });
    }
  });
  return {
    id: "plot-accuracy-levels",
    title: "Task accuracy by difficulty level against parameters",
    xLabel: "parameters",
    yLabel: "final task accuracy",
    x: "log",
    y: "linear",
    series,
    emptyText: "no accuracy by level recorded",
    width: 660,
    legendMax: 260,
    caption: "Final exact-match accuracy per task and difficulty level, mean over seeds per size.",
  };
}

export function reportPlots(run: RunData, a: Analysis): PlotSpec[] {
  return [
    scalingPlot(run, a, "params", "plot-loss-params"),
    scalingPlot(run, a, "flops", "plot-loss-flops"),
    comparePlot(a, false),
    comparePlot(a, true),
    stagePlot(a),
    progressionPlot(a),
    ...optimalPlots(a.optimal),
    ...(a.tasks.present ? [accuracyPlot(a), accuracyLevelPlot(a)] : []),
    ...trainPlots(run),
    pacingPlot(run),
    // Runs made before cgx recorded usage have nothing to plot.
    ...(a.data_used.rows.length ? [usagePlot(run, a.data_used)] : []),
    ...(a.reweighting.rows.length ? [reweightPlot(run, a.reweighting)] : []),
  ];
}
