/**
 * Advice for a compute budget C: per curriculum (group), the compute-optimal model size and tokens
 * at C with intervals, from the preferred approach (optimal.ts), the loss it is expected to reach,
 * and the curriculum with the lowest. Warns when C lies beyond the budgets trained (more than a
 * decade is a long extrapolation) and when the approaches disagree.
 */
import { frontierAt, frontierIntervalAt, shortNumber as sig } from "../fit/frontier.js";
import type { Interval } from "../fit/types.js";
import { APPROACH_NAMES, preferredApproach, type Approach, type OptimalAnalysis } from "./optimal.js";

export interface AdviceRow {
  readonly group: string;
  readonly curriculum: string;
  readonly approach: Approach;
  readonly params: number;
  readonly params_interval: Interval | null;
  readonly tokens: number;
  readonly tokens_interval: Interval | null;
  /** Expected loss at the optimum: the IsoFLOP minima's trend when the frontier is IsoFLOP's, else the parametric law (else the minima's trend); null when neither is available. */
  readonly loss: number | null;
  readonly loss_interval: Interval | null;
  readonly loss_from: "isoflop minima" | "parametric law" | null;
  /** N_opt at C by every approach that gave a frontier. */
  readonly by_approach: Readonly<Partial<Record<Approach, number>>>;
}

export interface Advice {
  readonly flops: number;
  readonly rows: readonly AdviceRow[];
  /** The group with the lowest expected loss; null when no loss could be predicted. */
  readonly recommended: string | null;
  readonly why: string;
  readonly warnings: readonly string[];
}

export function advise(a: OptimalAnalysis, flops: number): Advice {
  const warnings: string[] = [];
  const rows: AdviceRow[] = [];
  // One approach for every group where possible, so that their sizes and losses compare like with like.
  const shared = (["isoflop", "parametric", "envelope"] as const).find((ap) => a.groups.length > 0 && a.groups.every((g) => g.approaches.some((r) => r.approach === ap && r.n_opt)));
  if (!shared && a.groups.length > 1) warnings.push("no approach gave a frontier for every group, so groups are advised by different approaches and their losses compare less well");
  for (const g of a.groups) {
    const pref = (shared ? g.approaches.find((r) => r.approach === shared) : undefined) ?? preferredApproach(g);
    if (!pref || !pref.n_opt || !pref.d_opt) continue;
    const byApproach: Partial<Record<Approach, number>> = {};
    for (const r of g.approaches) if (r.n_opt) byApproach[r.approach] = frontierAt(r.n_opt, flops);
    const params = frontierAt(pref.n_opt, flops);
    const tokens = frontierAt(pref.d_opt, flops);
    let loss: number | null = null;
    let lossIv: Interval | null = null;
    let lossFrom: AdviceRow["loss_from"] = null;
    if (g.isoflop?.loss_opt && (pref.approach === "isoflop" || !g.parametric)) {
      loss = frontierAt(g.isoflop.loss_opt, flops);
      lossIv = frontierIntervalAt(g.isoflop.loss_opt, flops);
      lossFrom = "isoflop minima";
    } else if (g.parametric) {
      const p = g.parametric;
      loss = p.E + p.A / params ** p.alpha + p.B / tokens ** p.beta;
      lossFrom = "parametric law";
    }
    rows.push({
      group: g.label,
      curriculum: g.curriculum,
      approach: pref.approach,
      params,
      params_interval: frontierIntervalAt(pref.n_opt, flops),
      tokens,
      tokens_interval: frontierIntervalAt(pref.d_opt, flops),
      loss,
      loss_interval: lossIv,
      loss_from: lossFrom,
      by_approach: byApproach,
    });
    const values = Object.entries(byApproach);
    if (values.length > 1) {
      const ns = values.map(([, v]) => v!);
      if (Math.max(...ns) / Math.min(...ns) > 2)
        warnings.push(`${g.label}: the approaches disagree on N_opt at this compute by more than 2x (${values.map(([k, v]) => `${APPROACH_NAMES[k as Approach]}: ${sig(v!)}`).join("; ")}); advice uses ${APPROACH_NAMES[pref.approach]}`);
    }
  }
  const ranges = a.groups.flatMap((g) => [g.flops_range[0], g.flops_range[1]]);
  if (ranges.length) {
    const lo = Math.min(...ranges);
    const hi = Math.max(...ranges);
    if (flops > 10 * hi) warnings.push(`C = ${sig(flops)} is ${Math.log10(flops / hi).toFixed(1)} decades above the largest budget trained (${sig(hi)}): the advice is a long extrapolation of the frontier`);
    else if (flops < lo / 10) warnings.push(`C = ${sig(flops)} is ${Math.log10(lo / flops).toFixed(1)} decades below the smallest budget trained (${sig(lo)}): the advice is a long extrapolation of the frontier`);
    else if (flops > hi || flops < lo) warnings.push(`C = ${sig(flops)} lies outside the budgets trained (${sig(lo)} to ${sig(hi)}), within a decade: extrapolated`);
  }
  const ranked = rows.filter((r) => r.loss !== null).sort((x, y) => x.loss! - y.loss!);
  let recommended: string | null = null;
  let why = rows.length ? "no expected loss could be predicted (neither IsoFLOP minima nor a parametric law)" : "no group has a compute-optimal frontier";
  if (ranked.length) {
    const best = ranked[0]!;
    recommended = best.group;
    if (ranked.length === 1) why = `${best.group} is the only group with an expected loss`;
    else {
      const next = ranked[1]!;
      const clear = best.loss_interval && next.loss_interval && best.loss_interval[1] < next.loss_interval[0];
      const caveat = clear
        ? ", with intervals that do not overlap"
        : best.loss_interval && next.loss_interval
          ? ", but their intervals overlap: the difference is not clear of the noise"
          : `, but without an interval for both (the parametric law gives none for its expected loss), a difference of ${(next.loss! - best.loss!).toFixed(3)} cannot be told from noise`;
      why = `${best.group} has the lowest expected loss (${best.loss!.toFixed(3)} against ${next.loss!.toFixed(3)} for ${next.group})${caveat}`;
    }
  }
  return { flops, rows, recommended, why, warnings };
}
