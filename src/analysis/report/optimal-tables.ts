/** The report's compute-optimal section: frontiers per approach, IsoFLOP minima, shifts by curriculum, and advice. */
import { frontierAt, frontierIntervalAt } from "../fit/frontier.js";
import type { Interval, PowerFrontier } from "../fit/types.js";
import type { Advice } from "./advice.js";
import { APPROACH_NAMES, type OptimalAnalysis } from "./optimal.js";
import { DASH, fmt, fmtInterval, fmtSig, fmtSigned, type Section, type Table } from "./format.js";

function withInterval(v: number, iv: Interval | null, f: (x: number) => string = (x) => fmtSig(x)): string {
  return `${f(v)}${iv ? ` ${fmtInterval(iv, f)}` : ""}`;
}

function exponent(f: PowerFrontier | null): string {
  return f ? withInterval(f.exponent, f.intervals.exponent, (x) => x.toFixed(3)) : DASH;
}

function valueAt(f: PowerFrontier | null, c: number | null): string {
  return f && c ? withInterval(frontierAt(f, c), frontierIntervalAt(f, c)) : DASH;
}

export function optimalSection(o: OptimalAnalysis, advice: Advice | null): Section {
  const tables: Table[] = [];
  const notes: string[] = [...o.notes];
  const c = o.reference_flops;
  if (o.ran && o.groups.length) {
    tables.push({
      title: `Frontiers N_opt = k·C^a and D_opt = k'·C^b, per approach${c ? `; values at C = ${fmtSig(c)} (the middle of the budgets trained)` : ""}`,
      headers: ["group", "approach", "a (95% CI)", "b (95% CI)", "N_opt at C", "D_opt at C", "warnings"],
      right: [2, 3, 4, 5],
      rows: o.groups.flatMap((g) =>
        g.approaches.map((r) => [
          g.label,
          APPROACH_NAMES[r.approach],
          r.error ? `not made: ${r.error.message}` : exponent(r.n_opt),
          r.error ? "" : exponent(r.d_opt),
          r.error ? "" : valueAt(r.n_opt, c),
          r.error ? "" : valueAt(r.d_opt, c),
          r.error ? r.error.help : r.warnings.join("; "),
        ]),
      ),
    });
    const iso = o.groups.filter((g) => g.isoflop);
    if (iso.length) {
      tables.push({
        title: "IsoFLOP profiles: the parabola's minimum in ln N at each budget",
        headers: ["group", "budget C", "runs", "sizes", "N_opt (95% CI)", "D_opt", "loss at N_opt (95% CI)", "within the sizes"],
        right: [1, 2, 3, 4, 5, 6],
        rows: iso.flatMap((g) =>
          g.isoflop!.budgets.map((b) => [
            g.label,
            fmtSig(b.flops),
            String(b.points),
            String(b.sizes),
            b.n_opt === null ? (b.parabola ? "no minimum" : "too few sizes") : withInterval(b.n_opt, b.intervals.n_opt),
            b.d_opt === null ? DASH : fmtSig(b.d_opt),
            b.loss_opt === null ? DASH : withInterval(b.loss_opt, b.intervals.loss_opt, (x) => x.toFixed(3)),
            b.n_opt === null ? DASH : b.inside ? "yes" : "no: extrapolated",
          ]),
        ),
      });
    }
    if (o.shifts.length) {
      tables.push({
        title: `Does the curriculum shift the frontier? Subject against ${o.baseline}, N_opt compared at C = ${fmtSig(c)}`,
        headers: ["subject", "baseline", "approach", "Δa (95% CI)", "N_opt ratio (95% CI)", "verdict"],
        right: [3, 4],
        rows: o.shifts.map((s) => [
          s.subject,
          s.baseline,
          APPROACH_NAMES[s.approach],
          withInterval(s.n_opt.exponent, s.n_opt.exponent_interval, (x) => fmtSigned(x, 3)),
          withInterval(s.n_opt.ratio, s.n_opt.ratio_interval, (x) => `${x.toFixed(2)}×`),
          [s.shifts_exponent ? "shifts the exponent" : null, s.shifts_frontier ? `${s.n_opt.ratio > 1 ? "larger" : "smaller"} optimal models` : null].filter(Boolean).join("; ") ||
            (s.n_opt.exponent_interval ? "no clear shift (intervals include no change)" : "no interval: cannot tell"),
        ]),
      });
    }
  }
  if (advice) {
    tables.push({
      title: `Advice for C = ${fmtSig(advice.flops)} (ten times the largest budget trained)`,
      headers: ["group", "approach", "params (95% CI)", "tokens (95% CI)", "expected loss (95% CI)", "loss from"],
      right: [2, 3, 4],
      rows: advice.rows.map((r) => [
        r.group,
        APPROACH_NAMES[r.approach],
        withInterval(r.params, r.params_interval),
        withInterval(r.tokens, r.tokens_interval),
        r.loss === null ? DASH : withInterval(r.loss, r.loss_interval, (x) => fmt(x)),
        r.loss_from ?? DASH,
      ]),
    });
    notes.push(`recommended: ${advice.recommended ?? "none"}: ${advice.why}`, ...advice.warnings.map((w) => `advice: ${w}`));
  }
  return {
    id: "optimal",
    title: "Compute-optimal frontier",
    intro: o.ran
      ? [
          "Hoffmann et al. 2022's three approaches per group: (1) the lowest loss reached at each compute over all training curves; (2) IsoFLOP profiles, a parabola in ln N per FLOP budget whose minimum is N_opt(C); (3) the parametric law L = E + A/N^alpha + B/D^beta, whose optimum under C = kappa·N·D is N_opt ∝ C^(beta/(alpha+beta)). Each frontier is a line in log-log through its optima; brackets are 95% bootstrap intervals (approach 1: resampling runs; 2: redrawing each run's loss with the residual noise pooled over budgets; 3: resampling runs). A curriculum shifts the frontier when the interval of its difference from the baseline excludes no change.",
        ]
      : [],
    tables,
    notes,
    plots: ["plot-isoflop-*", "plot-frontier"],
  };
}
