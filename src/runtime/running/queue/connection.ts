/**
 * The Redis behind the cell queue: a `redis://HOST:PORT[/DB]` URL, the queue's name, and the
 * ioredis options BullMQ needs (commands wait through a Redis restart instead of failing).
 */
import { createHash } from "node:crypto";
import type { RedisOptions } from "bullmq";

export const QUEUE_NAME = "cgx-cells";

export class QueueUrlError extends Error {}

export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(`\`${url}\` is not a Redis URL`);
  }
  if (u.protocol !== "redis:") throw new QueueUrlError(`\`${url}\` is not a Redis URL (it should start with redis://)`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new QueueUrlError(`\`${url}\` names no database number after the port`);
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    // Wait for Redis to come back rather than fail the command (BullMQ requires null here).
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/** One job per cell of one run directory: enqueueing the same cell twice finds the same job. */
export function jobIdFor(runDir: string, cellId: string): string {
  return `${createHash("sha256").update(runDir).digest("hex").slice(0, 12)}-${cellId}`;
}

/** What a queued cell carries: enough for a worker on any machine that sees the run directory. */
export interface CellJob {
  readonly runDir: string;
  readonly cellId: string;
  readonly label: string;
  readonly backend: string;
  readonly kernels: string;
  readonly cacheDir: string;
  /** Where relative data paths in the plan resolve (the directory `cgx run` was started in). */
  readonly cwd: string;
}
