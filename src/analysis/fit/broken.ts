/**
 * Critical points: broken power laws (Caballero et al. 2022) with 0..maxBreaks breaks, each fitted
 * by least squares on log y (a Gaussian likelihood, which BIC needs), the number of breaks chosen
 * by BIC (or by leave-one-unit-out error) with a held-out check of the largest sizes, and each
 * break's location with a bootstrap interval.
 */
import { bnslData, bnslModel, bnslNatural, breakStarts, widthBounds, type BnslData } from "./bnsl.js";
import { checkColumn, checkCount, checkSizes, checkVaries, pointIds, unitsOf } from "./data.js";
import { allIndices, bootstrap, fitFresh, goodness, leaveOneOut, percentileInterval, predictLog, refit, type LawSpec } from "./engine.js";
import { lseStarts } from "./lse.js";
import type { Solution } from "./optimize.js";
import { FitError, type BrokenFit, type BrokenFitOptions } from "./types.js";
import { fewPoints, intervalProblems, lackOfFit } from "./warnings.js";

const LAW = "broken power law";
const RUNS = 8;

function paramCount(breaks: number): number {
  return 3 + 3 * breaks;
}

function spec(d: BnslData, x: readonly number[], xLabel: string, breaks: number, base: readonly number[]): LawSpec {
  const k = paramCount(breaks);
  return {
    k,
    delta: Infinity,
    target: d.logY,
    model: (idx) => bnslModel(d, idx, breaks),
    starts: (idx) => {
      // With no break the law is the power law, whose grid (same centring) serves as is.
      if (breaks === 0) return lseStarts({ u: [d.u], logY: d.logY }, idx);
      // A start with the new break switched off (c = 0) reproduces the fit with one break fewer,
      // so adding a break never makes the fit worse.
      const [slo, shi] = widthBounds(d, idx);
      return [[...base, 0, 0, (slo + shi) / 2], ...breakStarts(d, idx, base, breaks)];
    },
    check: (idx) => {
      checkCount(idx.length, k, LAW);
      checkSizes(xLabel, x, idx, 3 + 2 * breaks, LAW);
    },
    runs: RUNS,
  };
}

interface Candidate {
  readonly breaks: number;
  readonly spec: LawSpec;
  readonly solution: Solution;
  readonly seeds: readonly (readonly number[])[];
}

/** BIC under Gaussian errors on log y: n log(RSS / n) + k log n. */
function bic(c: Candidate, n: number): number {
  const f = predictLog(c.spec, allIndices(n), c.solution.theta);
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (f[i]! - c.spec.target[i]!) ** 2;
  // Residuals below 1e-9 in log space are the solver's rounding, not fit: floored, exact fits of
  // noise-free data tie, and the penalty picks the fewest breaks.
  return n * Math.log(Math.max(rss / n, 1e-18)) + c.spec.k * Math.log(n);
}

/** A fewer-break law replaces the criterion's choice when its held-out error is at most this share of the choice's. */
const HELDOUT_MARGIN = 2 / 3;

/**
 * Each candidate refitted on all but the largest sizes (a fifth of the distinct sizes, at least
 * one), and its mean absolute log error on those. Null when too few sizes remain to fit the
 * simplest law.
 */
function extrapolationCheck(candidates: readonly Candidate[], x: readonly number[], n: number): { heldOut: number; scores: { breaks: number; score: number }[] } | null {
  const sizes = [...new Set(x)].sort((a, b) => a - b);
  const heldOut = Math.max(1, Math.floor(sizes.length / 5));
  const cut = sizes[sizes.length - heldOut]!;
  const train = allIndices(n).filter((i) => x[i]! < cut);
  const held = allIndices(n).filter((i) => x[i]! >= cut);
  const scores = candidates.map((c) => {
    try {
      c.spec.check(train);
      const theta = refit(c.spec, train, [c.solution.theta, ...c.seeds]).theta;
      const f = predictLog(c.spec, held, theta);
      return { breaks: c.breaks, score: held.reduce((s, i, j) => s + Math.abs(f[j]! - c.spec.target[i]!), 0) / held.length };
    } catch (e) {
      if (!(e instanceof FitError)) throw e;
      return { breaks: c.breaks, score: Infinity };
    }
  });
  return Number.isFinite(scores[0]!.score) ? { heldOut, scores } : null;
}

