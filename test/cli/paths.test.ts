/** Output paths that cannot be written are clear errors (exit 1), and a closed pipe is not a crash. */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

const BIN = join(ROOT, "bin/cgx.js");
const QUICKSTART = join(ROOT, "experiments/quickstart.cgx");

describe("output paths", () => {
  it("a directory, a file in the way, or an unwritable place: exit 1 naming the path, nothing left behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "cgx-paths-"));
    mkdirSync(join(dir, "adir"));
    writeFileSync(join(dir, "afile"), "x");
    const cases: [string, RegExp][] = [
      [join(dir, "adir"), /error: cannot write \S+adir: it is a directory \(EISDIR\)/],
      [join(dir, "afile", "plan.json"), /error: cannot (create|write) \S+afile\S*: (a part of the path is a file, not a directory \(ENOTDIR\)|a file is in the way \(EEXIST\))/],
      ["/proc/cgx-plan.json", /error: cannot write \/proc\/cgx-plan.json: /],
      [join(dir, "x".repeat(300)), /error: cannot write \S+: the name is too long for this file system \(ENAMETOOLONG\)/],
    ];
    for (const [out, message] of cases) {
      const r = spawnSync("node", [BIN, "compile", QUICKSTART, "-o", out], { encoding: "utf8" });
      expect(r.status, `${out}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain("= help: give a path that names a file in a directory you can write to");
      expect(r.stderr).not.toContain("internal error");
    }
    expect(readdirSync(dir).sort()).toEqual(["adir", "afile"]);
    expect(readdirSync(join(dir, "adir"))).toEqual([]);
  });

  it("a reader that closes the pipe early is not a crash", () => {
    for (let i = 0; i < 4; i++) {
      const r = spawnSync("bash", ["-c", `node ${BIN} plan ${QUICKSTART} | head -1`], { encoding: "utf8" });
      expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    }
  });
});
