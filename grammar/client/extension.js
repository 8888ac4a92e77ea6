// The VS Code side of cgx: starts `cgx lsp` through vscode-languageclient. Highlighting, brackets,
// comments and folding come from the grammar and language-configuration.json and need none of this.
// Bundled with vscode-languageclient into dist/extension.js by scripts/package.mjs.
"use strict";
const path = require("node:path");
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("cgx");
  const command = config.get("server.command", "cgx");
  const args = config.get("server.args", ["lsp"]);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const resolve = (p) => (folder && (p.startsWith("./") || p.startsWith("../")) ? path.join(folder, p) : p);
  return {
    command: resolve(command),
    args: args.map(resolve),
    // `cgx` is a .cmd shim on Windows, which needs a shell.
    options: { cwd: folder, shell: process.platform === "win32" },
  };
}

async function start() {
  const config = vscode.workspace.getConfiguration("cgx");
  if (!config.get("server.enable", true)) return;
  output ??= vscode.window.createOutputChannel("cgx");
  const server = serverOptions();
  client = new LanguageClient(
    "cgx",
    "cgx language server",
    server,
    {
      documentSelector: [{ language: "cgx" }],
      outputChannel: output,
    },
  );
  try {
    await client.start();
  } catch (e) {
    client = undefined;
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window.showWarningMessage(
      `cgx: could not start the language server (\`${server.command} ${server.args.join(" ")}\`): ${message}. ` +
        "Highlighting still works. Install cgx on your PATH or set cgx.server.command.",
    );
  }
}

async function stop() {
  const c = client;
  client = undefined;
  if (c) await c.stop().catch(() => undefined);
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("cgx.restartServer", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("cgx.server")) {
        await stop();
        await start();
      }
    }),
    { dispose: () => void stop() },
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
