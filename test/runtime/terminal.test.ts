/** `cgx run` on a terminal: progress bars redraw while a cell trains, also in a one-process run. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tinyExperiment } from "./fixtures.js";
import { BIN } from "./processes.js";

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
});
