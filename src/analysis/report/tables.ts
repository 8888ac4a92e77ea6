/** The report's tables, built once from the analysis and rendered as Markdown or HTML. */
export type { Section, Table } from "./format.js";
import type { Interval } from "../fit/types.js";
import type { Analysis } from "./analyze.js";
import type { BenchmarkAccuracy, Proportion } from "./benchmarks.js";
import type { CompareRow } from "./compare.js";
import type { FitAnalysis, FitGroup } from "./fits.js";
import { DASH, fmt, fmtEstimate, fmtInterval, fmtRatio, fmtSig, fmtSigned, type Section, type Table } from "./format.js";
import { optimalSection } from "./optimal-tables.js";
import { usageSection } from "./usage-tables.js";
import { reweightSection } from "./reweight.js";
import { formatNumber } from "./svg.js";

function param(v: number, iv: Interval | null): string {
  return `${fmtSig(v)}${iv ? ` ${fmtInterval(iv)}` : ""}`;
}

function goodness(g: FitGroup): string[] {
  if (!g.fit) return [DASH, DASH, DASH];
  const q = g.fit.goodness;
  return [fmt(q.r2, 3), fmt(q.rmse_log, 4), q.loo_mae_log === null ? DASH : fmt(q.loo_mae_log, 4)];
}

export function fitTable(a: FitAnalysis): Table {
  const n = (g: FitGroup) => String(g.points.length);
  // Notes, then the fit's own warnings ("warning: the data bend away from a power law ..."): every caveat where the numbers are.
  const why = (g: FitGroup) => (g.error ? `${g.error.message}${g.error.help ? ` — ${g.error.help}` : ""}` : [...g.notes, ...(g.fit?.warnings ?? []).map((w) => `warning: ${w}`)].join("; "));
  if (a.law === "chinchilla") {
    return {
      headers: ["group", "n", "E", "A", "alpha", "B", "beta", "R²", "RMSE (log)", "LOO MAE (log)", "note"],
      right: [1, 7, 8, 9],
      rows: a.groups.map((g) => {
        const f = g.fit?.law === "chinchilla" ? g.fit : null;
        return [
          g.label,
          n(g),
          ...(f ? [param(f.E, f.intervals.E), param(f.A, f.intervals.A), param(f.alpha, f.intervals.alpha), param(f.B, f.intervals.B), param(f.beta, f.intervals.beta)] : [DASH, DASH, DASH, DASH, DASH]),
          ...goodness(g),
          why(g),
        ];
      }),
    };
  }
  if (a.law === "broken") {
    return {
      headers: ["group", "n", "breaks at (95% interval)", "selection", "R²", "RMSE (log)", "LOO MAE (log)", "note"],
      right: [1, 4, 5, 6],
      rows: a.groups.map((g) => {
        const f = g.fit?.law === "broken" ? g.fit : null;
        const br = f ? (f.breaks.length ? f.breaks.map((b) => `${formatNumber(b.x)}${b.interval ? ` [${formatNumber(b.interval[0])}, ${formatNumber(b.interval[1])}]` : ""}`).join("; ") : "none") : DASH;
        const h = f?.selection.heldout_largest;
        const sel = f ? `${f.selection.criterion}: ${f.selection.scores.map((s) => `${s.breaks}→${fmt(s.score, 2)}`).join(", ")}${h ? `; held-out (largest ${h.sizes}): ${h.scores.map((s) => `${s.breaks}→${fmt(s.score, 3)}`).join(", ")}` : ""}` : DASH;
        return [g.label, n(g), br, sel, ...goodness(g), why(g)];
      }),
    };
  }
  return {
    headers: ["group", "n", "E", "A", "alpha", "R²", "RMSE (log)", "LOO MAE (log)", "note"],
    right: [1, 5, 6, 7],
    rows: a.groups.map((g) => {
      const f = g.fit?.law === "power" ? g.fit : null;
      return [g.label, n(g), ...(f ? [param(f.E, f.intervals.E), param(f.A, f.intervals.A), param(f.alpha, f.intervals.alpha)] : [DASH, DASH, DASH]), ...goodness(g), why(g)];
    }),
  };
}

