/**
 * Hoffmann et al. 2022, approach 2: IsoFLOP profiles. Runs are grouped by compute budget C; at each
 * budget the final loss is fitted as a parabola in ln N, whose minimum is that budget's
 * compute-optimal size N_opt(C) (and tokens D_opt(C), loss L_opt(C)). The minima across budgets
 * give the frontiers N_opt = k C^a and D_opt = k' C^b (frontier.ts).
 *
 * Intervals come from a parametric bootstrap: the sizes stay fixed (a design with one seed per
 * size keeps every size in each resample), each run's loss is redrawn as its fitted value plus
 * normal noise of the residuals' standard deviation pooled over the budgets (a profile of 5 runs
 * leaves only 2 degrees of freedom of its own), and each replicate picks its own fitting window.
 * Resampling each profile's own residuals instead covered the planted exponent in only 80% of
 * draws for a nominal 95% (test/analysis/fit/optimal.test.ts measures the coverage).
 */
import { checkColumn } from "./data.js";
import { percentileInterval } from "./engine.js";
import { frontierLine, lineFit, powerFrontier, shortNumber as fmt } from "./frontier.js";
import { gaussian, Rng } from "./rng.js";
import { FitError, type IsoFlopBudget, type IsoFlopFit, type PowerFrontier } from "./types.js";

export interface IsoFlopOptions {
  /** Bootstrap replicates (default 200; 0: no intervals). */
  readonly bootstrap?: number;
  readonly seed?: number;
  /** Tokens of each run: D_opt is then interpolated along the budget's runs instead of C / (6 N). */
  readonly tokens?: readonly number[];
}

/**
 * Sizes per profile. A parabola in ln N describes a profile only near its minimum: fitted across
 * two decades of sizes it is pulled towards the middle of the range, and a frontier through such
 * minima has too small an exponent (on a planted law with a = 0.54 and 8 sizes a factor 2 apart,
 * 0.46 over all sizes, 0.53 over the 5 around the lowest loss). So a budget with more sizes is fitted
 * on the WINDOW consecutive sizes centred on its lowest loss.
 */
export const WINDOW = 5;

/** The runs of a budget in its fitting window: the WINDOW consecutive sizes centred on the size with the lowest mean loss. */
function windowOf(idx: readonly number[], params: readonly number[], loss: (i: number) => number): number[] {
  const sizes = [...new Set(idx.map((i) => params[i]!))].sort((a, b) => a - b);
  if (sizes.length <= WINDOW) return [...idx];
  const mean = sizes.map((n) => {
    const ys = idx.filter((i) => params[i] === n).map(loss);
    return ys.reduce((a, b) => a + b, 0) / ys.length;
  });
  const best = mean.indexOf(Math.min(...mean));
  const start = Math.max(0, Math.min(sizes.length - WINDOW, best - Math.floor(WINDOW / 2)));
  const keep = new Set(sizes.slice(start, start + WINDOW));
  return idx.filter((i) => keep.has(params[i]!));
}

/** Runs whose FLOPs lie within this factor of a budget's smallest belong to that budget. */
export const BUDGET_TOLERANCE = 1.1;

/** Indices grouped into budgets: sorted by FLOPs, a new budget wherever FLOPs exceed the current one's smallest by BUDGET_TOLERANCE. */
export function budgetClusters(flops: readonly number[]): number[][] {
  const order = flops.map((_, i) => i).sort((i, j) => flops[i]! - flops[j]!);
  const out: number[][] = [];
  let lo = -Infinity;
  for (const i of order) {
    if (flops[i]! > lo * BUDGET_TOLERANCE || !out.length) {
      out.push([]);
      lo = flops[i]!;
    }
    out[out.length - 1]!.push(i);
  }
  return out;
}

