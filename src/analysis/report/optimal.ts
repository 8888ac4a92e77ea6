/**
 * The compute-optimal analysis of a run: per curriculum (and per any other varied axis but the
 * budget), Hoffmann et al. 2022's three approaches side by side: (1) the minimum-loss envelope over
 * the training curves, (2) IsoFLOP profiles, (3) the parametric L(N, D) law. Each gives
 * N_opt = k C^a and D_opt = k' C^b with bootstrap intervals; each curriculum's frontier is then
 * compared with the baseline's (the exponent's difference, and the ratio of N_opt at a reference
 * compute, with intervals). Runs only when the design trains some size at several budgets: with one
 * budget per size, size and tokens move together and no frontier can be told from the data.
 */
import { excludes, frontierDifference, parametricFrontiers, type FrontierDifference } from "../fit/frontier.js";
import { budgetClusters } from "../fit/isoflop.js";
import type { ChinchillaFit, EnvelopeFit, Interval, IsoFlopFit, PowerFrontier } from "../fit/types.js";
import type { RunData } from "../rundir.js";
import { curriculumOf, groupValue, unique, variedAxes } from "./cells.js";
import { fitFailure, type Fitter } from "./fitter.js";

export type Approach = "envelope" | "isoflop" | "parametric";
export const APPROACHES: readonly Approach[] = ["envelope", "isoflop", "parametric"];
export const APPROACH_NAMES: Readonly<Record<Approach, string>> = {
  envelope: "1: minimum-loss envelope",
  isoflop: "2: IsoFLOP profiles",
  parametric: "3: parametric L(N, D)",
};

/** One approach's result for a group: its frontiers, or why it could not be made. */
export interface ApproachResult {
  readonly approach: Approach;
  readonly n_opt: PowerFrontier | null;
  readonly d_opt: PowerFrontier | null;
  readonly error: { readonly message: string; readonly help: string } | null;
  readonly warnings: readonly string[];
}

export interface OptimalGroup {
  /** The group's values of the grouping keys (curriculum first). */
  readonly key: Readonly<Record<string, string>>;
  readonly label: string;
  readonly curriculum: string;
  readonly runs: number;
  /** The group's finished runs; `budget` indexes the IsoFLOP budgets (budgetClusters' order). */
  readonly points: readonly { readonly label: string; readonly params: number; readonly tokens: number; readonly flops: number; readonly loss: number; readonly budget: number }[];
  /** FLOPs per (parameter x token) of the group's runs (median): C = kappa N D. */
  readonly kappa: number;
  readonly flops_range: readonly [number, number];
  readonly approaches: readonly ApproachResult[];
  readonly isoflop: IsoFlopFit | null;
  readonly envelope: EnvelopeFit | null;
  readonly parametric: ChinchillaFit | null;
}

/** How one group's frontier differs from the baseline group's, per approach. */
export interface FrontierShift {
  readonly subject: string;
  readonly baseline: string;
  readonly approach: Approach;
  readonly n_opt: FrontierDifference;
  /** Whether the exponent's interval excludes 0, and the N_opt ratio's excludes 1. */
  readonly shifts_exponent: boolean;
  readonly shifts_frontier: boolean;
}

export interface OptimalAnalysis {
  /** Whether the analysis ran; when not, `notes` says why. */
  readonly ran: boolean;
  readonly by: readonly string[];
  readonly groups: readonly OptimalGroup[];
  readonly baseline: string | null;
  /** Compute at which frontiers are compared: the geometric middle of the budgets trained. */
  readonly reference_flops: number | null;
  readonly shifts: readonly FrontierShift[];
  readonly notes: readonly string[];
}

interface Row {
  readonly id: string;
  readonly label: string;
  readonly params: number;
  readonly tokens: number;
  readonly flops: number;
  readonly loss: number;
  readonly curve: readonly { flops: number; tokens: number; loss: number }[];
}

