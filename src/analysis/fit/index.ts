/** The fitting module: scaling laws fitted to (x, y) tables, with bootstrap intervals, and compute-optimal frontiers. */
export { fitBroken } from "./broken.js";
export { fitEnvelope, type Curve, type CurvePoint } from "./envelope.js";
export { excludes, frontierAt, frontierDifference, frontierIntervalAt, parametricFrontiers, type FrontierDifference } from "./frontier.js";
export { fitIsoFlop } from "./isoflop.js";
export { fitChinchilla, fitPowerLaw, HUBER_DELTA } from "./laws.js";
export { readTable, TableError, type Table } from "./table.js";
export * from "./types.js";
