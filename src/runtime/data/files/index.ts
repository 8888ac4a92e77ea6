/** A `files(...)` source: glob, decode, then split each file as txt or jsonl. */
import { readFileSync } from "node:fs";
import type { PlanSource } from "../../../plan/types.js";
import type { RawDoc } from "../types.js";
import { decodeText } from "../text/decode.js";
import { matchFiles } from "./glob.js";
import { jsonlDocs } from "./jsonl.js";
import { txtDocs } from "./txt.js";

export type FilesSource = Extract<PlanSource, { kind: "files" }>;

export function loadFileSource(src: FilesSource, cwd: string): RawDoc[] {
  const out: RawDoc[] = [];
  for (const f of matchFiles(src.glob, cwd)) {
    const text = decodeText(readFileSync(f.path));
    if (src.format === "jsonl") out.push(...jsonlDocs(text, { textField: src.text_field ?? "text", fields: src.fields, unit: src.unit }, f.display));
    else out.push(...txtDocs(text, src.unit, f.display));
  }
  return out;
}