function compareRows(rows: readonly CompareRow[], at: "flops" | "tokens", withMetric: boolean): Table {
  return {
    headers: [
      "size",
      ...(rows.some((r) => r.context) ? ["setting"] : []),
      ...(withMetric ? ["bucket"] : []),
      "seeds",
      `at ${at === "flops" ? "FLOPs" : "tokens"}`,
      "subject loss",
      "baseline loss",
      "difference (95% CI)",
      "target loss",
      "tokens to target (subject / baseline)",
    ],
    right: (() => {
      const first = 1 + (rows.some((r) => r.context) ? 1 : 0) + (withMetric ? 1 : 0);
      return [first, first + 1, first + 2, first + 3, first + 5];
    })(),
    rows: rows.map((r) => [
      r.size,
      ...(rows.some((x) => x.context) ? [r.context] : []),
      ...(withMetric ? [r.metric] : []),
      String(r.seeds.length),
      formatNumber(r.at_value),
      fmt(r.subject_loss),
      fmt(r.baseline_loss),
      fmtEstimate(r.diff),
      fmt(r.target),
      fmtRatio(r.ratio),
    ]),
  };
}

function taskSection(a: Analysis): Section {
  const t = a.tasks;
  const settings = new Set(t.rows.map((r) => r.context)).size > 1;
  const levels = t.levels;
  const tables: Table[] = [];
  if (t.rows.length) {
    const first = settings ? 4 : 3;
    tables.push({
      title: "Final task accuracy by size (mean over seeds, 95% t-interval with two or more; per difficulty level on the right)",
      headers: ["task", "split", ...(settings ? ["setting"] : []), "size", "params", "seeds", "accuracy", "items", ...levels.map((l) => `level ${l}`)],
      right: Array.from({ length: 4 + levels.length }, (_, i) => first + i),
      rows: t.rows.map((r) => [
        r.task,
        r.split,
        ...(settings ? [r.context] : []),
        r.size,
        formatNumber(r.params),
        String(r.seeds.length),
        fmtEstimate(r.accuracy, false, 3, true),
        String(r.n),
        ...levels.map((l) => {
          const x = r.levels.find((y) => y.level === l);
          return x ? `${fmt(x.accuracy.mean)} (n=${x.n})` : DASH;
        }),
      ]),
    });
  }
  const accFits = [...a.fits, ...a.breaks].filter((f) => f.response === "error_rate");
  const breaks = accFits.flatMap((f) => f.groups.flatMap((g) => (g.fit?.law === "broken" ? g.fit.breaks.map((b) => ({ f, g, b })) : [])));
  if (breaks.length) {
    tables.push({
      title: "Breaks in accuracy (where the error rate's scaling changes)",
      headers: ["analysis", "group", "break at", "95% interval"],
      right: [2],
      rows: breaks.map(({ f, g, b }) => [f.id, g.label, formatNumber(b.x), b.interval ? `[${formatNumber(b.interval[0])}, ${formatNumber(b.interval[1])}]` : a.settings.bootstrap > 0 ? "n/a (fewer than half the bootstrap refits succeeded)" : "n/a (no bootstrap)"]),
    });
  }
  return {
    id: "tasks",
    title: "Task accuracy",
    intro: [
      "Exact-match accuracy of greedy decoding on the plan's tasks, at each finished cell's final eval. Task keys are SOURCE.MODE, with the split when it is not heldout. Fits and breaks of accuracy (in the sections above) are fitted to the error rate 1 − accuracy, which falls with size; accuracies of exactly 0 or 1 are clipped to [1/(2n), 1 − 1/(2n)] (n items) first.",
    ],
    tables,
    notes: [...t.notes, ...accFits.flatMap((f) => f.groups.filter((g) => g.error).map((g) => `${f.id}, ${g.label}: ${g.error!.message}`))],
    plots: ["plot-accuracy-params", "plot-accuracy-levels"],
  };
}

