/**
 * The contract of the fitting module (implemented in this folder, used by the report and by
 * `cgx fit`). All fits are pure functions of their data and a seed.
 */

/** A 95% interval (2.5th and 97.5th percentiles of the bootstrap distribution). */
export type Interval = readonly [number, number];

export interface FitOptions {
  /** Bootstrap replicates for intervals; 0 disables them. Default 200. */
  readonly bootstrap?: number;
  /**
   * Resampling units: points with the same group id are resampled together (e.g. one id per
   * cell or per model size, so seeds of a cell move together). Default: every point its own unit.
   */
  readonly groups?: readonly (string | number)[];
  readonly seed?: number;
  /**
   * Huber delta on log y. Default: 1e-3 for the Chinchilla law (Hoffmann et al.'s choice), and
   * Infinity (least squares on log y) for the power law, whose seed noise is close to Gaussian on
   * the log scale: there least squares recovers alpha about twice as precisely (see laws.ts).
   * The broken power law is always least squares (BIC needs its Gaussian likelihood).
   */
  readonly huberDelta?: number;
  /** Leave-one-unit-out error in Goodness (a refit per unit). Default true; false gives null, for speed. */
  readonly loo?: boolean;
  /** Column names for messages, e.g. { x: "params", y: "loss" }. Default x, x2, y. */
  readonly labels?: { readonly x?: string; readonly x2?: string; readonly y?: string };
}

/** Options of the broken power law. */
export interface BrokenFitOptions extends FitOptions {
  /** Largest number of breaks tried (0..maxBreaks). Default 2. */
  readonly maxBreaks?: number;
  /** How the number of breaks is chosen. Default "bic". */
  readonly criterion?: "bic" | "heldout";
}

export interface Goodness {
  readonly n: number;
  /** R^2 of log(loss) (or of the response) explained by the fit. */
  readonly r2: number;
  /** Root mean squared error in log space. */
  readonly rmse_log: number;
  /**
   * Leave-one-out extrapolation error: each unit (group) left out in turn, refit, and the mean
   * absolute log error on the held-out points. null when there are too few units.
   */
  readonly loo_mae_log: number | null;
}

/** L = E + A x^(-alpha) */
export interface PowerLawFit {
  readonly law: "power";
  readonly E: number;
  readonly A: number;
  readonly alpha: number;
  readonly intervals: { readonly E: Interval | null; readonly A: Interval | null; readonly alpha: Interval | null };
  readonly goodness: Goodness;
  /** Why the fit may be wrong or say little (lack of fit, a parameter at its bound, too few sizes, a bad interval); empty when none applies. */
  readonly warnings: readonly string[];
}

/** L = E + A / N^alpha + B / D^beta, fitted as Hoffmann et al. 2022 (Huber loss on log-loss, grid of starts). */
export interface ChinchillaFit {
  readonly law: "chinchilla";
  readonly E: number;
  readonly A: number;
  readonly alpha: number;
  readonly B: number;
  readonly beta: number;
  readonly intervals: { readonly [K in "E" | "A" | "alpha" | "B" | "beta"]: Interval | null };
  readonly goodness: Goodness;
  readonly warnings: readonly string[];
  /**
   * The compute-optimal allocation the law implies (Hoffmann et al. 2022, approach 3): minimising
   * L(N, D) under C = kappa N D gives N_opt = G (C/kappa)^a and D_opt = (C/kappa)^b / G, with
   * a = beta/(alpha+beta), b = alpha/(alpha+beta), G = (alpha A / (beta B))^(1/(alpha+beta)).
   */
  readonly optimal: ParametricOptimum;
}

export interface ParametricOptimum {
  readonly a: number;
  readonly b: number;
  readonly G: number;
  readonly intervals: { readonly a: Interval | null; readonly b: Interval | null; readonly G: Interval | null };
  /** Bootstrap draws of (ln G, a), for frontiers at any kappa (frontier.ts). */
  readonly draws: readonly (readonly [number, number])[];
  readonly tried: number;
}

