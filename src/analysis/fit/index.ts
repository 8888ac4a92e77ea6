/** The fitting module: scaling laws fitted to (x, y) tables, with bootstrap intervals. */
export { fitBroken } from "./broken.js";
export { fitChinchilla, fitPowerLaw, HUBER_DELTA } from "./laws.js";
export { readTable, TableError, type Table } from "./table.js";
export * from "./types.js";
