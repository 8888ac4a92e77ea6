// Runs the test suite: build, then vitest, then one closing line "N passed, N failed" that CI reads.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";

const run = (cmd, args) => spawnSync(cmd, args, { stdio: "inherit", shell: false });
const build = run("npx", ["tsc", "-p", "tsconfig.json"]);
if (build.status !== 0) process.exit(build.status ?? 2);
const validator = run("node", ["scripts/build-plan-validator.mjs"]);
if (validator.status !== 0) process.exit(validator.status ?? 2);
// The row kernels compiled for this machine (test/runtime/native-rows.test.ts needs them).
const native = run("bash", ["scripts/build-native.sh"]);
if (native.status !== 0) process.exit(native.status ?? 2);
mkdirSync(".cache", { recursive: true });
const report = ".cache/vitest-report.json";
const tests = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${report}`, ...process.argv.slice(2)]);
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
} catch {
  console.log("\ntests: 0 passed, 1 failed");
}
process.exit(tests.status ?? 2);