/** Least squares of y on (1, u, u^2), by the normal equations on centred u. */
function quadratic(u: readonly number[], y: readonly number[]): { p0: number; p1: number; p2: number; m: number } | null {
  const n = u.length;
  let m = 0;
  for (const v of u) m += v / n;
  const S = [0, 0, 0, 0, 0];
  const T = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = u[i]! - m;
    let p = 1;
    for (let k = 0; k < 5; k++) {
      S[k]! += p;
      if (k < 3) T[k]! += p * y[i]!;
      p *= x;
    }
  }
  // Solve [[S0 S1 S2] [S1 S2 S3] [S2 S3 S4]] p = T by Cramer's rule (3 x 3, well conditioned once centred).
  const [s0, s1, s2, s3, s4] = S as [number, number, number, number, number];
  const det3 = (a: number[]) => a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) - a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) + a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!);
  const M = [s0, s1, s2, s1, s2, s3, s2, s3, s4];
  const det = det3(M);
  if (!(Math.abs(det) > 1e-12 * Math.max(1, s4 * s4 * s0))) return null;
  const col = (k: number) => M.map((v, idx) => (idx % 3 === k ? T[Math.floor(idx / 3)]! : v));
  return { p0: det3(col(0)) / det, p1: det3(col(1)) / det, p2: det3(col(2)) / det, m };
}

interface Profile {
  /** Every run of the budget. */
  readonly all: readonly number[];
  /** The runs fitted: the budget's fitting window. */
  readonly idx: readonly number[];
  readonly lnN: readonly number[];
  readonly loss: readonly number[];
  readonly fitted: readonly number[] | null;
  readonly q: { p0: number; p1: number; p2: number; m: number } | null;
}

/** The minimum (ln N*, L*) of a fitted parabola; null when it curves down or is flat. */
function minimumOf(q: { p0: number; p1: number; p2: number; m: number }): { lnN: number; loss: number } | null {
  if (!(q.p2 > 0)) return null;
  const dx = -q.p1 / (2 * q.p2);
  return { lnN: q.m + dx, loss: q.p0 - (q.p1 * q.p1) / (4 * q.p2) };
}

/**
 * IsoFLOP profiles of (params, flops, loss) runs and the compute-optimal frontiers through their
 * minima. Throws a FitError when no budget has three sizes (there is no profile to fit).
 */
