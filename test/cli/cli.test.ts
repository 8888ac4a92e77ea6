import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { human, sci } from "../../src/cli/table.js";
import { CODES } from "../../src/compiler/codes.js";
import { errorsMarkdown } from "../../src/compiler/errors-doc.js";
import { compile } from "../../src/compiler/index.js";
import { PLAN_SCHEMA } from "../../src/plan/schema.js";
import { VERSION } from "../../src/version.js";
import { exampleFiles, memoryIo, ROOT } from "../helpers.js";

async function cgx(args: string[], cwd?: string) {
  const io = memoryIo(cwd);
  const code = await main(["node", "cgx", ...args], io);
  return { code, out: io.stdout, err: io.stderr };
}

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cgx-cli-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const BAD = `experiment x {
  data {
    context 64
    source a = builtin("gutenberg.children")
  }
  models { params [1M] }
  budget tokens 1M
  curriculum c { stage one { mix a 90% } }
}
`;

describe("cgx check", () => {
  it("exits 0 on a valid file", async () => {
    const r = await cgx(["check", "experiments/static_baseline.cgx"], ROOT);
    expect(r.code).toBe(0);
    expect(r.out).toContain("ok");
  });

  it("exits 1 and prints rustc-style diagnostics on errors", async () => {
    const dir = scratch({ "bad.cgx": BAD });
    const r = await cgx(["check", "bad.cgx"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[CGX0501]: the shares of this mix add up to 90%, not 100%");
    expect(r.err).toContain(" --> bad.cgx:8:36");
    expect(r.err).toContain("= help: add 10% to one of the sources");
  });

  it("prints diagnostics as JSON for tools", async () => {
    const dir = scratch({ "bad.cgx": BAD });
    const r = await cgx(["check", "bad.cgx", "--format", "json"], dir);
    expect(r.code).toBe(1);
    const ds = JSON.parse(r.err);
    expect(ds[0]).toMatchObject({ file: "bad.cgx", code: "CGX0501", severity: "error", start: { line: 8, col: 36 } });
  });

  it("exits 1 with a clear message for a missing file", async () => {
    const r = await cgx(["check", "no-such.cgx"], ROOT);
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: cannot read `no-such.cgx`: no such file\n  = help: check the path\n");
  });

  it("exits 1 on a usage error", async () => {
    expect((await cgx(["frobnicate"])).code).toBe(1);
  });
});

describe("cgx compile and plan", () => {
  it("writes the plan atomically with -o", async () => {
    const dir = scratch({});
    const r = await cgx(["compile", join(ROOT, "experiments/static_baseline.cgx"), "-o", "out/plan.json"], dir);
    expect(r.code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, "out/plan.json"), "utf8"));
    // 4 sizes x 2 tokens-per-parameter ratios x 3 seeds.
    expect(plan.cells.length).toBe(24);
  });

  it("shows a table with parameter counts, tokens, FLOPs and an ETA", async () => {
    const r = await cgx(["plan", "experiments/static_baseline.cgx", "--flops-per-second", "1e9"], ROOT);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/params\s+tokens\s+steps\s+FLOPs\s+ETA/);
    expect(r.out).toContain("shuffled/p200k/budget=10/s0");
    expect(r.out).toContain("at 1.00e9 FLOP/s");
  });

  it("shows an IsoFLOP grid cell by cell: each size at each FLOP budget, with totals that add up", async () => {
    const r = await cgx(["plan", "experiments/isoflop.cgx", "--flops-per-second", "1e10"], ROOT);
    expect(r.code).toBe(0);
    const plan = compile(readFileSync(join(ROOT, "experiments/isoflop.cgx"), "utf8")).plan!;
    const rows = r.out.split("\n").filter((l) => /^\s*\d+\s+c[0-9a-f]{12}\s/.test(l));
    expect(rows.length).toBe(plan.cells.length);
    for (const [i, c] of plan.cells.entries()) {
      // The row shows the cell's label and its own FLOP budget.
      expect(rows[i]).toContain(c.label);
      expect(rows[i]).toContain(c.budget.flops.toExponential(2).replace("e+", "e"));
    }
    const budgets = [...new Set(plan.cells.map((c) => c.axes["budget"]))];
    expect(budgets).toEqual([5e10, 1.22e11, 3e11]);
    const sum = (f: (c: (typeof plan.cells)[number]) => number) => plan.cells.reduce((n, c) => n + f(c), 0);
    expect(plan.totals.flops).toBe(sum((c) => c.budget.flops));
    expect(plan.totals.tokens).toBe(sum((c) => c.budget.tokens));
    expect(r.out).toContain(`total: ${human(plan.totals.tokens)} tokens, ${sci(plan.totals.flops)} FLOPs`);
  });
});