function benchmarkSection(b: BenchmarkAccuracy): Section {
  const settings = new Set(b.rows.map((r) => r.context)).size > 1;
  const p = (x: Proportion) => `${fmt(x.value)} [${fmt(x.lo)}, ${fmt(x.hi)}]`;
  const first = settings ? 3 : 2;
  return {
    id: "benchmarks",
    title: "Multiple-choice benchmarks",
    intro: [
      "Each choice is scored by the model's log-likelihood of the choice after its context (lm-eval-harness's multiple-choice scoring), at each finished cell's final eval. acc picks the choice of highest log-likelihood; acc_norm divides it by the choice's length in characters (lm-eval's acc_norm), acc_tok by its length in tokens. Brackets: 95% Wilson intervals over the items. Chance: the mean over items of 1 / number of choices; 'vs chance' says whether acc's interval lies above it, below it or covers it.",
    ],
    tables: b.rows.length
      ? [
          {
            headers: ["benchmark", ...(settings ? ["setting"] : []), "cell", "size", "params", "items", "chance", "acc", "acc_norm", "acc_tok", "vs chance"],
            right: Array.from({ length: 7 }, (_, i) => first + 1 + i),
            rows: b.rows.map((r) => [r.benchmark, ...(settings ? [r.context] : []), r.cell, r.size, formatNumber(r.params), String(r.n), fmt(r.chance), p(r.accuracy), p(r.acc_norm), p(r.acc_tok), r.versus_chance]),
          },
        ]
      : [],
    notes: [...b.notes],
    plots: [],
  };
}

