/** A worker process for `--jobs`: see workers.ts. */
import { join } from "node:path";
import type { Plan } from "../../plan/types.js";
import { loadBackend } from "../backend.js";
import { runOneCell, type PlanLock } from "./executor.js";
import { readJson } from "./files.js";
import { experimentDataProvider } from "../curriculum/provider.js";
import { withBenchmarks } from "../eval/benchmark-data.js";
import type { FromWorker, ToWorker } from "./workers.js";
import { DiskError } from "../../store/durable.js";
import { dieWithParent } from "./parent-death.js";
import { requestStop, stopRequested } from "./stop.js";

const send = (m: FromWorker) => {
  if (process.connected) process.send!(m);
};

// Die with the parent: the kernel's parent-death signal where there is one, and in any case when
// the IPC channel closes (heard within a fraction of a second: the training loop yields often).
dieWithParent();
process.on("disconnect", () => process.exit(1));
// Ctrl-C reaches the whole process group; the parent decides what stops, and tells us.
process.on("SIGINT", () => undefined);
// SIGTERM (from the system, or a scheduler): stop after the current step as the parent would ask;
// a second one, or one while no cell trains, exits at once through the exit hooks (they release the cell lock).
let training = false;
process.on("SIGTERM", () => {
  if (training && !stopRequested()) requestStop("SIGTERM");
  else process.exit(143);
});

let ctx: { plan: Plan; runDir: string; run: (id: string) => Promise<void> } | undefined;
/** Started by "warm", while the parent still checks the data, so the first cell waits less. */
let warming: ReturnType<typeof loadBackend> | undefined;

process.on("message", async (m: ToWorker) => {
  try {
    if (m.type === "warm") {
      warming = loadBackend(m.backend, m.kernels);
      // A failure is reported when "init" awaits it.
      warming.catch(() => undefined);
    } else if (m.type === "init") {
      const lock = readJson<PlanLock>(join(m.runDir, "plan.lock.json"));
      const backend = await (warming ?? loadBackend(m.backend, m.kernels));
      const data = withBenchmarks(experimentDataProvider(lock.plan, { cacheDir: m.cacheDir, cwd: m.cwd }), lock.plan, { cacheDir: m.cacheDir, cwd: m.cwd });
      const cells = new Map(lock.plan.cells.map((c) => [c.id, c]));
      ctx = {
        plan: lock.plan,
        runDir: m.runDir,
        run: async (id) => {
          let lastProgress = 0;
          const out = await runOneCell(
            cells.get(id)!,
            m.runDir,
            backend,
            data,
            (e) => {
              // Progress is throttled: IPC per step would cost more than a small model's step.
              if (e.kind === "progress") {
                const now = Date.now();
                if (now - lastProgress < 200) return;
                lastProgress = now;
              }
              const { cell: _c, ...event } = e;
              send({ type: "event", id, event });
            },
            `cgx run worker`,
          );
          send({ type: "done", id, state: out.state, ...(out.message ? { message: out.message } : {}) });
        },
      };
      send({ type: "ready" });
    } else if (m.type === "cell") {
      training = true;
      await ctx!.run(m.id);
      training = false;
    } else if (m.type === "stop") {
      requestStop(m.signal);
      if (!training) process.exit(0);
    } else {
      process.exit(0);
    }
  } catch (e) {
    const err = e as Error;
    send({ type: "fatal", message: err.message, ...(err instanceof DiskError ? { disk: { path: err.path, code: err.code, action: err.action } } : {}) });
    process.exitCode = 1;
    process.disconnect?.();
    process.exit(1);
  }
});
