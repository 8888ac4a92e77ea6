/** Plots of the compute-optimal analysis: IsoFLOP profiles per group, and the frontiers N_opt(C). */
import { frontierAt } from "../fit/frontier.js";
import type { OptimalAnalysis } from "./optimal.js";
import { color, formatNumber, plotId, type PlotSpec, type PointDatum, type Series } from "./svg.js";

/** Loss against model size at each budget: the runs, the fitted parabola, and its minimum. */
function isoflopPlot(o: OptimalAnalysis, gi: number): PlotSpec | null {
  const g = o.groups[gi]!;
  const fit = g.isoflop;
  if (!fit) return null;
  const series: Series[] = [];
  const minima: PointDatum[] = [];
  fit.budgets.forEach((b, i) => {
    const c = color(i);
    const name = `C = ${formatNumber(b.flops)}`;
    const pts = g.points.filter((p) => p.budget === i);
    const line: { x: number; y: number }[] = [];
    if (b.parabola) {
      const [lo, hi] = [Math.log(b.window[0]), Math.log(b.window[1])];
      for (let k = 0; k <= 30; k++) {
        const u = lo + ((hi - lo) * k) / 30;
        line.push({ x: Math.exp(u), y: b.parabola.c0 + b.parabola.c1 * u + b.parabola.c2 * u * u });
      }
    }
    series.push({ name, color: c, points: pts.map((p) => ({ x: p.params, y: p.loss, title: `${p.label}: params ${formatNumber(p.params)}, final loss ${p.loss.toFixed(3)}` })), ...(line.length ? { line } : {}) });
    if (b.n_opt !== null && b.loss_opt !== null)
      minima.push({ x: b.n_opt, y: b.loss_opt, title: `${name}: N_opt ${formatNumber(b.n_opt)}${b.inside ? "" : " (extrapolated)"}, loss ${b.loss_opt.toFixed(3)}` });
  });
  if (minima.length) series.push({ name: "minima (N_opt)", color: "#000", points: minima, hollow: true, pointRadius: 5 });
  return {
    id: plotId(`plot-isoflop-${g.label}`),
    title: `IsoFLOP profiles: ${g.label}`,
    xLabel: "parameters",
    yLabel: "final heldout loss",
    x: "log",
    y: "linear",
    series,
    emptyText: "no budget with three sizes",
    caption: "One point per finished run, coloured by its FLOP budget; lines: the parabola in ln N fitted at each budget with three or more sizes, over the sizes trained; hollow black circles: each parabola's minimum, the budget's compute-optimal size.",
  };
}

/** N_opt against compute per group: the IsoFLOP minima, and each approach's fitted frontier. */
function frontierPlot(o: OptimalAnalysis): PlotSpec {
  const series: Series[] = [];
  const curricula = [...new Set(o.groups.map((g) => g.curriculum))];
  const styles = { isoflop: { dashed: false, opacity: 1 }, parametric: { dashed: true, opacity: 1 }, envelope: { dashed: true, opacity: 0.45 } } as const;
  for (const g of o.groups) {
    const c = color(Math.max(0, curricula.indexOf(g.curriculum)));
    if (g.isoflop) {
      const pts = g.isoflop.budgets.filter((b) => b.n_opt !== null).map((b) => ({ x: b.flops, y: b.n_opt!, title: `${g.label}: C ${formatNumber(b.flops)}, N_opt ${formatNumber(b.n_opt!)}`, ...(b.intervals.n_opt ? { lo: b.intervals.n_opt[0], hi: b.intervals.n_opt[1] } : {}) }));
      if (pts.length) series.push({ name: `${g.label}: IsoFLOP minima`, color: c, points: pts });
    }
    if (g.envelope) series.push({ name: `${g.label}: envelope`, color: c, hollow: true, pointRadius: 2.5, opacity: 0.45, points: g.envelope.points.map((p) => ({ x: p.flops, y: p.params, title: `${g.label} envelope: C ${formatNumber(p.flops)}, N ${formatNumber(p.params)}` })) });
    const [lo, hi] = g.flops_range;
    for (const r of g.approaches) {
      if (!r.n_opt) continue;
      const line = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => {
        const x = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * k) / 10);
        return { x, y: frontierAt(r.n_opt!, x) };
      });
      series.push({ name: `${g.label}: ${r.approach} frontier (a = ${r.n_opt.exponent.toFixed(2)})`, color: c, line, ...styles[r.approach] });
    }
  }
  return {
    id: "plot-frontier",
    title: "Compute-optimal model size against compute",
    xLabel: "training FLOPs",
    yLabel: "compute-optimal parameters",
    x: "log",
    y: "log",
    series,
    emptyText: "no frontier",
    width: 660,
    legendMax: 300,
    caption:
      "Filled points: the IsoFLOP minima with their 95% bootstrap intervals; small hollow points: the minimum-loss envelope over training curves. Lines, over the compute trained: solid, the IsoFLOP frontier; dashed, the parametric law's; faint dashed, the envelope's. One colour per curriculum.",
  };
}

export function optimalPlots(o: OptimalAnalysis): PlotSpec[] {
  if (!o.ran || !o.groups.length) return [];
  return [...o.groups.map((_, i) => isoflopPlot(o, i)).filter((p): p is PlotSpec => p !== null), frontierPlot(o)];
}
