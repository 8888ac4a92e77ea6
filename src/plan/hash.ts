/** The plan's canonical text and hashes, shared by the compiler (which writes plans) and the runtime (which names run directories by them). */
import { createHash } from "node:crypto";
import type { Plan } from "./types.js";

export function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The plan's canonical text: key order is construction order, two-space indent, final newline. */
export function planJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2) + "\n";
}