export function fitIsoFlop(params: readonly number[], flops: readonly number[], loss: readonly number[], opts: IsoFlopOptions = {}): IsoFlopFit {
  const n = loss.length;
  checkColumn("params", params, n);
  checkColumn("flops", flops, n);
  checkColumn("loss", loss, n);
  if (opts.tokens) checkColumn("tokens", opts.tokens, n);
  const clusters = budgetClusters(flops);
  const profiles: Profile[] = clusters.map((all) => {
    const idx = windowOf(all, params, (i) => loss[i]!);
    const lnN = idx.map((i) => Math.log(params[i]!));
    const y = idx.map((i) => loss[i]!);
    const sizes = new Set(idx.map((i) => params[i]!)).size;
    const q = sizes >= 3 ? quadratic(lnN, y) : null;
    const fitted = q ? lnN.map((u) => q.p0 + q.p1 * (u - q.m) + q.p2 * (u - q.m) ** 2) : null;
    return { all, idx, lnN, loss: y, fitted, q };
  });
  if (!profiles.some((p) => p.q))
    throw new FitError(
      `no FLOP budget has runs at 3 or more model sizes (${clusters.length} budget${clusters.length === 1 ? "" : "s"}, at most ${Math.max(...clusters.map((c) => new Set(c.map((i) => params[i]!)).size))} sizes each): an IsoFLOP profile needs at least 3`,
      "train several sizes at each FLOP budget (`budget flops ...` with `vary { budget [...] }`); runs within 10% of each other's FLOPs count as one budget",
    );
  const gm = (idx: readonly number[]) => Math.exp(idx.reduce((s, i) => s + Math.log(flops[i]!), 0) / idx.length);
  const budgetFlops = clusters.map(gm);
  // D_opt along a budget: ln D interpolated linearly in ln N through the budget's runs (exact when
  // FLOPs per token are proportional to N), or C / (6 N) without a tokens column.
  const dLine = profiles.map((p) => (opts.tokens ? lineFit(p.lnN, p.idx.map((i) => Math.log(opts.tokens![i]!))) : null));
  const dOpt = (b: number, lnN: number): number => {
    const l = dLine[b];
    return l ? Math.exp(l.intercept + l.slope * lnN) : budgetFlops[b]! / (6 * Math.exp(lnN));
  };

  const minima = profiles.map((p) => (p.q ? minimumOf(p.q) : null));
  // The frontier goes through minima inside the sizes fitted: an extrapolated one says where the parabola points, not where the optimum is.
  const within = (b: number) => {
    const m = minima[b];
    return m !== null && m !== undefined && m.lnN >= Math.min(...profiles[b]!.lnN) && m.lnN <= Math.max(...profiles[b]!.lnN);
  };
  const used = minima.flatMap((m, b) => (m && within(b) ? [b] : []));
  const frontiers = (mins: readonly ({ lnN: number; loss: number } | null)[], which: readonly number[]) => {
    const c = which.map((b) => budgetFlops[b]!);
    return {
      n: frontierLine(
        c,
        which.map((b) => Math.exp(mins[b]!.lnN)),
      ),
      d: frontierLine(
        c,
        which.map((b) => dOpt(b, mins[b]!.lnN)),
      ),
      l: frontierLine(
        c,
        which.map((b) => mins[b]!.loss),
      ),
    };
  };

  // Parametric bootstrap with the pooled residual deviation, the window re-chosen in each replicate.
  const replicates = opts.bootstrap ?? 200;
  const rng = new Rng(opts.seed ?? 0);
  const perBudget = profiles.map(() => ({ n: [] as number[], l: [] as number[] }));
  const draws = { n: [] as [number, number][], d: [] as [number, number][], l: [] as [number, number][] };
  let rss = 0;
  let dof = 0;
  for (const p of profiles) {
    if (!p.fitted) continue;
    p.loss.forEach((y, j) => (rss += (y - p.fitted![j]!) ** 2));
    dof += p.loss.length - 3;
  }
  const degenerate = used.length > 0 && dof === 0;
  const sigma = dof > 0 ? Math.sqrt(rss / dof) : 0;
  if (!degenerate) {
    for (let r = 0; r < replicates; r++) {
      const mins = profiles.map((p, b) => {
        if (!p.q || !p.fitted || !minima[b]) return null;
        // Runs outside the window have no fitted value: their observed loss, with noise, serves only to choose the window.
        const fittedAt = new Map(p.idx.map((i, j) => [i, p.fitted![j]!]));
        const ystar = new Map(p.all.map((i) => [i, (fittedAt.get(i) ?? loss[i]!) + sigma * gaussian(rng)]));
        const lossStar = (i: number) => ystar.get(i)!;
        const idx = windowOf(p.all, params, lossStar);
        const q = quadratic(
          idx.map((i) => Math.log(params[i]!)),
          idx.map(lossStar),
        );
        const m = q ? minimumOf(q) : null;
        perBudget[b]!.n.push(m ? Math.exp(m.lnN) : NaN);
        perBudget[b]!.l.push(m ? m.loss : NaN);
        return m;
      });
      // A resample in which a budget lost its minimum would give a frontier through other budgets: it counts as failed.
      if (used.length < 2 || used.some((b) => !mins[b])) continue;
      const f = frontiers(mins, used);
      if (f.n) draws.n.push([f.n.lnk, f.n.exponent]);
      if (f.d) draws.d.push([f.d.lnk, f.d.exponent]);
      if (f.l) draws.l.push([f.l.lnk, f.l.exponent]);
    }
  }
  const tried = degenerate ? 0 : replicates;

  const warnings: string[] = [];
  const budgets: IsoFlopBudget[] = profiles.map((p, b) => {
    const sizes = [...new Set(p.all.map((i) => params[i]!))].sort((x, y) => x - y);
    const range = [sizes[0]!, sizes[sizes.length - 1]!] as const;
    const fittedSizes = [...new Set(p.idx.map((i) => params[i]!))].sort((x, y) => x - y);
    const window = [fittedSizes[0]!, fittedSizes[fittedSizes.length - 1]!] as const;
    const m = minima[b];
    const own: string[] = [];
    const at = `at C = ${fmt(budgetFlops[b]!)}`;
    if (!p.q) own.push(`${at}: only ${sizes.length} model size${sizes.length === 1 ? "" : "s"}, too few for a profile (3 needed)`);
    else if (!m) own.push(`${at}: the loss does not curve up on both sides of any size (the parabola has no minimum): the sizes trained do not bracket the optimum`);
    const inside = m !== null && m !== undefined && m.lnN >= Math.log(window[0]) && m.lnN <= Math.log(window[1]);
    if (m && !inside) own.push(`${at}: the optimum (N = ${fmt(Math.exp(m.lnN))}) lies outside the sizes fitted (${fmt(window[0])} to ${fmt(window[1])}): it is extrapolated, and left out of the frontier`);
    else if (m && sizes.length > 3) {
      // The lowest loss at the smallest or largest size: the optimum is probably not bracketed, whatever the parabola says.
      const lowest = p.all.reduce((b, i) => (loss[i]! < loss[b]! ? i : b), p.all[0]!);
      if (params[lowest] === range[0] || params[lowest] === range[1]) own.push(`${at}: the lowest loss is at the ${params[lowest] === range[0] ? "smallest" : "largest"} size trained: the optimum is probably beyond it`);
    }
    warnings.push(...own);
    return {
      flops: budgetFlops[b]!,
      points: p.all.length,
      sizes: sizes.length,
      range,
      window,
      parabola: p.q ? { c0: p.q.p0 - p.q.p1 * p.q.m + p.q.p2 * p.q.m ** 2, c1: p.q.p1 - 2 * p.q.p2 * p.q.m, c2: p.q.p2 } : null,
      n_opt: m ? Math.exp(m.lnN) : null,
      d_opt: m ? dOpt(b, m.lnN) : null,
      loss_opt: m ? m.loss : null,
      intervals: { n_opt: m ? percentileInterval(perBudget[b]!.n, tried) : null, loss_opt: m ? percentileInterval(perBudget[b]!.l, tried) : null },
      inside,
      warnings: own,
    };
  });
  if (degenerate && used.length)
    warnings.push("every profile is fitted on exactly 3 runs, so each parabola passes through its points and leaves no residual: the data cannot show their noise, and no intervals are given (train a 4th size or a second seed per budget)");
  let nOpt: PowerFrontier | null = null;
  let dOptF: PowerFrontier | null = null;
  let lOpt: PowerFrontier | null = null;
  if (used.length < 2) warnings.push(`only ${used.length} budget${used.length === 1 ? " has" : "s have"} a minimum within its sizes: no frontier (N_opt against C needs two or more budgets)`);
  else {
    const f = frontiers(minima, used);
    if (f.n) nOpt = powerFrontier(f.n, draws.n, tried);
    if (f.d) dOptF = powerFrontier(f.d, draws.d, tried);
    if (f.l) lOpt = powerFrontier(f.l, draws.l, tried);
    if (used.length === 2) warnings.push("the frontier rests on 2 budgets: a straight line through two minima, whose interval reflects only the noise of those two");
    if (tried > 0 && nOpt && nOpt.intervals.exponent === null) warnings.push("fewer than half of the bootstrap resamples kept a minimum at every budget: the minima are poorly determined and no frontier interval is given");
  }
  const fr = [Math.min(...budgetFlops), Math.max(...budgetFlops)] as const;
  return { law: "isoflop", budgets, n_opt: nOpt, d_opt: dOptF, loss_opt: lOpt, flops_range: fr, tokens_from: opts.tokens ? "column" : "6ND", warnings };
}
