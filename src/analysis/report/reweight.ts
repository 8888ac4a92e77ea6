/**
 * Mixture weights moved by `reweight by loss(...)`: for each curriculum, size and setting, each
 * reweighted stage's declared weights and the weights it ended with (means over seeds), and a plot
 * of every source's weight against tokens.
 */
import type { RunData } from "../rundir.js";
import { mean } from "../stats.js";
import { contextLabel, curricula, curriculumOf, seedGroups, unique } from "./cells.js";
import { DASH, type Section } from "./format.js";
import { color, type PlotSpec, type Series } from "./svg.js";

export interface ReweightRow {
  readonly curriculum: string;
  readonly context: string;
  readonly size: string;
  readonly stage: string;
  readonly seeds: number;
  readonly updates: number;
  readonly declared: Readonly<Record<string, number>>;
  /** Mean over seeds of the weights after the stage's last update. */
  readonly final: Readonly<Record<string, number>>;
}

export interface ReweightTable {
  readonly sources: readonly string[];
  readonly rows: readonly ReweightRow[];
}

export function reweightTable(run: RunData): ReweightTable {
  const cells = run.cells.filter((c) => c.reweights.length);
  const sources = unique(cells.flatMap((c) => c.reweights.flatMap((r) => Object.keys(r.weights)))).sort();
  const rows: ReweightRow[] = [];
  for (const { curriculum, context, size, cells: group } of seedGroups(run, cells)) {
    for (const stage of unique(group.flatMap((c) => c.reweights.map((r) => r.stage ?? "")))) {
      const last = group.map((c) => c.reweights.filter((r) => (r.stage ?? "") === stage)).filter((rs) => rs.length);
      const c = group[0]!.cell.curriculum;
      // A staged curriculum's stage mix, or the mix of a pace, pacing or order (stage "").
      const mixture = c.kind === "staged" ? c.stages.find((s) => s.name === stage)?.mixture : c.mixture;
      const final: Record<string, number> = {};
      for (const s of sources) {
        const xs = last.map((rs) => rs.at(-1)!.weights[s]).filter((x): x is number => x !== undefined);
        if (xs.length) final[s] = mean(xs);
      }
      rows.push({
        curriculum,
        context: contextLabel(context),
        size,
        stage,
        seeds: last.length,
        updates: Math.max(...last.map((rs) => rs.length)),
        declared: Object.fromEntries((mixture ?? []).map((p) => [p.source, p.weight])),
        final,
      });
    }
  }
  return { sources, rows };
}

const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? DASH : `${(100 * x).toFixed(1)}%`);

export function reweightSection(t: ReweightTable): Section {
  const settings = t.rows.some((r) => r.context);
  return {
    id: "reweighting",
    title: "Mixture reweighting",
    intro: [
      "Stages (or curricula) with `reweight by loss(...)` move their sampling weights during training towards the sources with the highest excess loss (docs/runtime.md, Reweighting). For each, the declared weights and the weights after its last update, as declared → final; means over seeds.",
    ],
    tables: t.rows.length
      ? [
          {
            headers: ["curriculum", ...(settings ? ["setting"] : []), "size", "stage", "seeds", "updates", ...t.sources],
            right: [settings ? 4 : 3, settings ? 5 : 4, ...t.sources.map((_, i) => i + (settings ? 6 : 5))],
            rows: t.rows.map((r) => [
              r.curriculum,
              ...(settings ? [r.context || DASH] : []),
              r.size,
              r.stage || DASH,
              String(r.seeds),
              String(r.updates),
              ...t.sources.map((s) => (r.final[s] === undefined ? DASH : `${pct(r.declared[s])} → ${pct(r.final[s])}`)),
            ]),
          },
        ]
      : [],
    notes: [],
    plots: ["plot-reweight"],
  };
}

/** Each source's weight against tokens: one line per curriculum and source, mean over its cells at each update. */
export function reweightPlot(run: RunData, table: ReweightTable): PlotSpec {
  const series: Series[] = [];
  curricula(run).forEach((cur, ci) => {
    const cells = run.cells.filter((c) => curriculumOf(c.cell) === cur && c.reweights.length);
    table.sources.forEach((src, si) => {
      const byTokens = new Map<number, number[]>();
      for (const c of cells) for (const r of c.reweights) if (r.weights[src] !== undefined) byTokens.set(r.tokens, [...(byTokens.get(r.tokens) ?? []), r.weights[src]!]);
      if (!byTokens.size) return;
      const line = [...byTokens].sort((a, b) => a[0] - b[0]).map(([x, ws]) => ({ x, y: mean(ws) }));
      series.push({ name: `${cur}: ${src}`, color: color(ci * table.sources.length + si), dashed: si % 2 === 1, line, lineWidth: 1.5 });
    });
  });
  return {
    id: "plot-reweight",
    title: "Mixture weights moved by reweighting",
    xLabel: "tokens",
    yLabel: "sampling weight",
    x: "linear",
    y: "linear",
    series,
    markers: [],
    emptyText: "no reweighting recorded",
    caption: "Each source's sampling weight after every update of a reweighted stage, mean over a curriculum's cells; sources alternate solid and dashed.",
  };
}