/** Whether some size (with every other setting equal) is trained at two or more budgets. */
export function variesBudget(run: RunData): boolean {
  const budgets = new Map<string, Set<number>>();
  for (const c of run.plan.cells) {
    const others = Object.entries(c.axes)
      .filter(([k]) => k !== "budget")
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const key = `${c.model.params}|${others}|${c.seed}`;
    if (!budgets.has(key)) budgets.set(key, new Set());
    budgets.get(key)!.add(c.budget.tokens);
  }
  return [...budgets.values()].some((s) => s.size >= 2);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface OptimalSettings {
  readonly fitter: Fitter | null;
  readonly bootstrap: number;
  readonly seed: number;
}

export function runOptimal(run: RunData, settings: OptimalSettings): OptimalAnalysis {
  const by = ["curriculum", ...variedAxes(run).filter((a) => a !== "budget")];
  const empty = (note: string): OptimalAnalysis => ({ ran: false, by, groups: [], baseline: null, reference_flops: null, shifts: [], notes: [note] });
  if (!variesBudget(run)) return empty("no compute-optimal analysis: every model size is trained at one budget, so size and tokens move together; vary the budget (`vary { budget [...] }`) to find the frontier");
  if (!settings.fitter) return empty("no compute-optimal analysis: the fitting module is not available");
  const fitter = settings.fitter;

  const grouped = new Map<string, { key: Record<string, string>; rows: Row[] }>();
  for (const c of run.cells) {
    const last = c.evals.at(-1);
    if (!c.finished || !last || !(last.loss > 0)) continue;
    const key: Record<string, string> = {};
    for (const k of by) key[k] = groupValue(c.cell, k) ?? "";
    const id = by.map((k) => `${k}=${key[k]}`).join(",");
    if (!grouped.has(id)) grouped.set(id, { key, rows: [] });
    const curve = c.evals.filter((e) => e.flops > 0 && e.tokens > 0 && e.loss > 0).map((e) => ({ flops: e.flops, tokens: e.tokens, loss: e.loss }));
    grouped.get(id)!.rows.push({ id: c.cell.id, label: c.cell.label, params: c.cell.model.params, tokens: last.tokens, flops: last.flops, loss: last.loss, curve });
  }
  const groups: OptimalGroup[] = [];
  let gi = 0;
  for (const { key, rows } of grouped.values()) {
    const seed = settings.seed + 7919 * gi++;
    groups.push(optimalGroup(fitter, key, rows, settings.bootstrap, seed));
  }
  const notes: string[] = [];
  if (!groups.length) notes.push("no finished cell to analyse");

  // Every group's frontier against the baseline's, at the middle of the budgets trained.
  const curricula = unique(run.plan.cells.map(curriculumOf));
  const shuffled = run.plan.cells.find((c) => c.curriculum.kind === "shuffled");
  const baseline = shuffled ? curriculumOf(shuffled) : (curricula[0] ?? null);
  const all = groups.flatMap((g) => [g.flops_range[0], g.flops_range[1]]);
  const reference = all.length ? Math.sqrt(Math.min(...all) * Math.max(...all)) : null;
  const shifts: FrontierShift[] = [];
  if (baseline && reference) {
    const rest = (g: OptimalGroup) => JSON.stringify(Object.entries(g.key).filter(([k]) => k !== "curriculum"));
    for (const g of groups) {
      if (g.curriculum === baseline) continue;
      const base = groups.find((b) => b.curriculum === baseline && rest(b) === rest(g));
      if (!base) continue;
      for (const ap of APPROACHES) {
        const s = g.approaches.find((x) => x.approach === ap)?.n_opt;
        const b = base.approaches.find((x) => x.approach === ap)?.n_opt;
        if (!s || !b) continue;
        const d = frontierDifference(s, b, reference);
        shifts.push({ subject: g.label, baseline: base.label, approach: ap, n_opt: d, shifts_exponent: excludes(d.exponent_interval, 0), shifts_frontier: excludes(d.ratio_interval, 1) });
      }
    }
  }
  if (groups.length && curricula.length > 1 && !baseline) notes.push("no baseline curriculum to compare frontiers with");
  notes.push(
    "approach 1 reads intermediate evaluations of runs whose learning rate had not finished decaying; those losses are above what a run of that length would reach, so its frontier is the least reliable of the three here (Hoffmann et al. trained four horizons per size for it)",
  );
  return { ran: true, by, groups, baseline, reference_flops: reference, shifts, notes };
}

function optimalGroup(fitter: Fitter, key: Record<string, string>, rows: readonly Row[], bootstrap: number, seed: number): OptimalGroup {
  const label = Object.entries(key)
    .map(([k, v]) => (k === "curriculum" ? v : `${k}=${v}`))
    .join(", ");
  const kappa = rows.length ? median(rows.map((r) => r.flops / (r.params * r.tokens))) : 6;
  const flops = rows.map((r) => r.flops);
  const range = [Math.min(...flops), Math.max(...flops)] as const;
  const approaches: ApproachResult[] = [];
  const attempt = <T>(approach: Approach, f: () => T, frontiers: (t: T) => { n: PowerFrontier | null; d: PowerFrontier | null; warnings: readonly string[] }): T | null => {
    try {
      const t = f();
      const fr = frontiers(t);
      approaches.push({ approach, n_opt: fr.n, d_opt: fr.d, error: null, warnings: fr.warnings });
      return t;
    } catch (e) {
      approaches.push({ approach, n_opt: null, d_opt: null, error: fitFailure(e), warnings: [] });
      return null;
    }
  };
  const envelope = attempt(
    "envelope",
    () => fitter.envelope(rows.map((r) => ({ params: r.params, points: r.curve })), { bootstrap, seed }),
    (f) => ({ n: f.n_opt, d: f.d_opt, warnings: f.warnings }),
  );
  const isoflop = attempt(
    "isoflop",
    () =>
      fitter.isoflop(
        rows.map((r) => r.params),
        flops,
        rows.map((r) => r.loss),
        { bootstrap, seed: seed + 1, tokens: rows.map((r) => r.tokens) },
      ),
    (f) => ({ n: f.n_opt, d: f.d_opt, warnings: f.warnings }),
  );
  const parametric = attempt(
    "parametric",
    () =>
      fitter.chinchilla(
        rows.map((r) => r.params),
        rows.map((r) => r.tokens),
        rows.map((r) => r.loss),
        { bootstrap: Math.min(bootstrap, 100), seed: seed + 2, loo: false, groups: rows.map((r) => r.id), labels: { x: "params", x2: "tokens", y: "loss" } },
      ),
    (f) => {
      const fr = parametricFrontiers(f.optimal, kappa);
      return { n: fr.n_opt, d: fr.d_opt, warnings: f.warnings };
    },
  );
  const budgetOf = new Map<number, number>();
  budgetClusters(flops).forEach((members, b) => members.forEach((i) => budgetOf.set(i, b)));
  const points = rows.map((r, i) => ({ label: r.label, params: r.params, tokens: r.tokens, flops: r.flops, loss: r.loss, budget: budgetOf.get(i)! }));
  return { key, label, curriculum: key["curriculum"] ?? "", runs: rows.length, points, kappa, flops_range: range, approaches, isoflop, envelope, parametric };
}

/** The approach advice and comparisons lean on: IsoFLOP profiles when they gave a frontier, then the parametric law, then the envelope. */
export function preferredApproach(g: OptimalGroup): ApproachResult | null {
  for (const ap of ["isoflop", "parametric", "envelope"] as const) {
    const r = g.approaches.find((x) => x.approach === ap);
    if (r?.n_opt) return r;
  }
  return null;
}

export type { Interval };
