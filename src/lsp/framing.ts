/**
 * A guard in front of the protocol reader. vscode-jsonrpc stops reading for good at a header block
 * without a Content-Length (a client bug, or stray output piped in), and once its input ends the
 * server exits at once, dropping requests it had not answered yet. This transform passes every
 * well-framed message through unchanged, drops malformed header blocks (saying so on stderr), and
 * holds the end of input until every request it passed has been answered, or a few seconds.
 */
import { Transform, type TransformCallback, type Writable } from "node:stream";

const SEPARATOR = Buffer.from("\r\n\r\n");
/** Longest header block: a real one is a few dozen bytes. */
const MAX_HEADER = 8 * 1024;
/** How long the end of input waits for outstanding answers. */
const DRAIN_MS = 5000;

export interface Framing {
  /** What the protocol reader reads. */
  readonly input: Transform;
  /** What the protocol writer writes to: the real output, with answered requests counted. */
  readonly output: Writable;
}

export function guardFraming(output: Writable, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Framing {
  let buffer = Buffer.alloc(0);
  let body: number | null = null;
  let header = Buffer.alloc(0);
  const asked = new Set<string | number>();
  const answered = new Set<string | number>();
  const outstanding = () => [...asked].filter((id) => !answered.has(id)).length;

  const input = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (body === null) {
          const end = buffer.indexOf(SEPARATOR);
          if (end < 0) {
            if (buffer.length > MAX_HEADER) {
              log(`cgx lsp: dropped ${buffer.length} bytes that are not a message header`);
              buffer = Buffer.alloc(0);
            }
            break;
          }
          header = buffer.subarray(0, end + SEPARATOR.length);
          buffer = buffer.subarray(end + SEPARATOR.length);
          const m = /content-length:\s*(\d+)/i.exec(header.toString("ascii"));
          if (!m) {
            log(`cgx lsp: dropped a header without Content-Length: ${JSON.stringify(header.toString("utf8").trim().slice(0, 80))}`);
            continue;
          }
          body = Number(m[1]);
        }
        if (buffer.length < body) break;
        const message = buffer.subarray(0, body);
        buffer = buffer.subarray(body);
        body = null;
        try {
          const parsed = JSON.parse(message.toString("utf8")) as { id?: string | number; method?: string };
          if (parsed.id !== undefined && parsed.method !== undefined) asked.add(parsed.id);
        } catch {
          // Not JSON: the reader reports it; nothing to count.
        }
        this.push(Buffer.concat([header, message]));
      }
      done();
    },
    flush(done: TransformCallback) {
      const t0 = Date.now();
      const wait = () => (outstanding() === 0 || Date.now() - t0 > DRAIN_MS ? done() : setTimeout(wait, 10));
      wait();
    },
  });

  // Responses are counted as they go out; the bytes pass through untouched.
  let out = "";
  const tap = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      out += chunk.toString("utf8");
      for (;;) {
        const end = out.indexOf("\r\n\r\n");
        if (end < 0) break;
        const m = /content-length:\s*(\d+)/i.exec(out.slice(0, end));
        const length = m ? Number(m[1]) : 0;
        const start = end + 4;
        const bytes = Buffer.from(out.slice(start));
        if (bytes.length < length) break;
        const message = bytes.subarray(0, length).toString("utf8");
        out = bytes.subarray(length).toString("utf8");
        try {
          const parsed = JSON.parse(message) as { id?: string | number; method?: string };
          if (parsed.id !== undefined && parsed.method === undefined) answered.add(parsed.id);
        } catch {
          // Only counting.
        }
      }
      done(null, chunk);
    },
  });
  tap.pipe(output);
  return { input, output: tap };
}
