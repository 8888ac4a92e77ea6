/** The report's Fitter backed by the fitting module (src/analysis/fit). */
import { fitBroken, fitChinchilla, fitEnvelope, fitIsoFlop, fitPowerLaw } from "../fit/index.js";
import type { Fitter } from "./fitter.js";

export const defaultFitter: Fitter = {
  powerLaw: (x, y, opts) => fitPowerLaw(x, y, opts),
  chinchilla: (n, d, y, opts) => fitChinchilla(n, d, y, opts),
  broken: (x, y, opts) => fitBroken(x, y, opts),
  isoflop: (n, c, y, opts) => fitIsoFlop(n, c, y, opts),
  envelope: (curves, opts) => fitEnvelope(curves, opts),
};
