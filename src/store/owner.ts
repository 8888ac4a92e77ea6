/**
 * Ownership of a run directory or of one cell: a small lock file recording who holds it (pid,
 * host, boot, process start time, role, when). It is created atomically (complete before its name
 * appears), refreshed while held (its mtime is a lease other hosts can read), released on exit,
 * and recovered when its holder is provably gone: a dead pid on this host (or a pid reused by
 * another process, or a host rebooted since), or, from another host, a lease not renewed for
 * `staleAfterMs`. The same lock serves `cgx run` (the run directory) and whoever trains a cell
 * (a local worker process now, a queue worker on any machine later): one writer at a time.
 */
import { hostname } from "node:os";
import { readFileSync, renameSync, rmSync, statSync, utimesSync, linkSync } from "node:fs";
import { createExclusive, onDisk, pidGone, tempPath } from "./durable.js";

export interface Owner {
  readonly pid: number;
  readonly host: string;
  /** Linux boot id: a pid from a previous boot of the same host is not alive. */
  readonly boot: string | null;
  /** The holder's process start time (Linux clock ticks since boot), to tell a reused pid. */
  readonly proc_start: string | null;
  /** What holds it: "cgx run", "worker", ... with the command's detail. */
  readonly role: string;
  readonly started: string;
}

/** A lease older than this, from another host, counts as abandoned. Holders renew it far more often. */
export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
/** How often a holder renews its lease (at most; renewals ride on progress and a timer). */
const RENEW_EVERY_MS = 15_000;

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

const BOOT_ID = readText("/proc/sys/kernel/random/boot_id")?.trim() ?? null;

/** Field 22 of /proc/PID/stat: the process's start time, which changes when a pid is reused. */
function procStart(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
}

export function currentOwner(role: string): Owner {
  return { pid: process.pid, host: hostname(), boot: BOOT_ID, proc_start: procStart(process.pid), role, started: new Date().toISOString() };
}

export type Holder = { readonly kind: "none" } | { readonly kind: "corrupt"; readonly text: string; readonly ageMs: number } | { readonly kind: "owner"; readonly owner: Owner; readonly ageMs: number; readonly alive: boolean; readonly why: string };

/** Whether the holder recorded in a lock file is still there, and why we think so. */
export function inspectLock(path: string, staleAfterMs = DEFAULT_STALE_AFTER_MS): Holder {
  const text = readText(path);
  if (text === null) return { kind: "none" };
  let ageMs = 0;
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch {
    return { kind: "none" };
  }
  let owner: Owner;
  try {
    owner = JSON.parse(text) as Owner;
    if (typeof owner.pid !== "number" || typeof owner.host !== "string") throw new Error("no pid");
  } catch {
    return { kind: "corrupt", text, ageMs };
  }
  const local = owner.host === hostname();
  if (local && owner.boot && BOOT_ID && owner.boot !== BOOT_ID) return { kind: "owner", owner, ageMs, alive: false, why: "this machine has rebooted since" };
  if (local) {
    if (pidGone(owner.pid)) return { kind: "owner", owner, ageMs, alive: false, why: `pid ${owner.pid} is no longer running` };
    const start = procStart(owner.pid);
    if (owner.proc_start && start && start !== owner.proc_start) return { kind: "owner", owner, ageMs, alive: false, why: `pid ${owner.pid} now belongs to another process` };
    return { kind: "owner", owner, ageMs, alive: true, why: "running" };
  }
  if (ageMs > staleAfterMs) return { kind: "owner", owner, ageMs, alive: false, why: `its lease was last renewed ${Math.round(ageMs / 1000)} s ago` };
  return { kind: "owner", owner, ageMs, alive: true, why: `lease renewed ${Math.round(ageMs / 1000)} s ago` };
}

export function describeOwner(o: Owner): string {
  return `${o.role} (pid ${o.pid} on ${o.host}, since ${o.started})`;
}

