/** A worker process for `--jobs`: see workers.ts. */
import { join } from "node:path";
import type { Plan } from "../../plan/types.js";
import { loadBackend } from "../backend.js";
import { runOneCell, type PlanLock } from "./executor.js";
import { readJson } from "./files.js";
import { experimentDataProvider } from "../curriculum/provider.js";
import type { FromWorker, ToWorker } from "./workers.js";

const send = (m: FromWorker) => process.send!(m);

let ctx: { plan: Plan; runDir: string; run: (id: string) => Promise<void> } | undefined;

process.on("message", async (m: ToWorker) => {
  try {
    if (m.type === "init") {
      const lock = readJson<PlanLock>(join(m.runDir, "plan.lock.json"));
      const backend = await loadBackend(m.backend, m.kernels);
      const data = experimentDataProvider(lock.plan, { cacheDir: m.cacheDir, cwd: m.cwd });
      const cells = new Map(lock.plan.cells.map((c) => [c.id, c]));
      ctx = {
        plan: lock.plan,
        runDir: m.runDir,
        run: async (id) => {
          let lastProgress = 0;
          const out = await runOneCell(cells.get(id)!, m.runDir, backend, data, (e) => {
            // Progress is throttled: IPC per step would cost more than a small model's step.
            if (e.kind === "progress") {
              const now = Date.now();
              if (now - lastProgress < 200) return;
              lastProgress = now;
            }
            const { cell: _c, ...event } = e;
            send({ type: "event", id, event });
          });
          send({ type: "done", id, state: out.state, ...(out.message ? { message: out.message } : {}) });
        },
      };
      send({ type: "ready" });
    } else if (m.type === "cell") {
      await ctx!.run(m.id);
    } else {
      process.exit(0);
    }
  } catch (e) {
    send({ type: "fatal", message: (e as Error).message });
    process.exit(1);
  }
});
