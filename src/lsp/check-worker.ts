/** The worker thread of checker.ts: compiles documents for their diagnostics, one at a time. */
import { parentPort } from "node:worker_threads";
import { diagnostics } from "./features.js";

parentPort!.on("message", (m: { readonly id: number; readonly text: string }) => {
  // The budget runs from here: the thread's own start-up (loading the compiler) does not count.
  parentPort!.postMessage({ id: m.id, started: true });
  parentPort!.postMessage({ id: m.id, diagnostics: diagnostics(m.text) });
});