export class LockHeldError extends Error {
  constructor(
    readonly path: string,
    readonly holder: Owner,
  ) {
    super(`${path} is held by ${describeOwner(holder)}`);
  }
}

/** Locks held by this process, released when it exits however it exits short of SIGKILL. */
const held = new Set<OwnerLock>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const l of [...held]) l.release();
  });
}

export class OwnerLock {
  private lastRenew = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly text: string;

  constructor(
    readonly path: string,
    readonly owner: Owner,
  ) {
    this.text = JSON.stringify(owner, null, 2) + "\n";
    held.add(this);
    installExitHook();
    // The timer renews while the event loop is free (data loading); a training loop renews through renew().
    this.timer = setInterval(() => this.renew(true), RENEW_EVERY_MS);
    this.timer.unref();
  }

  /** True while the lock file on disk is still this process's. */
  stillOurs(): boolean {
    return readText(this.path) === this.text;
  }

  /**
   * Renews the lease (throttled unless forced) and checks the lock is still ours; throws when
   * another process has taken it, so a writer never goes on writing what it no longer owns.
   */
  renew(force = false): void {
    if (!held.has(this)) return;
    const now = Date.now();
    if (!force && now - this.lastRenew < RENEW_EVERY_MS) return;
    this.lastRenew = now;
    if (!this.stillOurs()) {
      const h = inspectLock(this.path);
      this.forget();
      throw new Error(`lost ownership of ${this.path}${h.kind === "owner" ? ` to ${describeOwner(h.owner)}` : ""}`);
    }
    try {
      utimesSync(this.path, now / 1000, now / 1000);
    } catch {
      // A missed renewal only shortens the lease; the next one retries.
    }
  }

  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void {
    if (!held.has(this)) return;
    this.forget();
    if (this.stillOurs()) rmSync(this.path, { force: true });
  }

  private forget(): void {
    held.delete(this);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export interface Acquired {
  readonly lock: OwnerLock;
  /** The previous holder, when its lock was stale and has been taken over, and why it was stale. */
  readonly recovered?: { readonly owner: Owner | null; readonly why: string };
}

/**
 * Takes the lock at `path` for `role`, recovering a stale one; throws LockHeldError naming a live
 * holder. Safe against a concurrent taker: exactly one of two racing processes gets the lock.
 */
export function acquireLock(path: string, role: string, staleAfterMs = DEFAULT_STALE_AFTER_MS): Acquired {
  const owner = currentOwner(role);
  const text = JSON.stringify(owner, null, 2) + "\n";
  let recovered: Acquired["recovered"];
  for (let attempt = 0; attempt < 20; attempt++) {
    if (createExclusive(path, text)) return { lock: new OwnerLock(path, owner), ...(recovered ? { recovered } : {}) };
    const h = inspectLock(path, staleAfterMs);
    if (h.kind === "none") continue; // released between our two looks: try again
    if (h.kind === "owner" && h.alive) throw new LockHeldError(path, h.owner);
    // Stale: move it aside under a name of our own, then check we moved the one we judged. If a
    // racing taker replaced it meanwhile, put theirs back and look again.
    const judged = h.kind === "owner" ? JSON.stringify(h.owner) : h.text;
    const aside = tempPath(`${path}.stale`);
    try {
      onDisk(path, "recover", () => renameSync(path, aside));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw e;
    }
    const moved = readText(aside);
    let movedJudged = false;
    try {
      movedJudged = moved !== null && (h.kind === "owner" ? JSON.stringify(JSON.parse(moved)) === judged : moved === judged);
    } catch {
      movedJudged = moved === judged;
    }
    if (!movedJudged) {
      try {
        linkSync(aside, path);
      } catch {
        // Someone holds it again; the one we displaced will find out at its next renewal.
      }
      rmSync(aside, { force: true });
      continue;
    }
    rmSync(aside, { force: true });
    recovered = { owner: h.kind === "owner" ? h.owner : null, why: h.kind === "owner" ? h.why : "the lock file was unreadable" };
  }
  throw new Error(`could not take ${path}: it keeps changing hands`);
}
