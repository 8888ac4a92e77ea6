/** A worker process for `--jobs`: see workers.ts. */
import { join } from "node:path";
import type { Cell, Plan } from "../../plan/types.js";
import type { CellData } from "../training/trainer.js";
import { DataError } from "../data/errors.js";
import { backendInfo, kernelsChoiceOf, loadBackend, pickBackend, type BackendName, type KernelsChoice, type LoadedBackend } from "../backend.js";
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
/** Started by "warm", while the parent loads its own, so the first cell waits less. */
let warming: Promise<LoadedBackend> | undefined;
/** The data "load" loaded, for the plan it was loaded for (as JSON: "init" reads the run's own copy). */
let preloaded: { plan: string; data: (cell: Cell) => Promise<CellData> } | undefined;

const dataProvider = (plan: Plan, where: { cacheDir: string; cwd: string }, log = true) =>
  withBenchmarks(experimentDataProvider(plan, { ...where, ...(log ? {} : { log: () => undefined }) }), plan, where);

/**
 * The parent's backend: the one "warm" chose when it is the same (it is, but for a machine that
 * changed in between), else that one loaded now. A failure to load it is thrown: "fatal".
 */
async function parentsBackend(name: BackendName, kernels: KernelsChoice): Promise<LoadedBackend> {
  const warmed = await warming?.catch(() => undefined);
  if (warmed && warmed.name === name && kernelsChoiceOf(warmed) === kernels) return warmed;
  warming = loadBackend(name, kernels);
  return warming;
}

process.on("message", async (m: ToWorker) => {
  try {
    if (m.type === "warm") {
      warming = pickBackend(m.forced, m.kernels);
      // A failure is the parent's to explain (it picks itself then), or is reported when "load" or
      // "init" asks for the parent's backend.
      const chosen = await warming.catch(() => undefined);
      send(chosen ? { type: "warmed", backend: backendInfo(chosen) } : { type: "warmed" });
    } else if (m.type === "load") {
      const data = dataProvider(m.data.plan, m.data, m.log);
      preloaded = { plan: JSON.stringify(m.data.plan), data };
      await parentsBackend(m.backend, m.kernels);
      const first = m.data.plan.cells[0];
      if (first) await data(first);
      send({ type: "loaded" });
    } else if (m.type === "init") {
      const lock = readJson<PlanLock>(join(m.runDir, "plan.lock.json"));
      const backend = await parentsBackend(m.backend, m.kernels);
      // The run's plan is the one "load" had unless the run directory was made by an earlier one.
      const data = preloaded?.plan === JSON.stringify(lock.plan) ? preloaded.data : dataProvider(lock.plan, { cacheDir: m.cacheDir, cwd: m.cwd });
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
    send({
      type: "fatal",
      message: err.message,
      ...(err instanceof DiskError ? { disk: { path: err.path, code: err.code, action: err.action } } : {}),
      ...(err instanceof DataError ? { help: err.help } : {}),
    });
    process.exitCode = 1;
    process.disconnect?.();
    process.exit(1);
  }
});
