/**
 * Diagnostics off the server's thread. A compile can take long (a huge grid, a file of tens of
 * thousands of lines); run on the connection's thread it would hold back every hover and
 * completion until it ends. So documents are compiled in a worker thread, one at a time, under a
 * time budget. Past the budget, or when a newer version of the same document arrives, the compile
 * is abandoned: the thread is terminated (the only way to interrupt it) and a fresh one starts when
 * next needed. Other documents wait their turn, each with its newest text.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Diagnostic } from "vscode-languageserver/node.js";

/** The compiled worker; tests running TypeScript sources use the build in dist/. */
function workerPath(): string {
  const here = fileURLToPath(new URL("./check-worker.js", import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL("../../dist/src/lsp/check-worker.js", import.meta.url));
}

export type CheckOutcome =
  | { readonly kind: "done"; readonly diagnostics: Diagnostic[] }
  | { readonly kind: "timeout" }
  /** A newer version of the document came before this one was checked. */
  | { readonly kind: "superseded" }
  /** The thread died (out of memory, say). */
  | { readonly kind: "failed"; readonly message: string };

interface Job {
  readonly uri: string;
  readonly text: string;
  readonly settle: (o: CheckOutcome) => void;
}

export class BackgroundChecker {
  private worker: Worker | undefined;
  private nextId = 1;
  private running: (Job & { readonly id: number; timer?: NodeJS.Timeout }) | undefined;
  private readonly waiting = new Map<string, Job>();

  constructor(private readonly budgetMs: number) {}

  check(uri: string, text: string): Promise<CheckOutcome> {
    return new Promise((settle) => {
      this.waiting.get(uri)?.settle({ kind: "superseded" });
      this.waiting.set(uri, { uri, text, settle });
      if (this.running?.uri === uri) this.finish({ kind: "superseded" }, true);
      this.startNext();
    });
  }

  dispose(): void {
    for (const j of this.waiting.values()) j.settle({ kind: "superseded" });
    this.waiting.clear();
    if (this.running) this.finish({ kind: "superseded" }, true);
  }

  private startNext(): void {
    if (this.running) return;
    const next = this.waiting.values().next();
    if (next.done) return;
    const job = next.value;
    this.waiting.delete(job.uri);
    const id = this.nextId++;
    this.running = { ...job, id };
    this.ensureWorker().postMessage({ id, text: job.text });
  }

  /** Settles the running job; `stopWorker` abandons its compile by terminating the thread. */
  private finish(outcome: CheckOutcome, stopWorker: boolean): void {
    const job = this.running!;
    clearTimeout(job.timer);
    this.running = undefined;
    if (stopWorker) {
      const w = this.worker;
      this.worker = undefined;
      w?.removeAllListeners();
      void w?.terminate();
    }
    job.settle(outcome);
    this.startNext();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(workerPath());
    // The server must not stay alive for its checker alone.
    w.unref();
    w.on("message", (m: { id: number; started?: true; diagnostics?: Diagnostic[] }) => {
      const job = this.running;
      if (job?.id !== m.id) return;
      if (m.started) job.timer = setTimeout(() => this.finish({ kind: "timeout" }, true), this.budgetMs);
      else this.finish({ kind: "done", diagnostics: m.diagnostics! }, false);
    });
    const lost = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      if (this.running) this.finish({ kind: "failed", message: why }, false);
    };
    w.on("error", (e) => lost(e.message));
    w.on("exit", (code) => lost(`it exited with code ${code}`));
    this.worker = w;
    return w;
  }
}