export function fitBroken(x: readonly number[], y: readonly number[], opts: BrokenFitOptions = {}): BrokenFit {
  const xLabel = opts.labels?.x ?? "x";
  const yLabel = opts.labels?.y ?? "y";
  const n = y.length;
  checkColumn(xLabel, x, n);
  checkColumn(yLabel, y, n);
  const units = unitsOf(n, opts.groups);
  const maxBreaks = opts.maxBreaks ?? 2;
  if (!Number.isInteger(maxBreaks) || maxBreaks < 0) throw new FitError(`maxBreaks must be a whole number >= 0, not ${maxBreaks}`, "e.g. 2");
  const d = bnslData(x, y);
  const all = allIndices(n);

  // Fit 0, 1, ... breaks, each from the fit with one fewer, while the data can determine them.
  const candidates: Candidate[] = [];
  for (let b = 0; b <= maxBreaks; b++) {
    const s = spec(d, x, xLabel, b, candidates[b - 1]?.solution.theta ?? []);
    if (b === 0) {
      s.check(all);
      checkVaries(yLabel, y);
    } else {
      try {
        s.check(all);
      } catch (e) {
        if (e instanceof FitError) break;
        throw e;
      }
    }
    const fresh = fitFresh(s, all);
    candidates.push({ breaks: b, spec: s, solution: fresh.solution, seeds: fresh.seeds });
  }

  const criterion = opts.criterion ?? "bic";
  const loos = new Map<number, number | null>();
  const looOf = (c: Candidate) => {
    if (!loos.has(c.breaks)) loos.set(c.breaks, leaveOneOut(c.spec, units, c.solution.theta));
    return loos.get(c.breaks) ?? null;
  };
  const scores = candidates.map((c) => ({ breaks: c.breaks, score: criterion === "bic" ? bic(c, n) : (looOf(c) ?? Infinity) }));
  if (criterion === "heldout" && !Number.isFinite(scores[0]!.score))
    throw new FitError("too few units for held-out selection of the number of breaks", 'use criterion "bic", or give more points');
  // The fewest breaks whose BIC is within 2 of the best: a smaller difference is "not worth more
  // than a bare mention" (Kass and Raftery 1995), and on planted one-break data (20 draws) the
  // plain minimum added a spurious second break twice, each time by less than 0.3.
  const best = Math.min(...scores.map((s) => s.score));
  const slack = criterion === "bic" ? 2 : 0;
  const byCriterion = candidates.find((c) => scores[c.breaks]!.score <= best + slack) ?? candidates[0]!;
  // The held-out check of the broken-neural-scaling-laws procedure: refit on all but the largest
  // sizes and score the extrapolation to them. Fewer breaks that extrapolate clearly better win:
  // an extra break that only bends the curve inside the data is what makes extrapolation fail.
  const check = extrapolationCheck(candidates, x, n);
  let chosen = byCriterion;
  let overruled: string | null = null;
  if (check) {
    const mine = check.scores[byCriterion.breaks]!.score;
    const better = candidates.filter((c) => c.breaks < byCriterion.breaks && check.scores[c.breaks]!.score <= HELDOUT_MARGIN * mine).sort((a, b) => check.scores[a.breaks]!.score - check.scores[b.breaks]!.score)[0];
    if (better) {
      overruled = `${criterion} preferred ${byCriterion.breaks} break${byCriterion.breaks === 1 ? "" : "s"}, but ${better.breaks} extrapolate${better.breaks === 1 ? "s" : ""} better to the largest ${check.heldOut} size${check.heldOut === 1 ? "" : "s"} (mean log error ${check.scores[better.breaks]!.score.toPrecision(2)} against ${mine.toPrecision(2)}); ${better.breaks} ${better.breaks === 1 ? "is" : "are"} used`;
      chosen = better;
    }
  }

  const { params, locations } = bnslNatural(d, chosen.solution.theta);
  const replicates = opts.bootstrap ?? 200;
  const perBreak: number[][] = locations.map(() => []);
  let tried = 0;
  if (replicates > 0 && chosen.breaks > 0) {
    const reps = bootstrap(chosen.spec, units, replicates, opts.seed ?? 0, [chosen.solution.theta, ...chosen.seeds]);
    tried = reps.tried;
    for (const t of reps.thetas) bnslNatural(d, t).locations.forEach((loc, k) => perBreak[k]!.push(loc));
  }
  const breaks = locations.map((loc, k) => ({ x: loc, interval: percentileInterval(perBreak[k]!, tried) }));
  const loo = criterion === "heldout" ? looOf(chosen) : opts.loo === false ? null : looOf(chosen);
  const points = pointIds([x], n);
  const fitted = predictLog(chosen.spec, all, chosen.solution.theta);
  const warnings = [
    fewPoints(points.count, chosen.spec.k, `values of ${xLabel}`),
    lackOfFit(points, x.map(Math.log), chosen.spec.target, fitted, chosen.spec.k, `a broken power law with ${chosen.breaks} break${chosen.breaks === 1 ? "" : "s"}`),
    ...intervalProblems(Object.fromEntries(breaks.map((b, i) => [`break ${i + 1}`, b.x])), Object.fromEntries(breaks.map((b, i) => [`break ${i + 1}`, b.interval]))),
    overruled,
  ].filter((w): w is string => w !== null);
  return {
    law: "broken",
    breaks,
    params,
    selection: { criterion, scores, heldout_largest: check ? { sizes: check.heldOut, scores: check.scores } : null, chosen: chosen.breaks },
    goodness: goodness(chosen.spec, chosen.solution.theta, loo, fitted),
    warnings,
  };
}
