/**
 * Generates docs/errors.md from the code catalog (`npm run docs:errors`); a test fails when the
 * committed file is out of date, so the error index never drifts from the compiler.
 */
import { fileURLToPath } from "node:url";
import { CODES, type Code } from "./codes.js";

export function errorsMarkdown(): string {
  const codes = Object.keys(CODES) as Code[];
  const lines = [
    "# Error index",
    "",
    "Every diagnostic cgx reports has a stable code. `cgx explain CODE` prints the same text.",
    "This file is generated from `src/compiler/codes.ts` by `npm run docs:errors`.",
    "",
    "| code | severity | title |",
    "| --- | --- | --- |",
    ...codes.map((c) => `| [${c}](#${c.toLowerCase()}) | ${CODES[c].severity} | ${CODES[c].title} |`),
    "",
  ];
  for (const c of codes) {
    lines.push(`## ${c}`, "", `**${CODES[c].title}** (${CODES[c].severity})`, "", CODES[c].explanation.replace(/\n {4}/g, "\n    "), "");
  }
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(errorsMarkdown());
}
