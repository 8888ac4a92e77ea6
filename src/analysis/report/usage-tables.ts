/** The report's "Data used" section: how much of each source every curriculum used, and when its timeline moved on data. */
import type { Analysis } from "./analyze.js";
import { DASH, type Section } from "./format.js";
import { formatNumber } from "./svg.js";

const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? DASH : `${(100 * x).toFixed(1)}%`);

export function usageSection(a: Analysis): Section {
  const t = a.data_used;
  const settings = t.rows.some((r) => r.context);
  const right = t.sources.map((_, i) => i + (settings ? 5 : 4));
  return {
    id: "data-used",
    title: "Data used",
    intro: ["The share of each source's training examples drawn at least once by the end of training, and where a difficulty ceiling reached its top (`pace_full`) or a stage ended on data used (`stage_end`), with the shares used then. Means over seeds."],
    tables: t.rows.length
      ? [
          {
            headers: ["curriculum", ...(settings ? ["setting"] : []), "size", "seeds", "draw", ...t.sources.map((s) => `${s} used`), "timeline"],
            right,
            rows: t.rows.map((r) => [
              r.curriculum,
              ...(settings ? [r.context || DASH] : []),
              r.size,
              String(r.seeds.length),
              r.draw,
              ...t.sources.map((s) => pct(r.final[s])),
              r.moments.length
                ? r.moments.map((m) => `${m.what} at ${formatNumber(m.tokens)} tok (${Object.entries(m.used).filter(([, v]) => v > 0).map(([s, v]) => `${s} ${pct(v)}`).join(", ")})`).join("; ")
                : DASH,
            ]),
          },
        ]
      : [],
    notes: [...t.notes],
    plots: ["plot-usage"],
  };
}
