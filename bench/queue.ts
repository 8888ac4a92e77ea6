/**
 * Queue throughput: cells/hour of one experiment trained through `cgx run --queue` by 1 and by 2
 * `cgx worker`s on this machine, against a real redis-server started here (Debian's package).
 *
 *   npm run --silent bench:queue                 table
 *   npm run --silent bench:queue -- --json       one JSON object on stdout
 *   npm run --silent bench:queue -- --rounds 3 --tokens 1600k   larger cells: fixed costs weigh less
 *
 * Rounds alternate 1 and 2 workers (these machines are noisy: only figures taken side by side
 * compare); each round uses a fresh run directory and a fresh queue, with the data cache warm.
 * The wall clock is that of the `cgx run --queue` that enqueues the cells and waits for them,
 * started together with the workers: start-up, data loading and queue latency included.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url)); // dist/bench/queue.js -> repo root
const CGX = join(ROOT, "bin", "cgx.js");
const CELLS = 4;

const experiment = (tokens: string) => `experiment bench_queue {
  seeds 2
  data {
    tokenizer bytes
    context 32
    source text = files("corpus.txt", unit: line)
    difficulty length
    heldout 5%
  }
  curriculum by_length {
    stage short for 50% { mix text 100% where length < 60 }
    stage all { mix text 100% }
  }
  control shuffled like by_length
  models { shape s(layers: 2, width: 32, heads: 2) }
  budget tokens ${tokens}
  train {
    optimizer adamw(lr: 3e-3)
    batch 16
  }
}
`;

function corpus(): string {
  const words = ["the", "cat", "a", "dog", "sees", "likes", "river", "old", "man", "garden", "quiet", "after", "winter", "because", "morning"];
  let x = 11;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(Array.from({ length: 4 + (next() % 16) }, () => words[next() % words.length]).join(" ") + ".");
  return lines.join("\n") + "\n";
}

function sh(args: string[], cwd: string): void {
  const r = spawnSync(process.execPath, [CGX, ...args], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cgx ${args.join(" ")} failed: ${r.stderr.slice(-2000)}`);
}

const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once("exit", (c) => r(c))));

async function redisOn(port: number, dir: string): Promise<ChildProcess> {
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  proc.on("error", () => undefined);
  for (let i = 0; i < 200; i++) {
    if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG") return proc;
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("redis-server did not start: install it (scripts/setup.sh --tests does) and check the port is free");
}

async function round(dir: string, url: string, workers: number, tag: string): Promise<number> {
  const t0 = performance.now();
  const follow = spawn(process.execPath, [CGX, "run", "exp.cgx", "--queue", url, "--out", join(dir, `runs-${tag}`), "--cache", join(dir, "cache"), "--no-report"], { cwd: dir, stdio: "ignore" });
  const ws = Array.from({ length: workers }, () => spawn(process.execPath, [CGX, "worker", url, "--idle-exit", "2"], { cwd: dir, stdio: "ignore" }));
  const code = await exited(follow);
  const wall = (performance.now() - t0) / 1000;
  await Promise.all(ws.map(exited));
  if (code !== 0) throw new Error(`cgx run --queue exited ${code}`);
  return wall;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: "string", default: "2" }, tokens: { type: "string", default: "400k" }, json: { type: "boolean", default: false } } });
  const rounds = Number(values.rounds);
  const log = (s: string) => (values.json ? process.stderr.write(s + "\n") : console.log(s));
  const dir = mkdtempSync(join(tmpdir(), "cgx-bench-queue-"));
  writeFileSync(join(dir, "corpus.txt"), corpus());
  writeFileSync(join(dir, "exp.cgx"), experiment(values.tokens));
  const port = 30000 + Math.floor(Math.random() * 20000);
  const redis = await redisOn(port, dir);
  const url = `redis://127.0.0.1:${port}`;
  try {
    log("filling the data cache with a local run");
    sh(["run", "exp.cgx", "--runs", join(dir, "warm"), "--cache", join(dir, "cache"), "--no-report", "--jobs", "1", "--cells", "0"], dir);
    const walls = new Map<number, number[]>([
      [1, []],
      [2, []],
    ]);
    for (let r = 1; r <= rounds; r++) {
      for (const [workers, times] of walls) {
        const wall = await round(dir, url, workers, `w${workers}-r${r}`);
        times.push(wall);
        log(`round ${r}/${rounds}: ${workers} worker${workers === 1 ? "" : "s"}, ${CELLS} cells: ${wall.toFixed(1)} s`);
      }
    }
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = Math.floor(s.length / 2);
      return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    const result = [...walls].map(([workers, times]) => ({ workers, cells: CELLS, wall_s: Number(median(times).toFixed(1)), cells_per_hour: Math.round((CELLS * 3600) / median(times)), rounds_wall_s: times.map((t) => Number(t.toFixed(1))) }));
    const speedup = result[1]!.cells_per_hour / result[0]!.cells_per_hour;
    if (values.json) console.log(JSON.stringify({ bench: "queue", tokens_per_cell: values.tokens, load: loadavg()[0], runs: result, speedup: Number(speedup.toFixed(2)) }));
    else {
      console.log(`cells/hour through the Redis queue, ${CELLS} cells (2 layers, width 32, ${values.tokens} tokens each), median of ${rounds} round(s); load ${loadavg()[0]!.toFixed(2)}`);
      for (const r of result) console.log(`  ${r.workers} worker${r.workers === 1 ? " " : "s"}: ${String(r.cells_per_hour).padStart(6)} cells/hour (${r.wall_s} s)`);
      console.log(`  2 workers / 1 worker: ${speedup.toFixed(2)}x (target about 2x)`);
    }
  } finally {
    redis.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
