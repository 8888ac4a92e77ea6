#!/usr/bin/env node
// The cgx command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { main } from "../dist/src/cli/main.js";

// `cgx status DIR | head -1`: a reader that stops early is not an error, and no stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
