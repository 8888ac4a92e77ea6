import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/compiler/index.js";
import { PLAN_SCHEMA } from "../../src/plan/schema.js";
import { AJV_OPTIONS } from "../../src/plan/validate.js";
import { exampleFiles, ROOT } from "../helpers.js";

/**
 * The build compiles the plan's validator ahead of time (scripts/build-plan-validator.mjs). The
 * built cgx must use it, and it must judge every plan as the schema compiled at run time does.
 */
const dist = (p: string) => join(ROOT, "dist", "src", "plan", p);
type Validator = ((x: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };

describe("the plan validator compiled ahead of time", () => {
  it("is what the built cgx validates with", async () => {
    const m = (await import(dist("validate.js"))) as typeof import("../../src/plan/validate.js");
    expect(m.validatorCompiled()).toBe("ahead of time");
  });

  it("judges valid and broken plans exactly as the run-time compile does", () => {
    const require = createRequire(import.meta.url);
    const built = require(dist("plan-validator.cjs")) as Validator;
    const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const fresh = new Ajv2020(AJV_OPTIONS).compile(PLAN_SCHEMA) as unknown as Validator;
    const plans = exampleFiles().flatMap((f) => {
      const p = compile(f.text).plan;
      return p ? [JSON.parse(JSON.stringify(p)) as Record<string, unknown>] : [];
    });
    expect(plans.length).toBeGreaterThan(3);
    const broken = (p: Record<string, unknown>): unknown[] => {
      const cells = p.cells as Record<string, unknown>[];
      return [
        { ...p, cells: [{ ...cells[0], seed: "one" }, ...cells.slice(1)] },
        { ...p, experiment: 42 },
        { ...p, unexpected: true },
        (({ cells: _c, ...rest }) => rest)(p),
        { ...p, cells: [{ ...cells[0], model: { ...(cells[0]!.model as object), layers: -1.5 } }] },
      ];
    };
    let rejected = 0;
    for (const plan of plans) {
      for (const candidate of [plan, ...broken(plan)]) {
        const a = built(candidate);
        const b = fresh(candidate);
        expect(a).toBe(b);
        expect(built.errors ?? null).toEqual(fresh.errors ?? null);
        if (!a) rejected++;
      }
    }
    // The broken plans are broken (a validator that accepts everything would agree with itself).
    expect(rejected).toBeGreaterThanOrEqual(plans.length * 4);
    expect(readFileSync(dist("plan-validator.cjs"), "utf8")).toContain("schemaHash");
  });
});
