import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DiskCache } from "../../../src/runtime/data/cache.js";
import { builtinKey } from "../../../src/runtime/data/corpora/fingerprint.js";
import { clearBuiltinCache, loadBuiltin } from "../../../src/runtime/data/corpora/registry.js";

describe("the on-disk cache of cleaned builtin corpora", () => {
  it("gives exactly the documents a fresh load gives, and is read instead of parsing again", () => {
    const dir = mkdtempSync(join(tmpdir(), "cgx-corpora-"));
    const cache = new DiskCache(dir);
    clearBuiltinCache();
    const fresh = loadBuiltin("wordnet.examples");
    clearBuiltinCache();
    const written = loadBuiltin("wordnet.examples", cache);
    expect(written).toEqual(fresh);
    const files = readdirSync(join(dir, "data", "corpora"));
    expect(files).toEqual([`${builtinKey("wordnet.examples")}.json`]);
    clearBuiltinCache();
    const read = loadBuiltin("wordnet.examples", cache);
    expect(read).toEqual(fresh);
    // Proof that the second load came from the file: an entry edited on disk is what comes back.
    writeFileSync(join(dir, "data", "corpora", files[0]!), JSON.stringify([{ text: "from the cache", meta: {}, origin: "x" }]));
    clearBuiltinCache();
    expect(loadBuiltin("wordnet.examples", cache).map((d) => d.text)).toEqual(["from the cache"]);
    clearBuiltinCache();
  });

  it("keys each corpus by its name and the cleaning code", () => {
    expect(builtinKey("wordnet.examples")).not.toBe(builtinKey("wordnet.glosses"));
    expect(builtinKey("sotu")).toMatch(/^[0-9a-f]{24}$/);
  });
});
