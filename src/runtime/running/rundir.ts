/**
 * The run directory: runs/<experiment>/<plan hash>/ with plan.lock.json, and per cell
 * cells/<id>/{status.json, metrics.jsonl, checkpoints/}. The analysis reads only this layout.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tryReadJson, writeAtomic, writeJsonAtomic } from "./files.js";

/** "interrupted": stopped by a signal after a whole step; it resumes from its last checkpoint. */
export type CellState = "pending" | "queued" | "running" | "interrupted" | "done" | "diverged" | "failed";

export interface CellStatus {
  readonly id: string;
  readonly label: string;
  readonly state: CellState;
  readonly step: number;
  readonly steps: number;
  readonly tokens: number;
  readonly backend: string;
  readonly updated: string;
  readonly message?: string;
}

export interface CellPaths {
  readonly dir: string;
  readonly status: string;
  readonly metrics: string;
  readonly checkpoints: string;
  /** Who trains the cell now (src/store/owner.ts). */
  readonly owner: string;
}

export function cellPaths(runDir: string, cellId: string): CellPaths {
  const dir = join(runDir, "cells", cellId);
  return { dir, status: join(dir, "status.json"), metrics: join(dir, "metrics.jsonl"), checkpoints: join(dir, "checkpoints"), owner: join(dir, "owner.lock") };
}

export function readStatus(paths: CellPaths): CellStatus | undefined {
  return tryReadJson<CellStatus>(paths.status);
}

export function writeStatus(paths: CellPaths, status: CellStatus): void {
  writeJsonAtomic(paths.status, status);
}

/** Keeps the first `lines` lines of metrics.jsonl (dropping what a killed run wrote after its checkpoint). */
export function truncateMetrics(path: string, lines: number): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, "utf8");
  const all = text.split("\n").filter((l) => l.length > 0);
  if (all.length === lines && (text === "" || text.endsWith("\n"))) return;
  // An atomic replace: a crash or a full disk here leaves either version intact.
  writeAtomic(path, all.slice(0, lines).map((l) => l + "\n").join(""));
}

export function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, "utf8").split("\n").filter((l) => l.length > 0).length;
}

export function readMetrics<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

