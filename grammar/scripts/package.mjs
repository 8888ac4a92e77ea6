#!/usr/bin/env node
// Packs the VS Code extension in grammar/ into a .vsix, offline: bundles client/extension.js with
// vscode-languageclient into dist/extension.js (esbuild), then runs @vscode/vsce.
// Usage: node grammar/scripts/package.mjs [--out FILE.vsix]   (npm run package:vscode)
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
const grammarDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(grammarDir, "..");
const manifest = JSON.parse(readFileSync(join(grammarDir, "package.json"), "utf8"));

const outFlag = process.argv.indexOf("--out");
const out = outFlag >= 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]) : join(root, "dist", `${manifest.name}-${manifest.version}.vsix`);

await build({
  entryPoints: [join(grammarDir, "client", "extension.js")],
  outfile: join(grammarDir, "dist", "extension.js"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});

await mkdir(dirname(out), { recursive: true });
const { createVSIX } = require("@vscode/vsce");
await createVSIX({
  cwd: grammarDir,
  packagePath: out,
  // The client is bundled; the extension has no node_modules of its own.
  dependencies: false,
  allowMissingRepository: true,
  allowStarActivation: false,
});
console.log(`packed ${out}`);
