#!/usr/bin/env node
// The cgx command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { main } from "../dist/src/cli/main.js";

main(process.argv).then((code) => {
  process.exitCode = code;
});
