/**
 * The VS Code extension in grammar/: its manifest points at files that exist, and
 * `npm run package:vscode` (grammar/scripts/package.mjs) packs a .vsix offline that holds the
 * grammars, the language configuration and the bundled language client.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { ROOT } from "../helpers.js";

const EXT = join(ROOT, "grammar");
const manifest = JSON.parse(readFileSync(join(EXT, "package.json"), "utf8"));

/** The entries of a zip file (a .vsix is one): name -> uncompressed content. */
function unzip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error("not a zip file");
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe("extension manifest", () => {
  test("contributes the cgx language, its grammar and the markdown injection", () => {
    const [lang] = manifest.contributes.languages;
    expect(lang.id).toBe("cgx");
    expect(lang.extensions).toEqual([".cgx"]);
    expect(existsSync(join(EXT, lang.configuration))).toBe(true);
    const grammars = manifest.contributes.grammars;
    const cgx = grammars.find((g: { scopeName: string }) => g.scopeName === "source.cgx");
    expect(cgx.language).toBe("cgx");
    expect(JSON.parse(readFileSync(join(EXT, cgx.path), "utf8")).scopeName).toBe("source.cgx");
    const md = grammars.find((g: { scopeName: string }) => g.scopeName === "markdown.cgx.codeblock");
    expect(md.injectTo).toEqual(["text.html.markdown"]);
    expect(md.embeddedLanguages["meta.embedded.block.cgx"]).toBe("cgx");
    expect(JSON.parse(readFileSync(join(EXT, md.path), "utf8")).injectionSelector).toBe("L:text.html.markdown");
  });

  test("language configuration: comments, brackets, auto-closing pairs, folding", () => {
    const conf = JSON.parse(readFileSync(join(EXT, "language-configuration.json"), "utf8"));
    expect(conf.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(conf.brackets).toEqual([["{", "}"], ["[", "]"], ["(", ")"]]);
    expect(conf.autoClosingPairs.map((p: { open: string }) => p.open)).toEqual(["{", "[", "(", '"', "/*"]);
    expect(conf.folding.markers.start).toBeDefined();
    for (const pattern of [conf.wordPattern, conf.indentationRules.increaseIndentPattern, conf.indentationRules.decreaseIndentPattern]) {
      expect(() => new RegExp(pattern)).not.toThrow();
    }
    expect(new RegExp(conf.indentationRules.increaseIndentPattern).test("  data {")).toBe(true);
    expect(new RegExp(conf.indentationRules.increaseIndentPattern).test("  stage a { mix kids 100% }")).toBe(false);
  });

  test("the root package has the packaging script", () => {
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(root.scripts["package:vscode"]).toContain("grammar/scripts/package.mjs");
  });
});

describe("vsix", () => {
  const dir = mkdtempSync(join(tmpdir(), "cgx-vsix-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("packs offline with the grammars, the configuration and the bundled client", () => {
    const out = join(dir, "cgx.vsix");
    const r = spawnSync(process.execPath, [join(EXT, "scripts", "package.mjs"), "--out", out], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const files = unzip(readFileSync(out));
    for (const f of [
      "extension.vsixmanifest",
      "extension/package.json",
      "extension/cgx.tmLanguage.json",
      "extension/cgx.markdown.tmLanguage.json",
      "extension/language-configuration.json",
      "extension/dist/extension.js",
      "extension/readme.md",
    ]) {
      expect(files.has(f), f).toBe(true);
    }
    // Sources, scripts and tests stay out.
    expect([...files.keys()].filter((f) => f.includes("client/") || f.includes("scripts/"))).toEqual([]);
    expect(files.get("extension/cgx.tmLanguage.json")!.toString("utf8")).toBe(readFileSync(join(EXT, "cgx.tmLanguage.json"), "utf8"));
    expect(files.get("extension.vsixmanifest")!.toString("utf8")).toContain('Id="cgx-vscode"');
  });

  test("the bundled client loads without node_modules and exports activate/deactivate", () => {
    // `vscode` exists only inside VS Code: a stub stands in for it; everything else is in the bundle.
    const script = `
      const Module = require("node:module");
      const load = Module._load;
      Module._load = function (request, ...rest) {
        if (request === "vscode") return new Proxy({}, { get: () => function () {} });
        if (request !== process.argv[1] && !Module.isBuiltin(request)) throw new Error("not bundled: " + request);
        return load.call(this, request, ...rest);
      };
      const ext = require(process.argv[1]);
      process.stdout.write(typeof ext.activate + " " + typeof ext.deactivate);
    `;
    const r = spawnSync(process.execPath, ["-e", script, join(EXT, "dist", "extension.js")], { cwd: dir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("function function");
  });
});
