import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { Lexer } from "chevrotain";
import { allTokens } from "../../src/compiler/tokens.js";
import { format } from "../../src/compiler/format.js";
import { parse } from "../../src/compiler/parser.js";
import type { Block, Item, Phrase, Statement } from "../../src/compiler/syntax.js";

const lexer = new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false });
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const experimentsDir = join(root, "experiments");

/** The syntax tree without spans or whitespace: what formatting must not change. */
type Shape = unknown;

function itemShape(item: Item): Shape {
  switch (item.kind) {
    case "word":
      return ["word", item.parts];
    case "number":
    case "percent":
    case "string":
    case "punct":
      return [item.kind, item.text];
    case "call":
      return ["call", item.callee.parts, item.args.map((a) => [a.name?.text ?? null, phraseShape(a.value)])];
    case "list":
    case "tuple":
      return [item.kind, item.elements.map(phraseShape)];
    case "range":
      return ["range", itemShape(item.from), itemShape(item.to)];
  }
}

function phraseShape(p: Phrase): Shape {
  return p.items.map(itemShape);
}

function statementShape(s: Statement): Shape {
  return { items: s.items.map(itemShape), block: s.block ? blockShape(s.block) : null };
}

function blockShape(b: Block): Shape {
  return b.statements.map(statementShape);
}

function treeShape(text: string): Shape {
  const r = parse(text);
  expect(r.diagnostics).toEqual([]);
  return r.syntax.statements.map(statementShape);
}

function commentTexts(text: string): string[] {
  return parse(text).syntax.comments.map((c) => c.text.trimEnd());
}

