/** The report's Fitter backed by the fitting module (src/analysis/fit). */
import { fitBroken, fitChinchilla, fitPowerLaw } from "../fit/index.js";
import type { Fitter } from "./fitter.js";

export const defaultFitter: Fitter = {
  powerLaw: (x, y, opts) => fitPowerLaw(x, y, opts),
  chinchilla: (n, d, y, opts) => fitChinchilla(n, d, y, opts),
  broken: (x, y, opts) => fitBroken(x, y, opts),
};
