/**
 * The sandboxed BullMQ processor: each cell trains in this child process, so the worker's event
 * loop (lock renewal, stalled-job checks) never waits on a training step. The child takes the
 * cell's owner lock like any local runner, dies with its worker (Linux's parent-death signal),
 * and when a live process already owns the cell (a job delivered twice) it waits for that owner
 * and reports the cell's outcome instead of training it a second time.
 */
import { join } from "node:path";
import type { SandboxedJob } from "bullmq";
import type { Cell } from "../../../plan/types.js";
import { loadBackend, type BackendName, type KernelsChoice, type LoadedBackend } from "../../backend.js";
import { experimentDataProvider } from "../../curriculum/provider.js";
import { withBenchmarks, type DataProvider } from "../../eval/benchmark-data.js";
import { runOneCell, type PlanLock } from "../executor.js";
import { readJson } from "../files.js";
import { dieWithParent } from "../parent-death.js";
import type { CellJob } from "./connection.js";

dieWithParent();

/** The backend and data of the run this child last served: a child usually trains many cells of one run. */
let cached: { key: string; backend: LoadedBackend; cells: Map<string, Cell>; data: DataProvider } | undefined;

async function contextFor(job: CellJob) {
  const key = `${job.runDir}|${job.backend}|${job.kernels}|${job.cacheDir}|${job.cwd}`;
  if (cached?.key !== key) {
    const lock = readJson<PlanLock>(join(job.runDir, "plan.lock.json"));
    const backend = await loadBackend(job.backend as BackendName, (job.kernels === "libtensorflow" ? "auto" : job.kernels) as KernelsChoice);
    cached = { key, backend, cells: new Map(lock.plan.cells.map((c) => [c.id, c])), data: withBenchmarks(experimentDataProvider(lock.plan, { cacheDir: job.cacheDir, cwd: job.cwd }), lock.plan, { cacheDir: job.cacheDir, cwd: job.cwd }) };
  }
  return cached;
}

export default async function processCell(job: SandboxedJob<CellJob>): Promise<{ state: string; message?: string }> {
  const ctx = await contextFor(job.data);
  const cell = ctx.cells.get(job.data.cellId);
  if (!cell) throw new Error(`cell ${job.data.cellId} is not in the plan of ${job.data.runDir}`);
  const role = "cgx worker";
  let lastProgress = 0;
  for (;;) {
    const out = await runOneCell(
      cell,
      job.data.runDir,
      ctx.backend,
      ctx.data,
      (e) => {
        if (e.kind === "warn") void job.log(`warning: ${e.message}`);
        if (e.kind === "progress" && Date.now() - lastProgress > 2000) {
          lastProgress = Date.now();
          void job.updateProgress({ step: e.progress!.step, steps: e.progress!.steps, loss: e.progress!.loss });
        }
      },
      role,
    );
    // Held by a live process (this job was delivered twice): wait for it, then report the cell's outcome.
    if (out.state !== "running") return out.message ? { state: out.state, message: out.message } : { state: out.state };
    await new Promise((r) => setTimeout(r, 1000));
  }
}