export function sections(a: Analysis): Section[] {
  const out: Section[] = [];
  // Cells.
  out.push({
    id: "cells",
    title: "Cells",
    intro: [`${a.cells.finished} of ${a.cells.total} cells finished.${a.cells.missing.length ? ` Not finished: ${a.cells.missing.join(", ")}.` : ""}`],
    tables: [
      {
        headers: ["cell", "curriculum", "size", "params", "seed", "state", "final loss", "tokens", "FLOPs", "evals", "message"],
        right: [3, 4, 6, 7, 8, 9],
        rows: a.cells.list.map((c) => [
          c.label,
          c.curriculum,
          c.size,
          formatNumber(c.params),
          String(c.seed),
          c.state,
          fmt(c.final_loss),
          c.final_tokens === null ? DASH : formatNumber(c.final_tokens),
          c.final_flops === null ? DASH : formatNumber(c.final_flops),
          String(c.evals),
          c.message ?? "",
        ]),
      },
    ],
    notes: [],
    plots: [],
  });

  // Fits.
  const errorRate = (f: FitAnalysis) => (f.response === "error_rate" ? ": fitted to the error rate 1 − accuracy" : "");
  // A fit no group could make is one line saying why, not a table of dashes.
  const fitted = (f: FitAnalysis) => f.groups.some((g) => g.fit);
  const notFitted = (fs: readonly FitAnalysis[]) =>
    fs.filter((f) => !fitted(f)).map((f) => `${f.id}${f.origin === "report" ? " (standard)" : " (plan)"}: not fitted: ${[...new Set(f.groups.map((g) => (g.error ? `${g.error.message}${g.error.help ? ` — ${g.error.help}` : ""}` : "no fit")))].join("; ") || "no group has finished cells"}`);
  const fitTables: Table[] = a.fits.filter(fitted).map((f) => ({ ...fitTable(f), title: `${f.id}${f.origin === "report" ? " (standard)" : " (plan)"}${errorRate(f)}` }));
  const accuracyIntro = (fs: readonly FitAnalysis[]) =>
    fs.some((f) => f.response === "error_rate")
      ? [
          "Accuracy rises with size while these laws fall, so fits of accuracy are fitted to the error rate 1 − accuracy (final eval, per task): E is then the error floor, and the breaks are where the error rate's exponent changes. Accuracies of exactly 0 or 1 are first clipped to [1/(2n), 1 − 1/(2n)] (n items), so that every log error rate is finite.",
        ]
      : [];
  out.push({
    id: "fits",
    title: "Scaling fits",
    intro: [
      "Final heldout loss fitted as L = E + A·x^(−alpha) per group (Chinchilla: E + A/N^alpha + B/D^beta). Brackets: 95% bootstrap intervals (resampling model sizes). LOO: leave-one-size-out extrapolation error.",
      ...accuracyIntro(a.fits),
    ],
    tables: fitTables,
    notes: [...notFitted(a.fits), ...a.fits.flatMap((f) => f.notes.map((n) => `${f.id}: ${n}`))],
    plots: ["plot-loss-params", "plot-loss-flops"],
  });
  if (a.breaks.length) {
    out.push({
      id: "breaks",
      title: "Breaks (broken power laws)",
      intro: ["Critical points: where the scaling exponent changes, from a broken power law with the number of breaks chosen by the criterion shown; each break's location with its 95% bootstrap interval.", ...accuracyIntro(a.breaks)],
      tables: a.breaks.map((f) => ({ ...fitTable(f), title: `${f.id}${errorRate(f)}` })),
      notes: a.breaks.flatMap((f) => f.notes.map((n) => `${f.id}: ${n}`)),
      plots: [],
    });
  }

  if (a.tasks.present) out.push(taskSection(a));
  if (a.benchmarks.present) out.push(benchmarkSection(a.benchmarks));

  // Comparisons.
  const cmpTables: Table[] = [];
  for (const c of a.comparisons) {
    const side = (v: string) => (c.axis === "curriculum" ? v : `${c.axis}=${v}`);
    const head = `${side(c.subject)} vs ${side(c.baseline)} at equal ${c.at}${c.origin === "report" ? " (standard)" : " (plan)"}; target: ${c.target !== null ? fmt(c.target) : c.target_source}`;
    cmpTables.push({ ...compareRows(c.rows, c.at, false), title: head });
    if (c.buckets.length) cmpTables.push({ ...compareRows(c.buckets, c.at, true), title: `${side(c.subject)} vs ${side(c.baseline)} per difficulty bucket (target: the baseline's final loss in the bucket)` });
  }
  out.push({
    id: "compare",
    title: "Curriculum against baseline",
    intro: [
      "Difference = subject loss − baseline loss at equal FLOPs (or tokens), paired by seed: negative means the curriculum is better. Tokens to target: tokens the subject needs to reach the target loss over the tokens the baseline needs, interpolated on the eval curve in log tokens; below 1 means the curriculum gets there sooner. '>' marks a lower bound (the subject never reached the target within its budget), '<' an upper bound.",
    ],
    tables: cmpTables,
    notes: a.comparisons.flatMap((c) => c.notes.map((n) => `${c.subject} vs ${c.baseline}: ${n}`)),
    plots: ["plot-compare", "plot-compare-buckets"],
  });

  out.push(optimalSection(a.optimal, a.advice));

  // Stages.
  const st = a.stages;
  const bucketLabels = [...new Set(st.rows.flatMap((r) => r.buckets.map((b) => b.label)))];
  const stageTables: Table[] = [];
  if (st.rows.length) {
    stageTables.push({
      title: "Loss at each stage boundary (the eval nearest the stage end)",
      headers: ["curriculum", "stage", "ends at", "eval at", "size", ...(st.rows.some((r) => r.context) ? ["setting"] : []), "seeds", "loss", `gap vs ${st.reference?.name ?? "reference"}`, ...bucketLabels.map((b) => `loss ${b}`)],
      right: (() => {
        const s0 = st.rows.some((r) => r.context) ? 6 : 5;
        return [2, 3, ...Array.from({ length: 3 + bucketLabels.length }, (_, i) => s0 + i)];
      })(),
      rows: st.rows.map((r) => [
        r.curriculum,
        r.stage,
        formatNumber(r.stage_end),
        formatNumber(r.eval_tokens),
        r.size,
        ...(st.rows.some((x) => x.context) ? [r.context] : []),
        String(r.seeds.length),
        fmtEstimate(r.loss, false, 3, true),
        r.gap ? fmtEstimate(r.gap) : DASH,
        ...bucketLabels.map((b) => {
          const x = r.buckets.find((y) => y.label === b);
          return x ? fmt(x.loss.mean) : DASH;
        }),
      ]),
    });
  }
  for (const f of a.stage_fits.filter(fitted)) stageTables.push({ ...fitTable(f), title: `${f.id}: fitted across sizes` });
  out.push({
    id: "stages",
    title: "Per stage",
    intro: st.reference ? [`Gaps are against ${st.reference.name} (${st.reference.why}) at the same number of tokens; negative means ahead.`] : [],
    tables: stageTables,
    notes: [...st.notes, ...notFitted(a.stage_fits), ...a.stage_fits.flatMap((f) => f.notes.map((n) => `${f.id}: ${n}`))],
    plots: ["plot-stages"],
  });

  // Progression.
  const progTables: Table[] = [];
  const progNotes: string[] = [];
  for (const p of a.progression) {
    const names = [...new Set(p.sizes.flatMap((s) => s.entries.map((e) => e.name)))];
    if (p.sizes.length) {
      progTables.push({
        title: `${p.id}${p.origin === "report" ? " (standard)" : " (plan)"}: ${p.metric}`,
        headers: ["size", ...(p.sizes.some((s) => s.context) ? ["setting"] : []), p.x, ...names, "best", "margin"],
        right: (() => {
          const x0 = p.sizes.some((s) => s.context) ? 2 : 1;
          return [...Array.from({ length: 1 + names.length }, (_, i) => x0 + i), x0 + names.length + 2];
        })(),
        rows: p.sizes.map((s) => [
          s.size,
          ...(p.sizes.some((x) => x.context) ? [s.context] : []),
          formatNumber(s.x),
          ...names.map((n) => {
            const e = s.entries.find((x) => x.name === n);
            return e ? (p.y === "stage" ? fmtSigned(e.value) : fmt(e.value)) : DASH;
          }),
          s.best ?? DASH,
          fmt(s.margin),
        ]),
      });
    }
    if (p.trends.length) {
      progTables.push({
        title: `${p.id}: trend of the gap to ${p.reference?.name ?? "the reference"} across sizes, gap = a + b·log10(${p.x})`,
        headers: ["entry", ...(p.trends.some((t) => t.context) ? ["setting"] : []), "gaps by size", "a", "b per decade (95% CI)", "R²", "sign change"],
        right: p.trends.some((t) => t.context) ? [3, 4, 5] : [2, 3, 4],
        rows: p.trends.map((t) => [
          t.name,
          ...(p.trends.some((x) => x.context) ? [t.context] : []),
          t.points.map((q) => `${q.size}: ${fmtSigned(q.gap)}`).join(", "),
          t.linear ? fmtSigned(t.linear.intercept) : DASH,
          t.linear ? `${fmtSigned(t.linear.slope)}${t.linear.slope_interval ? ` [${fmtSigned(t.linear.slope_interval[0])}, ${fmtSigned(t.linear.slope_interval[1])}]` : " (2 sizes: no interval)"}` : DASH,
          t.linear?.r2 === null || t.linear === null ? DASH : fmt(t.linear.r2),
          t.crossovers.length
            ? t.crossovers
                .map((c) => `${c.kind === "observed" ? "observed" : c.within ? "trend" : "trend, extrapolated"} at ${p.x} ≈ ${formatNumber(c.x)} (${c.below === "-" ? "ahead below, behind above" : "behind below, ahead above"})`)
                .join("; ")
            : "none",
        ]),
      });
    }
    progNotes.push(...p.notes.map((n) => `${p.id}: ${n}`));
    if (p.reference) progNotes.push(`${p.id}: reference ${p.reference.name} (${p.reference.why})`);
  }
  out.push({
    id: "progression",
    title: "Progression across sizes",
    intro: ["For each size, which curriculum (or stage) is best, and how each one's gap to the reference changes with size."],
    tables: progTables,
    notes: progNotes,
    plots: ["plot-progression"],
  });
  if (a.data_used.rows.length) out.push(usageSection(a));
  if (a.reweighting.rows.length) out.push(reweightSection(a.reweighting));
  out.push({
    id: "training",
    title: "Training",
    intro: ["Training loss (lines) and heldout eval loss (circles) against tokens, one plot per size; dashed lines mark stage boundaries and growth or pruning events. Pacing: mean difficulty of the training batches against tokens, per curriculum."],
    tables: a.events.length
      ? [
          {
            title: "Growth, pruning and other events",
            headers: ["cell", "step", "tokens", "event", "detail"],
            right: [1, 2],
            rows: a.events.map((e) => [e.cell, e.step === null ? DASH : String(e.step), e.tokens === null ? DASH : formatNumber(e.tokens), e.name, e.detail]),
          },
        ]
      : [],
    notes: [],
    plots: ["plot-train-*", "plot-pacing"],
  });
  return out;
}
