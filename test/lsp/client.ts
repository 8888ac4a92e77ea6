/**
 * A minimal LSP client for tests: spawns the server and speaks JSON-RPC 2.0 over its stdio with
 * `Content-Length` framing, as editors do. No LSP library on this side, so the test sees the
 * exact messages the server sends.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

export interface Message {
  jsonrpc: "2.0";
  id?: number;
  method?: string;
  params?: any;
  result?: any;
  error?: { code: number; message: string };
}

export class LspClient {
  readonly proc: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly waiting = new Map<number, (m: Message) => void>();
  /** Notifications from the server, in arrival order. */
  readonly notifications: Message[] = [];
  private readonly listeners: Array<(m: Message) => void> = [];
  stderr = "";

  constructor(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) {
    this.proc = spawn(command, args, { cwd, stdio: ["pipe", "pipe", "pipe"], ...(env ? { env: { ...process.env, ...env } } : {}) });
    this.proc.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.proc.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString("ascii");
      const m = /Content-Length: (\d+)/i.exec(header);
      if (!m) throw new Error(`bad header: ${header}`);
      const length = Number(m[1]);
      const start = headerEnd + 4;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString("utf8");
      this.buffer = this.buffer.subarray(start + length);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(msg: Message): void {
    if (msg.id !== undefined && msg.method === undefined) {
      const resolve = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      resolve?.(msg);
      return;
    }
    if (msg.id !== undefined && msg.method !== undefined) {
      // A request from the server (client/registerCapability, workspace/configuration): answer null.
      this.write({ jsonrpc: "2.0", id: msg.id, result: null });
      return;
    }
    this.notifications.push(msg);
    for (const l of [...this.listeners]) l(msg);
  }

  private write(msg: Message): void {
    const body = Buffer.from(JSON.stringify(msg), "utf8");
    this.proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]));
  }

  request(method: string, params: unknown, timeoutMs = 10_000): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result);
      });
      this.write({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: "2.0", method, params });
  }

  /** The next notification of `method` matching `where` (one already received counts). */
  waitFor(method: string, where: (params: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
    const already = this.notifications.find((m) => m.method === method && where(m.params));
    if (already) {
      this.notifications.splice(this.notifications.indexOf(already), 1);
      return Promise.resolve(already.params);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      const listener = (m: Message) => {
        if (m.method !== method || !where(m.params)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        this.notifications.splice(this.notifications.indexOf(m), 1);
        resolve(m.params);
      };
      this.listeners.push(listener);
    });
  }

  /** shutdown + exit, then the process's exit code. */
  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.proc.once("exit", (code) => resolve(code)));
    await this.request("shutdown", null);
    this.notify("exit", null);
    const timer = setTimeout(() => this.proc.kill(), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}
