/**
 * Data used: for each curriculum, size and setting, the share of each source's training examples
 * drawn at least once by the end of training (the `used` field of train and eval records), and
 * where the curriculum's timeline moved on data: the step a difficulty ceiling reached its top
 * (`pace_full`), stages that ended on data used (`stage_end`), and shares never reached
 * (`not_reached`), with the shares used at that point. Means over seeds.
 */
import type { CellRun, EventRecord, RunData } from "../rundir.js";
import { mean } from "../stats.js";
import { contextLabel, curricula, curriculumOf, seedGroups, unique } from "./cells.js";
import { color, type Marker, type PlotSpec, type Series } from "./svg.js";

export interface UsageMoment {
  /** `pace_full`, `stage_end STAGE` or `not_reached WHAT`. */
  readonly what: string;
  /** Mean tokens over the seeds that had it. */
  readonly tokens: number;
  /** Mean share used of each source at that point. */
  readonly used: Readonly<Record<string, number>>;
  readonly seeds: number;
}

export interface UsageRow {
  readonly curriculum: string;
  readonly context: string;
  readonly size: string;
  readonly seeds: readonly number[];
  readonly draw: "with replacement" | "without replacement";
  /** Mean share of each source used by the last record. */
  readonly final: Readonly<Record<string, number>>;
  readonly moments: readonly UsageMoment[];
}

export interface UsageTable {
  readonly sources: readonly string[];
  readonly rows: readonly UsageRow[];
  readonly notes: readonly string[];
}

const MOMENTS = new Set(["pace_full", "stage_end", "not_reached"]);

/** The last `used` a cell recorded (train or eval record). */
function finalUsed(c: CellRun): Readonly<Record<string, number>> | undefined {
  const last = [...c.train, ...c.evals].filter((r) => r.used).sort((a, b) => a.step - b.step).at(-1);
  return last?.used;
}

function momentName(e: EventRecord): string {
  const raw = e.raw;
  if (e.name === "stage_end") return `stage_end ${String(raw["stage"])}`;
  if (e.name === "not_reached") return `not_reached ${String(raw["what"])}`;
  return e.name;
}

function sharesOf(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === "object") for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === "number") out[k] = x;
  return out;
}

function meanShares(list: readonly Readonly<Record<string, number>>[], sources: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of sources) {
    const xs = list.map((u) => u[s]).filter((x): x is number => x !== undefined);
    if (xs.length) out[s] = mean(xs);
  }
  return out;
}

export function usageTable(run: RunData): UsageTable {
  const withUsage = run.cells.filter((c) => finalUsed(c) !== undefined);
  if (!withUsage.length) return { sources: [], rows: [], notes: ["no record says how much data was used (runs made before cgx recorded it)"] };
  const sources = unique(withUsage.flatMap((c) => Object.keys(finalUsed(c)!))).sort();
  const rows: UsageRow[] = seedGroups(run, withUsage).map(({ curriculum, context, size, cells: group }) => {
    const events = group.flatMap((c) => c.events.filter((e) => MOMENTS.has(e.name)).map((e) => ({ what: momentName(e), tokens: e.tokens ?? NaN, used: sharesOf(e.raw["used"]) })));
    const moments = unique(events.map((e) => e.what)).map((what) => {
      const es = events.filter((e) => e.what === what);
      return { what, tokens: mean(es.map((e) => e.tokens)), used: meanShares(es.map((e) => e.used), sources), seeds: es.length };
    });
    return {
      curriculum,
      context: contextLabel(context),
      size,
      seeds: group.map((c) => c.cell.seed),
      draw: group[0]!.cell.curriculum.draw === "without_replacement" ? "without replacement" : "with replacement",
      final: meanShares(group.map((c) => finalUsed(c)!), sources),
      moments,
    };
  });
  const notes = [
    "An example is used once it has been drawn into a training sequence at least once; a source's share is its examples used over its training examples. Drawing with replacement uses fewer distinct examples than draws.",
  ];
  return { sources, rows, notes };
}

/** Share used of each source against tokens: one line per curriculum and source, mean over its cells at each logged step. */
export function usagePlot(run: RunData, table: UsageTable): PlotSpec {
  const series: Series[] = [];
  const markers: Marker[] = [];
  curricula(run).forEach((cur, ci) => {
    const cells = run.cells.filter((c) => curriculumOf(c.cell) === cur);
    table.sources.forEach((src, si) => {
      const byTokens = new Map<number, number[]>();
      for (const c of cells) {
        for (const r of c.train) {
          const u = r.used?.[src];
          if (u !== undefined) byTokens.set(r.tokens, [...(byTokens.get(r.tokens) ?? []), u]);
        }
      }
      const line = [...byTokens].sort((a, b) => a[0] - b[0]).map(([x, us]) => ({ x, y: mean(us) }));
      // A source the curriculum never draws stays at zero: leaving it out keeps the plot readable.
      if (line.every((p) => p.y === 0)) return;
      series.push({ name: `${cur}: ${src}`, color: color(ci), dashed: si % 2 === 1, line, lineWidth: 1.5 });
    });
    for (const row of table.rows.filter((r) => r.curriculum === cur)) {
      for (const m of row.moments) if (Number.isFinite(m.tokens)) markers.push({ value: m.tokens, label: `${cur} (${row.size}): ${m.what}`, kind: "event", color: color(ci) });
    }
  });
  return {
    id: "plot-usage",
    title: "Data used: share of each source's examples drawn at least once",
    xLabel: "tokens",
    yLabel: "share used",
    x: "linear",
    y: "linear",
    series,
    markers,
    emptyText: "no usage recorded",
    caption: "Mean over a curriculum's cells at each logged step; one colour per curriculum, sources alternating solid and dashed. Dashed verticals: where a ceiling reached its top or a stage ended on data used.",
  };
}
