/** `cgx fmt`: rewrite files in canonical form, or with --check report which are not. */
import { writeFileAtomic, type Io } from "../io.js";
import { renderDiagnostics } from "../../compiler/diagnostics.js";
import { format } from "../../compiler/format.js";
import { LineIndex } from "../../compiler/span.js";
import { readSource } from "../source.js";

export function fmtCommand(io: Io, files: readonly string[], opts: { check?: boolean; stdout?: boolean }): number {
  let failed = false;
  let unformatted = 0;
  for (const file of files) {
    const src = readSource(io, file);
    const r = format(src.text);
    if (!r.ok) {
      io.err(renderDiagnostics(r.diagnostics, src.display, new LineIndex(src.text)));
      failed = true;
      continue;
    }
    if (opts.stdout) {
      io.out(r.text);
      continue;
    }
    if (r.text === src.text) continue;
    if (opts.check) {
      io.out(`${src.display}: not formatted\n`);
      unformatted++;
    } else {
      writeFileAtomic(src.path, r.text);
      io.out(`formatted ${src.display}\n`);
    }
  }
  return failed || unformatted > 0 ? 1 : 0;
}