/** A compute-optimal frontier y_opt(C) = k C^exponent (frontier.ts). */
export interface PowerFrontier {
  readonly k: number;
  readonly exponent: number;
  readonly intervals: { readonly k: Interval | null; readonly exponent: Interval | null };
  /** Bootstrap draws of (ln k, exponent): intervals of predictions and of differences. */
  readonly draws: readonly (readonly [number, number])[];
  readonly tried: number;
}

/** One compute budget of an IsoFLOP design: loss against log model size, a parabola, its minimum. */
export interface IsoFlopBudget {
  /** The budget: the geometric mean of the FLOPs of its points (within 10% of each other). */
  readonly flops: number;
  readonly points: number;
  readonly sizes: number;
  /** Smallest and largest model size trained at this budget. */
  readonly range: readonly [number, number];
  /** Smallest and largest size fitted: the WINDOW sizes around the lowest loss (isoflop.ts), or all. */
  readonly window: readonly [number, number];
  /** L = c0 + c1 ln N + c2 (ln N)^2; null with fewer than 3 sizes. */
  readonly parabola: { readonly c0: number; readonly c1: number; readonly c2: number } | null;
  /** The parabola's minimum; null when it curves down (no minimum). */
  readonly n_opt: number | null;
  readonly d_opt: number | null;
  readonly loss_opt: number | null;
  readonly intervals: { readonly n_opt: Interval | null; readonly loss_opt: Interval | null };
  /** Whether the minimum lies between the smallest and largest size. */
  readonly inside: boolean;
  readonly warnings: readonly string[];
}

/** Hoffmann et al.'s approach 2: IsoFLOP profiles, and the frontier through their minima. */
export interface IsoFlopFit {
  readonly law: "isoflop";
  readonly budgets: readonly IsoFlopBudget[];
  /** N_opt = k C^a over the budgets with a minimum; null with fewer than two. */
  readonly n_opt: PowerFrontier | null;
  /** D_opt = k C^b. */
  readonly d_opt: PowerFrontier | null;
  /** The minimum loss, as a power of C (for interpolation between budgets, not a law). */
  readonly loss_opt: PowerFrontier | null;
  readonly flops_range: readonly [number, number];
  /** How D_opt was found: from a tokens column, or as C / (6 N). */
  readonly tokens_from: "column" | "6ND";
  readonly warnings: readonly string[];
}

/** Hoffmann et al.'s approach 1: the lowest loss reached at each compute over all training curves. */
export interface EnvelopeFit {
  readonly law: "envelope";
  /** The envelope: at each compute on a log grid, the curve with the lowest loss there. */
  readonly points: readonly { readonly flops: number; readonly params: number; readonly tokens: number; readonly loss: number }[];
  readonly n_opt: PowerFrontier | null;
  readonly d_opt: PowerFrontier | null;
  readonly flops_range: readonly [number, number];
  readonly warnings: readonly string[];
}

export interface Break {
  /** Location on the x axis (same units as x). */
  readonly x: number;
  readonly interval: Interval | null;
}

/**
 * A broken power law (Caballero et al. 2022): y = a + b x^(-c0) prod_i (1 + (x / d_i)^(1/f_i))^(-c_i f_i),
 * with the number of breaks chosen by an information criterion or held-out error.
 */
export interface BrokenFit {
  readonly law: "broken";
  readonly breaks: readonly Break[];
  /** The fitted parameters by name: a, b, c0, and c_i, d_i, f_i for each break i (1-based). */
  readonly params: Readonly<Record<string, number>>;
  readonly selection: {
    readonly criterion: "bic" | "heldout";
    /** The criterion's score per number of breaks. */
    readonly scores: readonly { readonly breaks: number; readonly score: number }[];
    /** Mean absolute log error on the largest sizes when refitted without them, per number of breaks; null when too few sizes. */
    readonly heldout_largest: { readonly sizes: number; readonly scores: readonly { readonly breaks: number; readonly score: number }[] } | null;
    /** The number of breaks used: the criterion's choice, or fewer when they extrapolate clearly better. */
    readonly chosen: number;
  };
  readonly goodness: Goodness;
  readonly warnings: readonly string[];
}

export type AnyFit = PowerLawFit | ChinchillaFit | BrokenFit;
export type OptimumFit = IsoFlopFit | EnvelopeFit;

/** Degenerate input: fewer points than parameters, flat or non-finite data, one size only. */
export class FitError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}
