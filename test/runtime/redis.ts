/** A real redis-server (Debian's package, installed by scripts/setup.sh --tests) on loopback, for queue tests. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  proc: ChildProcess;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory (its append-only file brings the queue back). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function ping(port: number): boolean {
  return spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout.trim() === "PONG";
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  // Persistence on, every write flushed: a killed server loses nothing it acknowledged.
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""], { stdio: "ignore" });
  const t0 = Date.now();
  while (!ping(port)) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with code ${proc.exitCode} (is port ${port} taken?)`);
    if (Date.now() - t0 > 10_000) throw new Error("redis-server did not answer within 10 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc;
}

const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once("exit", () => r())));

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "cgx-redis-"));
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    let proc: ChildProcess;
    try {
      proc = await launch(port, dir);
    } catch {
      continue;
    }
    const server: RedisServer = {
      url: `redis://127.0.0.1:${port}`,
      port,
      dir,
      proc,
      async kill() {
        server.proc.kill("SIGKILL");
        await exited(server.proc);
      },
      async restart() {
        server.proc = await launch(port, dir);
      },
      async stop() {
        server.proc.kill("SIGTERM");
        await exited(server.proc);
      },
    };
    return server;
  }
  throw new Error("could not start redis-server on a free port");
}
