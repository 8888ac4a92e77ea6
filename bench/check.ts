/**
 * `cgx check` on long files, as an editor or a CI job runs it: a tiny file (start-up alone), 30,000
 * lines of comments, and 30,000 lines of declarations (7,500 curricula, so 7,500 cells to check).
 * Prints each command's CPU seconds (user + system, from /proc for the child) and the ratio to the
 * CPU of `node -e 0` measured in the same run: these machines are noisy.
 *
 *   npm run --silent bench:check
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, runNode } from "./cpu.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ROUNDS = 5;

const HEAD = ["experiment long {", "  data {", "    context 64", '    source kids = builtin("gutenberg.children")', "  }"];
const TAIL = ["  curriculum last {", "    stage early for 30% { mix kids 100% }", "    stage late { mix kids 100% }", "  }", "  models { params [10k] }", "  budget tokens 20 x params", "}"];

const FILES: Record<string, string[]> = {
  tiny: [...HEAD, ...TAIL],
  "30k lines of comments": [...HEAD, ...Array.from({ length: 30_000 }, (_, i) => `  // line ${i}: a comment as long files have, explaining the experiment`), ...TAIL],
  "30k lines, 7,500 curricula": [
    ...HEAD,
    ...Array.from({ length: 7_500 }, (_, i) => [`  curriculum c${i} {`, "    stage early for 30% { mix kids 100% }", "    stage late { mix kids 100% }", "  }"]).flat(),
    ...TAIL,
  ],
};

const cpuOf = (args: string[]) => runNode(args).cpu;

const dir = mkdtempSync(join(tmpdir(), "cgx-bench-check-"));
try {
  const paths = Object.entries(FILES).map(([name, lines]) => {
    const path = join(dir, `${name.replace(/\W+/g, "_")}.cgx`);
    writeFileSync(path, lines.join("\n") + "\n");
    return { name, path, lines: lines.length, cpu: [] as number[] };
  });
  const reference: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    reference.push(cpuOf(["-e", "0"]));
    for (const p of paths) p.cpu.push(cpuOf([join(ROOT, "bin", "cgx.js"), "check", p.path]));
  }
  const ref = median(reference);
  console.log(`reference: node -e 0, ${ref.toFixed(2)} s of CPU (median of ${ROUNDS})`);
  for (const p of paths) {
    const c = median(p.cpu);
    console.log(`cgx check, ${p.name} (${p.lines} lines): ${c.toFixed(2)} s of CPU, ${(c / ref).toFixed(1)}x the reference`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
