/** `cgx run` on a terminal: progress bars redraw while a cell trains, also in a one-process run. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyExperiment } from "./fixtures.js";
import { allMetrics, BIN, cellIds, cellOwnerPid, checkpointCount, cgx, runDirIn, waitFor } from "./processes.js";

describe("progress on a terminal", () => {
  it("redraws the cell's bar with tokens/s many times within one cell of a one-process run", () => {
    const dir = tinyExperiment(`budget steps 3000
  control shuffled
  evaluate every 50%`);
    const log = join(mkdtempSync(join(tmpdir(), "cgx-pty-")), "typescript");
    // util-linux `script` runs the command under a pseudo-terminal and records what it draws.
    const cmd = `node ${BIN} run exp.cgx --runs runs --jobs 1 --no-report`;
    writeFileSync(log, "");
    const r = spawnSync("script", ["-qec", cmd, log], { cwd: dir, encoding: "utf8", env: { ...process.env, TERM: "xterm" } });
    expect(r.status, r.stderr).toBe(0);
    const screen = readFileSync(log, "utf8");
    const frames = screen.match(/tok\/s/g)?.length ?? 0;
    expect(frames).toBeGreaterThanOrEqual(10);
    expect(screen).toContain("ETA");
    expect(screen).toMatch(/1 done; run directory/);
  }, 120_000);

  it("Ctrl-C in a one-process run: the step finishes, the cell is interrupted, the terminal is restored and one line says how to resume", async () => {
    const dir = tinyExperiment(`budget steps 3000
  control shuffled
  evaluate every 20%`);
    const reference = cgx(dir, "run", "exp.cgx", "--runs", "reference", "--no-report");
    expect(reference.status, reference.stderr).toBe(0);
    const log = join(mkdtempSync(join(tmpdir(), "cgx-pty-")), "typescript");
    writeFileSync(log, "");
    const script = spawn("script", ["-qec", `node ${BIN} run exp.cgx --runs runs --jobs 1 --no-report`, log], { cwd: dir, env: { ...process.env, TERM: "xterm" }, stdio: "ignore" });
    const exited = new Promise<number | null>((r) => script.on("exit", (code) => r(code)));
    const runs = join(dir, "runs");
    await waitFor("the cell past its first checkpoint", () => cellIds(runs).length === 1 && checkpointCount(runs, cellIds(runs)[0]!) >= 1 && cellOwnerPid(runs, cellIds(runs)[0]!) !== undefined);
    // The signal a terminal's Ctrl-C sends, to the process training the cell (under the pseudo-terminal).
    process.kill(cellOwnerPid(runs, cellIds(runs)[0]!)!, "SIGINT");
    expect(await exited).toBe(130);
    const screen = readFileSync(log, "utf8");
    expect(screen).toContain("stopping after the current step (SIGINT); press Ctrl-C again to stop at once");
    expect(screen).toContain("stopped by SIGINT: every cell keeps its last checkpoint. Resume with: cgx run exp.cgx");
    // The bars hid the cursor; it is shown again after the last time it was hidden.
    expect(screen.lastIndexOf("\x1b[?25h")).toBeGreaterThan(screen.lastIndexOf("\x1b[?25l"));
    // And line wrapping, where the bars turned it off.
    expect(screen.lastIndexOf("\x1b[?7h")).toBeGreaterThanOrEqual(screen.lastIndexOf("\x1b[?7l"));
    const st = JSON.parse(readFileSync(join(runDirIn(runs), "cells", cellIds(runs)[0]!, "status.json"), "utf8"));
    expect(st.state).toBe("interrupted");
    const again = cgx(dir, "run", "exp.cgx", "--runs", "runs", "--no-report");
    expect(again.status, again.stderr).toBe(0);
    expect(allMetrics(runs)).toBe(allMetrics(join(dir, "reference")));
  }, 180_000);
});
