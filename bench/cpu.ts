/**
 * CPU seconds of a child node process (user + system, all its threads), which it reports itself as
 * its last line of stderr: on these shared, noisy machines CPU time varies far less than wall time.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";

const PROBE = "process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu '+(u.user+u.system)/1e6+'\\n')})";

/** Runs `node ARGS` with the probe; its output, wall seconds and CPU seconds. */
export function runNode(args: readonly string[], options: { maxBuffer?: number; timeout?: number } = {}): { out: SpawnSyncReturns<string>; wall: number; cpu: number } {
  const t0 = performance.now();
  const out = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(PROBE)}`, ...args], { encoding: "utf8", ...options });
  const wall = (performance.now() - t0) / 1000;
  const m = /cpu ([\d.]+)\s*$/.exec(out.stderr);
  if (!m) throw new Error(`no CPU figure from ${args.join(" ")} (${out.status ?? out.signal}): ${out.stderr.slice(-300)}`);
  return { out, wall, cpu: Number(m[1]) };
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