function formatted(text: string): string {
  const r = format(text);
  if (!r.ok) throw new Error(`format failed: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.text;
}

/** Every property the formatter promises, for one valid input. */
function checkInvariants(input: string): string {
  const out = formatted(input);
  expect(formatted(out)).toBe(out); // idempotent
  expect(treeShape(out)).toEqual(treeShape(input)); // same tree
  expect(commentTexts(out).sort()).toEqual(commentTexts(input).sort()); // no comment lost or duplicated
  if (out !== "") {
    expect(out.endsWith("\n")).toBe(true);
    expect(out.endsWith("\n\n")).toBe(false);
    expect(out.startsWith("\n")).toBe(false);
  }
  expect(out).not.toMatch(/\n\n\n/); // at most one blank line
  expect(out).not.toMatch(/\{\n\n/); // no blank line after `{`
  expect(out).not.toMatch(/\n\n\s*\}/); // no blank line before `}`
  expect(out).not.toContain("\t");
  return out;
}

const MESSY: Record<string, string> = {
  "bad indentation and extra spaces": `experiment   x{
        seeds    3
 data {
tokenizer   bytes
      source  kids   =   builtin( "a" )
   source facts = synthetic.facts( hops : 1 .. 3 )
            }
}
`,
  "semicolon-separated statements": `experiment x { seeds 3; control a ; control b;
data { tokenizer bytes; context 128 } }
models { params log(200k..20M, 6); heads 4 }
`,
  "multi-line lists and calls": `vary {
  curriculum [
    syllabus,
    ceiling,
    shuffled
  ]
  lr [3e-3,
      1e-3] where curriculum != shuffled
}
train {
  optimizer adamw(
    lr: 3e-3,
    betas: (0.9,
            0.95)
  )
}
`,
  "trailing comma continues a statement": `evaluate {
  tasks facts.qa,
        facts.cloze
  loss on heldout
}
`,
  "blank-line runs": `


// header



experiment x {


  seeds 3



  control a


}



`,
  "comments in every position": `// file header
/* block header */

experiment x { // after the brace
  // before seeds
  seeds 3 // trailing seeds
  data {
    tokenizer bytes /* trailing block */ // and a line
    // before the closing brace
  } // after data's brace

  vary {
    curriculum [a, // inside a list
      b /* between */, c]
    lr [1, 2]
  }
  stage early { mix kids 70% } // after an inline block
  stage late { mix kids 70% /* inside an inline block */ }
  stage /* between items and brace */ mid { mix kids 50% }
  // dangling at the end of experiment
}

// end of file
/* really the end */
`,
  "block comments spanning lines": `experiment x {
      /* a block comment
         with its own inner layout
           kept as written */
  seeds 3 /* trailing
  over two lines */
  control a
  analyze {
    fit power_law(loss ~ params) /* inside
    */ by curriculum
  }
}
`,
  "inline block rules": `a { b }
c {
  d
}
e { f; g }
h { i { j } }
k {}
l {
}
m { /* only a comment */ }
n {
  // only a comment
}
`,
  "operators and ranges": `analyze {
  fit chinchilla(loss~params+tokens)
  breaks(accuracy ~params, max:2) by task
  schedule [cosine,constant] where curriculum!=shuffled and x<=4 and y>=-3
  params log(200k  ..  20M,6)
  span 1..3 10%..20% -1..-2
  at stage middle:stack(factor:2)
}
`,
  "semicolon after a trailing comma": `tasks a, b,; loss x
`,
  "comments only": `// nothing but comments

/* here */
`,
  "crlf line endings": "experiment x {\r\n  seeds 3 // trailing\r\n\r\n\r\n  control a\r\n}\r\n",
  empty: "",
};

describe("format: example experiments", () => {
  const files = readdirSync(experimentsDir).filter((f) => f.endsWith(".cgx")).sort();

  it("finds example files", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(`${file} is idempotent, keeps its tree and comments`, () => {
      checkInvariants(readFileSync(join(experimentsDir, file), "utf8"));
    });
  }
});

describe("format: messy inputs", () => {
  for (const [name, input] of Object.entries(MESSY)) {
    it(`${name}: idempotent, same tree, same comments`, () => {
      checkInvariants(input);
    });
  }
});

describe("format: exact output", () => {
  it("normalises spacing and indentation", () => {
    expect(formatted(MESSY["bad indentation and extra spaces"]!)).toBe(`experiment x {
  seeds 3
  data {
    tokenizer bytes
    source kids = builtin("a")
    source facts = synthetic.facts(hops: 1..3)
  }
}
`);
  });

  it("splits semicolon-separated statements, keeping single-statement blocks inline", () => {
    expect(formatted(MESSY["semicolon-separated statements"]!)).toBe(`experiment x {
  seeds 3
  control a
  control b
  data {
    tokenizer bytes
    context 128
  }
}
models {
  params log(200k..20M, 6)
  heads 4
}
`);
  });

  it("joins multi-line lists and calls onto one line", () => {
    expect(formatted(MESSY["multi-line lists and calls"]!)).toBe(`vary {
  curriculum [syllabus, ceiling, shuffled]
  lr [3e-3, 1e-3] where curriculum != shuffled
}
train {
  optimizer adamw(lr: 3e-3, betas: (0.9, 0.95))
}
`);
  });

  it("keeps at most one blank line, none at the start or around braces", () => {
    expect(formatted(MESSY["blank-line runs"]!)).toBe(`// header

experiment x {
  seeds 3

  control a
}
`);
  });

  it("places comments in every position", () => {
    expect(formatted(MESSY["comments in every position"]!)).toBe(`// file header
/* block header */

experiment x {  // after the brace
  // before seeds
  seeds 3  // trailing seeds
  data {
    tokenizer bytes  /* trailing block */ // and a line
    // before the closing brace
  }  // after data's brace

  vary {
    // inside a list
    /* between */
    curriculum [a, b, c]
    lr [1, 2]
  }
  stage early { mix kids 70% }  // after an inline block
  stage late {
    mix kids 70%  /* inside an inline block */
  }
  /* between items and brace */
  stage mid { mix kids 50% }
  // dangling at the end of experiment
}

// end of file
/* really the end */
`);
  });

  it("re-indents only the first line of a block comment", () => {
    expect(formatted(MESSY["block comments spanning lines"]!)).toBe(`experiment x {
  /* a block comment
         with its own inner layout
           kept as written */
  seeds 3  /* trailing
  over two lines */
  control a
  analyze {
    /* inside
    */
    fit power_law(loss ~ params) by curriculum
  }
}
`);
  });

  it("applies the inline-block rule only to one-line blocks of one plain statement", () => {
    expect(formatted(MESSY["inline block rules"]!)).toBe(`a { b }
c {
  d
}
e {
  f
  g
}
h {
  i { j }
}
k {}
l {}
m {  /* only a comment */
}
n {
  // only a comment
}
`);
  });

  it("spaces operators, keeps ranges and separators tight", () => {
    expect(formatted(MESSY["operators and ranges"]!)).toBe(`analyze {
  fit chinchilla(loss ~ params + tokens)
  breaks(accuracy ~ params, max: 2) by task
  schedule [cosine, constant] where curriculum != shuffled and x <= 4 and y >= -3
  params log(200k..20M, 6)
  span 1..3 10%..20% -1..-2
  at stage middle: stack(factor: 2)
}
`);
  });

  it("keeps the `;` after a statement ending in a comma, which would otherwise absorb the next line", () => {
    expect(formatted(MESSY["semicolon after a trailing comma"]!)).toBe("tasks a, b,;\nloss x\n");
  });

  it("normalises CRLF and empty input", () => {
    expect(formatted(MESSY["crlf line endings"]!)).toBe("experiment x {\n  seeds 3  // trailing\n\n  control a\n}\n");
    expect(formatted("")).toBe("");
    expect(formatted("\n\n  \n")).toBe("");
  });

  it("adds exactly one final newline", () => {
    expect(formatted("seeds 3")).toBe("seeds 3\n");
    expect(formatted("seeds 3\n\n\n")).toBe("seeds 3\n");
  });
});

describe("format: broken input", () => {
  for (const bad of [
    "seeds 3 }",
    'source a = builtin("x)',
    "a $ b",
    "a { b ]}",
    "a b c )",
    "a ; {",
    "a: { b )\n}\nc",
    "experiment x {\n  seeds 3\n",
    "f(a, b",
    "vary {\n  lr [1, 2\n}\n",
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      const r = format(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.diagnostics.length).toBeGreaterThan(0);
    });
  }
});

describe("format: property", () => {
  it("extra spaces between tokens never change the output", () => {
    const files = readdirSync(experimentsDir).filter((f) => f.endsWith(".cgx"));
    const sources = files.map((f) => readFileSync(join(experimentsDir, f), "utf8"));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), fc.array(fc.nat(), { maxLength: 40 }), (which, picks) => {
        const src = sources[which]!;
        const expected = formatted(src);
        // Widen random spaces that directly follow a token: never inside a string or a comment.
        const spots = lexer
          .tokenize(src)
          .tokens.map((t) => (t.endOffset ?? t.startOffset) + 1)
          .filter((i) => src[i] === " ");
        if (spots.length === 0) return;
        const chosen = new Set(picks.map((p) => spots[p % spots.length]!));
        let widened = "";
        for (let i = 0; i < src.length; i++) widened += chosen.has(i) ? "   " : src[i];
        expect(formatted(widened)).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });

  it("comments, line breaks and `;` inserted between tokens keep every invariant", () => {
    const sources = [
      ...readdirSync(experimentsDir)
        .filter((f) => f.endsWith(".cgx"))
        .map((f) => readFileSync(join(experimentsDir, f), "utf8")),
      ...Object.values(MESSY),
    ];
    const inserts = [" /* c */ ", "// l\n", "\n", "\n\n\n", ";", "  ", "/* m\n   n */", "\n// o\n", " /* p */\n"];
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: inserts.length - 1 })), { minLength: 1, maxLength: 6 }),
        (which, edits) => {
          const src = sources[which % sources.length]!;
          const spots = lexer.tokenize(src).tokens.map((t) => (t.endOffset ?? t.startOffset) + 1);
          if (spots.length === 0) return;
          const at = new Map(edits.map(([p, k]) => [spots[p % spots.length]!, inserts[k]!]));
          let mutated = "";
          for (let i = 0; i <= src.length; i++) mutated += (at.get(i) ?? "") + (src[i] ?? "");
          // Only valid inputs are formatted; an insertion may well break the program.
          if (parse(mutated).diagnostics.length === 0) checkInvariants(mutated);
        },
      ),
      { numRuns: 300 },
    );
  });
});
