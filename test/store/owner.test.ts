import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock, inspectLock, LockHeldError } from "../../src/store/owner.js";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A pid that has just exited (so it is certainly dead here). */
function deadPid(): number {
  const r = spawnSync("node", ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("owner locks", () => {
  it("are taken once, refuse a second taker naming the holder, and are released", () => {
    const path = join(mkdtempSync(join(tmpdir(), "cgx-lock-")), "owner.lock");
    const a = acquireLock(path, "cgx run test");
    expect(a.recovered).toBeUndefined();
    const held = JSON.parse(readFileSync(path, "utf8"));
    expect(held).toMatchObject({ pid: process.pid, host: hostname(), role: "cgx run test" });
    expect(typeof held.started).toBe("string");
    let err: unknown;
    try {
      acquireLock(path, "another");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as Error).message).toContain(`cgx run test (pid ${process.pid} on ${hostname()}`);
    a.lock.release();
    expect(existsSync(path)).toBe(false);
    const b = acquireLock(path, "again");
    b.lock.release();
  });

  it("recover a dead holder's lock, a reused pid's and an unreadable one, saying why", () => {
    const dir = mkdtempSync(join(tmpdir(), "cgx-lock-"));
    const path = join(dir, "owner.lock");
    const pid = deadPid();
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), boot: null, proc_start: null, role: "cgx run", started: "2026-01-01T00:00:00Z" }));
    expect(inspectLock(path)).toMatchObject({ kind: "owner", alive: false });
    const a = acquireLock(path, "me");
    expect(a.recovered?.why).toBe(`pid ${pid} is no longer running`);
    a.lock.release();
    // Our own pid, but with another start time: the pid was reused, the holder is gone.
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), boot: null, proc_start: "1", role: "cgx run", started: "2026-01-01T00:00:00Z" }));
    const b = acquireLock(path, "me");
    expect(b.recovered?.why).toBe(`pid ${process.pid} now belongs to another process`);
    b.lock.release();
    writeFileSync(path, '{"pid": 12');
    const c = acquireLock(path, "me");
    expect(c.recovered?.why).toBe("the lock file was unreadable");
    c.lock.release();
  });

  it("held by another host: alive while its lease is renewed, stale after it lapses", () => {
    const path = join(mkdtempSync(join(tmpdir(), "cgx-lock-")), "owner.lock");
    writeFileSync(path, JSON.stringify({ pid: 1, host: "elsewhere", boot: null, proc_start: null, role: "cgx worker", started: "2026-01-01T00:00:00Z" }));
    expect(() => acquireLock(path, "me", 60_000)).toThrow(/held by cgx worker \(pid 1 on elsewhere/);
    const a = acquireLock(path, "me", -1);
    expect(a.recovered?.why).toMatch(/its lease was last renewed \d+ s ago/);
    a.lock.release();
  });

  it("go to exactly one of many processes racing for them", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cgx-lock-")), "owner.lock");
    const script = `import { acquireLock } from ${JSON.stringify(join(ROOT, "dist/src/store/owner.js"))};
      try { acquireLock(process.argv[1], "racer"); process.stdout.write("won"); setTimeout(() => {}, 1500); } catch { process.stdout.write("lost"); }`;
    const racers = Array.from({ length: 6 }, () => spawn("node", ["--input-type=module", "-e", script, path], { stdio: ["ignore", "pipe", "inherit"] }));
    const outs = await Promise.all(
      racers.map(
        (p) =>
          new Promise<string>((resolve) => {
            let s = "";
            p.stdout!.on("data", (d) => (s += d));
            p.on("exit", () => resolve(s));
          }),
      ),
    );
    expect(outs.filter((o) => o === "won")).toHaveLength(1);
    expect(outs.filter((o) => o === "lost")).toHaveLength(5);
    // The winner exited normally: its lock went with it.
    expect(existsSync(path)).toBe(false);
  });
});