describe("cgx schema and explain", () => {
  it("prints the plan schema", async () => {
    const r = await cgx(["schema"]);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(PLAN_SCHEMA)));
  });

  it("explains every code, with or without the prefix", async () => {
    for (const code of Object.keys(CODES)) {
      const r = await cgx(["explain", code]);
      expect(r.code).toBe(0);
      expect(r.out.startsWith(`${code}: `)).toBe(true);
    }
    expect((await cgx(["explain", "501"])).out).toContain("CGX0501");
    const unknown = await cgx(["explain", "CGX9999"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("no such error code");
  });
});

describe("cgx fmt", () => {
  it("rewrites a file, then --check passes; --check fails on an unformatted file", async () => {
    const messy = "experiment x {\n    seeds   2\n\n\n  data { context 64 ; source a = builtin( \"gutenberg.children\" ) }\n  models {params [1M]}\n  budget tokens 1M\n  control shuffled\n}\n";
    const dir = scratch({ "m.cgx": messy });
    const check1 = await cgx(["fmt", "--check", "m.cgx"], dir);
    expect(check1.code).toBe(1);
    expect(check1.out).toContain("m.cgx: not formatted");
    expect(readFileSync(join(dir, "m.cgx"), "utf8")).toBe(messy);
    expect((await cgx(["fmt", "m.cgx"], dir)).code).toBe(0);
    expect((await cgx(["fmt", "--check", "m.cgx"], dir)).code).toBe(0);
    expect((await cgx(["check", "m.cgx"], dir)).code).toBe(0);
  });

  it("keeps every example in canonical form", async () => {
    const r = await cgx(["fmt", "--check", ...exampleFiles().map((f) => `experiments/${f.name}`)], ROOT);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("the installed command", () => {
  it("runs from bin/ with exit codes 0, 1 and no stack trace", () => {
    const bin = join(ROOT, "bin/cgx.js");
    expect(execFileSync("node", [bin, "--version"], { encoding: "utf8" }).trim()).toBe(VERSION);
    const dir = scratch({ "bad.cgx": BAD });
    const r = spawnSync("node", [bin, "check", "bad.cgx"], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("docs and version", () => {
  it("docs/errors.md is generated from the code catalog", () => {
    expect(readFileSync(join(ROOT, "docs/errors.md"), "utf8")).toBe(errorsMarkdown());
  });

  it("VERSION matches package.json", () => {
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version).toBe(VERSION);
  });
});

describe("cgx lsp", () => {
  it("speaks LSP on stdio: initialize, shutdown, exit 0", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn("node", [join(ROOT, "bin/cgx.js"), "lsp", "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    const send = (m: object) => {
      const body = JSON.stringify(m);
      child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (out.includes('"id":1')) clearInterval(t), resolve();
      }, 20);
    });
    expect(out).toContain('"documentFormattingProvider":true');
    send({ jsonrpc: "2.0", id: 2, method: "shutdown" });
    send({ jsonrpc: "2.0", method: "exit" });
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(0);
  }, 30_000);
});
