/** Helpers for tests that run real `cgx run` processes and interfere with them. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers.js";
import { tinyExperiment } from "./fixtures.js";

export const BIN = join(ROOT, "bin/cgx.js");

export const cgx = (cwd: string, ...args: string[]) => spawnSync("node", [BIN, ...args], { cwd, encoding: "utf8" });

export interface Running {
  readonly proc: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `cgx ARGS` in its own process group (so a test can send the group a terminal's Ctrl-C). */
export function start(cwd: string, ...args: string[]): Running {
  const proc = spawn("node", [BIN, ...args], { cwd, stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, stderr })));
  return { proc, exited };
}

/** The single run directory under a runs root (runs/<experiment>/<hash>). */
export function runDirIn(runs: string, experiment = "tiny"): string {
  const exp = join(runs, experiment);
  const hashes = existsSync(exp) ? readdirSync(exp).filter((n) => !n.startsWith(".")) : [];
  if (hashes.length !== 1) throw new Error(`expected one run directory in ${exp}, found ${hashes.length}`);
  return join(exp, hashes[0]!);
}

/** Every cell's metrics.jsonl, by cell id, as one comparable string. */
export function allMetrics(runs: string): string {
  const cells = join(runDirIn(runs), "cells");
  return readdirSync(cells)
    .sort()
    .map((id) => `${id}\n${readFileSync(join(cells, id, "metrics.jsonl"), "utf8")}`)
    .join("\n");
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The pid in a cell's owner.lock, if a process holds the cell. */
export function cellOwnerPid(runs: string, cellId: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(runDirIn(runs), "cells", cellId, "owner.lock"), "utf8")) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

export function cellIds(runs: string): string[] {
  try {
    return readdirSync(join(runDirIn(runs), "cells")).sort();
  } catch {
    return [];
  }
}

/** Checkpoints written so far for a cell. */
export function checkpointCount(runs: string, cellId: string): number {
  try {
    return readdirSync(join(runDirIn(runs), "cells", cellId, "checkpoints")).filter((d) => /^step-\d+$/.test(d)).length;
  } catch {
    return 0;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * An experiment of two cells long enough (a few seconds each) to be interfered with mid-training,
 * and the metrics of an untouched local run of it in `referenceRuns`, to compare against.
 */
export function twoLongCells(referenceRuns: string): { dir: string; reference: string } {
  const dir = tinyExperiment(`budget steps 2000
  control shuffled
  evaluate every 25%`);
  writeFileSync(join(dir, "exp.cgx"), readFileSync(join(dir, "exp.cgx"), "utf8").replace("seeds 1", "seeds 2"));
  const run = cgx(dir, "run", "exp.cgx", "--runs", referenceRuns, "--no-report");
  if (run.status !== 0) throw new Error(`the reference run failed: ${run.stderr}`);
  return { dir, reference: allMetrics(join(dir, referenceRuns)) };
}
