import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataError } from "../../../src/runtime/data/errors.js";
import { loadFileSource, type FilesSource } from "../../../src/runtime/data/files/index.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cgx-files-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "data", "b.txt"), "Second file. It has two sentences.\n");
  writeFileSync(join(dir, "data", "a.txt"), "First  paragraph,\nwrapped. Two sentences!\r\n\r\nSecond paragraph.\n\n\n  \nThird\n");
  writeFileSync(join(dir, "data", "latin.txt"), Buffer.from([0x43, 0xe6, 0x73, 0x61, 0x72, 0x0a]));
  writeFileSync(join(dir, "good.jsonl"), ['{"body": "A graded text. Two.", "grade_level": 3, "topic": "x"}', "", '{"body": "Harder  text", "grade_level": "7.5"}'].join("\n"));
  writeFileSync(join(dir, "badjson.jsonl"), '{"text": "ok"}\n{"text": "ok2"}\n{"text": oops}\n');
  writeFileSync(join(dir, "notext.jsonl"), '{"text": "ok"}\n{"body": "no text field"}\n');
  writeFileSync(join(dir, "nonnum.jsonl"), '{"text": "ok", "grade": 1}\n{"text": "b", "grade": "hard"}\n');
  writeFileSync(join(dir, "nofield.jsonl"), '{"text": "ok", "grade": 1}\n{"text": "b"}\n');
  writeFileSync(join(dir, "array.jsonl"), '["text"]\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const txt = (glob: string, unit: FilesSource["unit"] = "document"): FilesSource => ({ name: "mine", kind: "files", glob, format: "txt", text_field: null, fields: [], unit });
const jsonl = (glob: string, fields: string[] = [], text: string | null = null, unit: FilesSource["unit"] = "document"): FilesSource => ({
  name: "mine",
  kind: "files",
  glob,
  format: "jsonl",
  text_field: text,
  fields,
  unit,
});

function error(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error("expected a DataError");
}

describe("txt files", () => {
  it("reads matching files in sorted order, one example per paragraph", () => {
    const docs = loadFileSource(txt("data/[ab].txt"), dir);
    expect(docs.map((d) => d.text)).toEqual(["First paragraph, wrapped. Two sentences!", "Second paragraph.", "Third", "Second file. It has two sentences."]);
    expect(docs[0]!.origin).toBe(join("data", "a.txt"));
  });
  it("splits by sentence or by line", () => {
    expect(loadFileSource(txt("data/a.txt", "sentence"), dir).map((d) => d.text)).toEqual(["First paragraph, wrapped.", "Two sentences!", "Second paragraph.", "Third"]);
    expect(loadFileSource(txt("data/a.txt", "line"), dir).map((d) => d.text)).toEqual(["First paragraph,", "wrapped. Two sentences!", "Second paragraph.", "Third"]);
  });
  it("decodes latin-1 files", () => {
    expect(loadFileSource(txt("data/latin.txt"), dir).map((d) => d.text)).toEqual(["C\u00e6sar"]);
  });
  it("refuses devices, links to them and system trees instead of reading forever, and finds files above the working folder", () => {
    const links = join(dir, "links");
    mkdirSync(links, { recursive: true });
    writeFileSync(join(links, "a.txt"), "Some text.\n");
    symlinkSync("/dev/zero", join(links, "zero.txt"));
    const e = error(() => loadFileSource(txt("links/*.txt"), dir));
    expect(e.message).toBe("links/zero.txt is not a regular file (a device, pipe or socket, linked from here to /dev/zero)");
    expect(error(() => loadFileSource(txt("/proc/**/status"), dir)).message).toBe('files("/proc/**/status") reads from /proc, which holds system state, not data');
    // More `../` than the folder is deep still reaches the root, as a shell would.
    const up = "../".repeat(40) + dir.slice(1) + "/data/b.txt";
    expect(loadFileSource(txt(up), dir).map((d) => d.text)).toEqual(loadFileSource(txt("data/b.txt"), dir).map((d) => d.text));
  });
  it("says where it looked when the glob matches nothing", () => {
    const e = error(() => loadFileSource(txt("nothing/*.txt"), dir));
    expect(e.message).toBe('no files match "nothing/*.txt"');
    expect(e.help).toContain(join(dir, "nothing/*.txt"));
  });
});

describe("jsonl files", () => {
  it("reads the text field and numeric fields (numbers or numeric strings), skipping blank lines", () => {
    const docs = loadFileSource(jsonl("good.jsonl", ["grade_level"], "body"), dir);
    expect(docs).toEqual([
      { text: "A graded text. Two.", meta: { grade_level: 3 }, origin: "good.jsonl:1" },
      { text: "Harder text", meta: { grade_level: 7.5 }, origin: "good.jsonl:3" },
    ]);
  });
  it("splits the text field into sentences, each with the line's fields", () => {
    const docs = loadFileSource(jsonl("good.jsonl", ["grade_level"], "body", "sentence"), dir);
    expect(docs.map((d) => [d.text, d.meta.grade_level])).toEqual([
      ["A graded text.", 3],
      ["Two.", 3],
      ["Harder text", 7.5],
    ]);
  });
  it("reports bad JSON with the line and the file", () => {
    const e = error(() => loadFileSource(jsonl("badjson.jsonl"), dir));
    expect(e.message).toMatch(/^bad JSON on line 3 of badjson\.jsonl: /);
    expect(e.help).toMatch(/one complete JSON object/);
  });
  it("reports a missing text field, listing the fields the line has", () => {
    const e = error(() => loadFileSource(jsonl("notext.jsonl"), dir));
    expect(e.message).toBe('line 2 of notext.jsonl has no text field "text"');
    expect(e.help).toContain('"body"');
    expect(e.help).toContain('text: "FIELD"');
  });
  it("reports a non-numeric field", () => {
    const e = error(() => loadFileSource(jsonl("nonnum.jsonl", ["grade"]), dir));
    expect(e.message).toBe('the field "grade" on line 2 of nonnum.jsonl is not a number: "hard"');
  });
  it("reports a missing listed field", () => {
    expect(error(() => loadFileSource(jsonl("nofield.jsonl", ["grade"]), dir)).message).toBe('line 2 of nofield.jsonl has no field "grade"');
  });
  it("reports a line that is not an object", () => {
    expect(error(() => loadFileSource(jsonl("array.jsonl"), dir)).message).toBe("line 1 of array.jsonl is not a JSON object");
  });
});
