/**
 * A full disk never commits anything short: the run directory lives on a real, tiny tmpfs that is
 * filled to leave less and less room, so `cgx run` hits ENOSPC at many points (plan lock, status,
 * metrics appends, checkpoint files, the report). Each time it must exit 1 naming the path, leave
 * every file whole (each checkpoint verifies, every metrics line parses, no temporary left), and
 * resume once space is freed, ending byte-identical to a run on a roomy disk.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/store/checkpoint-format.js";
import { tinyExperiment } from "./fixtures.js";
import { allMetrics, cgx, runDirIn } from "./processes.js";

const mnt = mkdtempSync(join(tmpdir(), "cgx-tmpfs-"));
const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], { encoding: "utf8" });
const mounted = mount.status === 0;

afterAll(() => {
  if (mounted) spawnSync("umount", [mnt]);
});

/** Rewrites the filler so that about `free` bytes stay free on the tmpfs. */
function leaveFree(free: number): void {
  const filler = join(mnt, "filler");
  const current = existsSync(filler) ? statSync(filler).size : 0;
  const s = statfsSync(mnt);
  const size = Math.max(0, current + s.bavail * s.bsize - free);
  rmSync(filler, { force: true });
  writeFileSync(filler, Buffer.alloc(size));
}

/** Every committed file is whole: JSON parses, every checkpoint verifies, no temporary is left behind. */
function assertNothingShort(root: string): void {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? [join(d, n) + "/", ...walk(join(d, n))] : [join(d, n)]));
  if (!existsSync(root)) return;
  const all = walk(root);
  expect(all.filter((p) => /\.tmp-\d+/.test(p))).toEqual([]);
  for (const p of all) {
    if (p.endsWith(".json") && !p.includes("/checkpoints/")) expect(() => JSON.parse(readFileSync(p, "utf8")), p).not.toThrow();
    if (p.endsWith("metrics.jsonl")) for (const line of readFileSync(p, "utf8").split("\n").filter(Boolean)) expect(() => JSON.parse(line), p).not.toThrow();
    if (/\/checkpoints\/step-\d+\/$/.test(p)) expect(() => readCheckpoint(p.slice(0, -1)), p).not.toThrow();
  }
}

describe("a full disk", () => {
  it("fails cleanly at many points of a run, commits nothing short, and resumes to identical results", (ctx) => {
    if (!mounted) {
      // Mounting needs root (CI and the project's machines run the suite as root).
      console.warn(`SKIPPED: cannot mount a tmpfs here (${mount.stderr.trim()}); run the suite as root to test full disks`);
      ctx.skip();
    }
    const dir = tinyExperiment(`budget steps 400
  control shuffled
  evaluate every 25%`);
    writeFileSync(join(dir, "exp.cgx"), readFileSync(join(dir, "exp.cgx"), "utf8").replace("seeds 1", "seeds 2"));
    const cache = join(dir, "cache");
    const ref = cgx(dir, "run", "exp.cgx", "--runs", "reference", "--cache", cache, "--jobs", "1");
    expect(ref.status, ref.stderr).toBe(0);
    const runs = join(mnt, "runs");
    const failedAt = new Set<string>();
    let failures = 0;
    let done = false;
    for (const free of [0, 4e3, 8e3, 16e3, 24e3, 40e3, 60e3, 90e3, 130e3, 180e3, 250e3, 330e3, 420e3, 550e3, 750e3, 1e6, 2e6]) {
      leaveFree(free);
      const r = cgx(dir, "run", "exp.cgx", "--runs", runs, "--cache", cache, "--jobs", "1");
      assertNothingShort(runs);
      if (r.status === 0) {
        done = true;
        break;
      }
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).not.toContain("internal error");
      const m = /error: cannot (?:write|create|append to|flush|rename into|move|recover) (\S+): no space left on device \(ENOSPC\)/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(m![1]!.startsWith(mnt)).toBe(true);
      expect(r.stderr).toContain("free space on that disk");
      failures++;
      failedAt.add(m![1]!.split("/").at(-1)!);
    }
    console.log(`full disk: ${failures} failed runs, at ${[...failedAt].join(", ")}`);
    expect(done).toBe(true);
    // Many points of the run, in many different files (runner lock, plan lock, status, metrics, checkpoint weights).
    expect(failures).toBeGreaterThanOrEqual(8);
    expect(failedAt.size, [...failedAt].join("\n")).toBeGreaterThanOrEqual(4);
    rmSync(join(mnt, "filler"), { force: true });
    expect(allMetrics(runs)).toBe(allMetrics(join(dir, "reference")));
    const verify = cgx(dir, "status", runDirIn(runs), "--verify");
    expect(verify.status, verify.stdout).toBe(0);

    // Only the analyses change, on a full disk: the old plan lock stays whole and the run stays usable.
    const lock = join(runDirIn(runs), "plan.lock.json");
    const before = readFileSync(lock, "utf8");
    writeFileSync(join(dir, "exp.cgx"), readFileSync(join(dir, "exp.cgx"), "utf8").replace(/\}\s*$/, "  analyze {\n    fit power_law(loss ~ params)\n  }\n}\n"));
    // Room for the runner lock (a page), not for the new plan lock (three).
    leaveFree(8192);
    const full = cgx(dir, "run", "exp.cgx", "--runs", runs, "--cache", cache, "--jobs", "1");
    expect(full.status, full.stderr).toBe(1);
    expect(full.stderr).toMatch(/error: cannot write \S+plan.lock.json: no space left on device \(ENOSPC\)/);
    expect(readFileSync(lock, "utf8")).toBe(before);
    rmSync(join(mnt, "filler"), { force: true });
    const freed = cgx(dir, "run", "exp.cgx", "--runs", runs, "--cache", cache, "--jobs", "1");
    expect(freed.status, freed.stderr).toBe(0);
    expect(freed.stdout).toContain("2 of 2 cells finished");
  }, 300_000);
});
