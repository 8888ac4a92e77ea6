/** The language features on text and offsets, without a connection (server.test.ts covers the wire). */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { analyze, completion, definition, diagnostics, documentSymbols, foldingRanges, formatting, hover } from "../../src/lsp/features.js";
import { scanTo } from "../../src/lsp/scan.js";
import { exampleFiles, ROOT } from "../helpers.js";

/** Text with a `|` marking the cursor. */
function at(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf("|");
  if (offset < 0) throw new Error("no cursor");
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

function labels(marked: string): string[] {
  const { text, offset } = at(marked);
  return completion(analyze(text), offset).map((i) => i.label);
}

const READING_AGE = readFileSync(join(ROOT, "experiments", "reading_age.cgx"), "utf8");

describe("diagnostics", () => {
  test("every example is clean or only warns", () => {
    for (const ex of exampleFiles()) {
      expect(diagnostics(ex.text).filter((d) => d.severity === 1), ex.name).toEqual([]);
    }
  });

  test("a syntax error maps to a 0-based range with its code", () => {
    const ds = diagnostics('experiment x {\n  data { source a = builtin("sotu) }\n}\n');
    const d = ds.find((d) => d.code === "CGX0102");
    expect(d?.range.start).toEqual({ line: 1, character: 28 });
  });
});

describe("completion", () => {
  test("keywords per block", () => {
    expect(labels("|")).toEqual(["experiment"]);
    expect(labels("experiment x {\n  |\n}")).toEqual(expect.arrayContaining(["data", "models", "budget", "vary"]));
    expect(labels("experiment x {\n  data {\n    so|\n  }\n}")).toEqual(["tokenizer", "context", "source", "difficulty", "heldout", "draw"]);
    expect(labels("experiment x {\n  curriculum c {\n    stage a { | }\n  }\n}")).toEqual(["mix", "order", "reweight"]);
    expect(labels("experiment x {\n  vary {\n    zip {\n      |\n    }\n  }\n}")).toContain("lr");
    expect(labels("experiment x {\n  // a comment |\n}")).toEqual([]);
  });

  test("the budget axis in `vary`, and its log-spaced grid", () => {
    expect(labels("experiment x {\n  vary {\n    |\n  }\n}")).toContain("budget");
    expect(labels("experiment x {\n  vary {\n    zip {\n      |\n    }\n  }\n}")).toContain("budget");
    expect(labels("experiment x {\n  vary {\n    budget |\n  }\n}")).toEqual(["log"]);
    const text = "experiment x {\n  budget flops 1e13\n  vary {\n    budget [1e12, 1e13]\n  }\n}\n";
    const md = hover(analyze(text), text.indexOf("budget [") + 1)?.contents;
    expect(md && typeof md === "object" && "value" in md ? md.value : "").toContain("IsoFLOP");
  });

  test("builtin corpora, synthetic tasks and their parameters and modes", () => {
    expect(labels('experiment x { data { source a = builtin("|") } }')).toContain("simple.sentences");
    expect(labels("experiment x { data { source a = synthetic.| } }")).toEqual(["sentences", "next_sentence", "cloze", "facts", "arithmetic"]);
    expect(labels("experiment x { data { source a = synthetic.facts(|) } }")).toEqual(["hops", "entities"]);
    expect(labels("experiment x { data { source a = |")).toEqual(["builtin", "files", "synthetic"]);
    expect(labels("experiment x { data { difficulty | } }")).toContain("dale_chall");
    const text = READING_AGE.replace("tasks facts.qa, facts.cloze", "tasks facts.|");
    expect(labels(text)).toEqual(["qa", "cloze"]);
  });

  test("declared names where they are expected", () => {
    const base = READING_AGE;
    const stageAt = base.replace("at stage middle:", "at stage |:");
    expect(labels(stageAt)).toEqual(["early", "middle", "late"]);
    const like = base.replace("control anti", "control anti like |");
    expect(labels(like)).toEqual(["syllabus", "ceiling", "competence", "shuffled", "anti"]);
    const mix = base.replace("mix kids 20%, fiction 40%", "mix kids 20%, |");
    expect(labels(mix)).toEqual(["kids", "fiction", "adult", "civics", "facts", "mine"]);
  });

  test("argument names of known calls", () => {
    expect(labels("experiment x { train { optimizer adamw(lr: 1e-3, |) } }")).toEqual(["lr", "betas", "eps", "weight_decay"]);
    expect(labels("experiment x { models { shape deep(|) } }")).toEqual(["layers", "width", "heads", "mlp"]);
  });
});

describe("hover", () => {
  test("keywords, corpora, tasks and metrics", () => {
    const a = analyze(READING_AGE);
    const h = (needle: string, delta = 1) => {
      const md = hover(a, READING_AGE.indexOf(needle) + delta)?.contents;
      return md && typeof md === "object" && "value" in md ? md.value : undefined;
    };
    expect(h("magnitude")).toContain('magnitude "PATTERN"');
    expect(h("heads keep")).toContain("heads keep P%"); // prune's heads, not models'
    expect(h("heads 4")).toContain("heads H");
    expect(h('"sotu"')).toContain("State of the Union");
    expect(h("synthetic.facts", 11)).toContain("**synthetic task** `facts`");
    expect(h("hops")).toContain("reasoning hops");
    expect(h("dale_chall")).toContain("Dale-Chall");
    expect(h("facts.qa")).toContain("**source** `facts`");
    expect(h("stage middle:", 7)).toContain("**stage** `middle` of curriculum `syllabus`");
    expect(h("{")).toBeUndefined();
  });
});

describe("definition", () => {
  const a = analyze(READING_AGE);
  const def = (needle: string, delta = 1) => definition(a, READING_AGE.indexOf(needle) + delta, "file:///r.cgx").map((l) => l.range.start);
  const lineOf = (needle: string) => READING_AGE.slice(0, READING_AGE.indexOf(needle)).split("\n").length - 1;

  test("stages, sources, curricula and controls", () => {
    expect(def("stage middle:", 7)).toEqual([{ line: lineOf("stage middle for"), character: 10 }]);
    expect(def("facts.qa")).toEqual([{ line: lineOf("source facts"), character: 11 }]);
    expect(def("competence, shuffled]")).toEqual([{ line: lineOf("curriculum competence ="), character: 13 }]);
    expect(def("shuffled]")).toEqual([{ line: lineOf("control shuffled"), character: 10 }]);
    // Keywords and argument names go nowhere.
    expect(def("magnitude")).toEqual([]);
    expect(def("hops")).toEqual([]);
  });
});

describe("symbols and formatting", () => {
  test("the outline of an example", () => {
    const [exp] = documentSymbols(analyze(READING_AGE));
    expect(exp?.name).toBe("reading_age");
    expect(exp?.children?.map((s) => s.name)).toEqual(["kids", "fiction", "adult", "civics", "facts", "mine", "syllabus", "ceiling", "competence", "shuffled", "anti"]);
  });

  test("formatted files need no edit; broken ones get none", () => {
    for (const ex of exampleFiles()) expect(formatting(ex.text), ex.name).toEqual([]);
    expect(formatting("experiment x {")).toEqual([]);
    expect(formatting("experiment x {\nseeds 1\n}\n")[0]?.newText).toBe("experiment x {\n  seeds 1\n}\n");
  });
});

describe("scan", () => {
  test("strings, comments and statement boundaries", () => {
    const c = at('experiment x {\n  data {\n    source a = builtin("gut|');
    const s = scanTo(c.text, c.offset);
    expect(s.blocks.map((b) => b.keyword)).toEqual(["experiment", "data"]);
    expect(s.stringStart).toBe(c.text.indexOf("gut"));
    expect(s.groups).toEqual(["builtin"]);
    const multi = at("experiment x {\n  curriculum c {\n    stage a {\n      mix kids 60%,\n        |");
    const m = scanTo(multi.text, multi.offset);
    expect(m.tokens.map((t) => t.text)).toEqual(["mix", "kids", "60%", ","]);
    const cm = at("experiment x { /* a { b */ data { | } }");
    expect(scanTo(cm.text, cm.offset).blocks.map((b) => b.keyword)).toEqual(["experiment", "data"]);
  });
});

describe("folding", () => {
  test("multi-line blocks and block comments fold; one-line blocks do not", () => {
    const text = "/* a\n   b */\nexperiment x {\n  data {\n    context 64\n  }\n  curriculum c {\n    stage a { mix k 100% }\n  }\n}\n";
    expect(foldingRanges(analyze(text))).toEqual([
      { startLine: 0, endLine: 1, kind: "comment" },
      { startLine: 2, endLine: 8 },
      { startLine: 3, endLine: 4 },
      { startLine: 6, endLine: 7 },
    ]);
  });
});
