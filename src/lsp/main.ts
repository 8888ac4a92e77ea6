#!/usr/bin/env node
/** Entry point: `node dist/src/lsp/main.js` runs the cgx language server on stdio (what `cgx lsp` does). */
import { startLanguageServer } from "./server.js";

startLanguageServer();
