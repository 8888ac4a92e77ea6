/** The report's Fitter backed by the fitting module (src/analysis/fit/index.ts). */
import type { Fitter } from "./fitter.js";

export const defaultFitter: Fitter | null = null;
