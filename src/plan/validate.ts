/**
 * Plan validation with ajv. The validator is compiled ahead of time by
 * scripts/build-plan-validator.mjs (part of the build): compiling the schema here takes ~0.2 s, and
 * every `cgx run`, its workers, `report` and `fit` validate a plan. Where that file is missing or
 * was built from another schema (TypeScript sources under test), the schema is compiled once per
 * process, loading ajv then and not with this module (`cgx check` validates no plan).
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { PLAN_SCHEMA } from "./schema.js";
import type { Plan } from "./types.js";

type Validator = ((x: unknown) => boolean) & { errors?: unknown };
let validator: Validator | undefined;
let source: "ahead of time" | "at run time" | undefined;

/** The options both the build and the run-time compile use, so both validate alike. */
export const AJV_OPTIONS = { allErrors: false, strict: true, allowUnionTypes: true } as const;
/** The ahead-of-time validator, next to this module in dist/. */
export const PREBUILT_VALIDATOR = "plan-validator.cjs";

/** Which schema a validator was built from. */
export function planSchemaHash(): string {
  return createHash("sha256").update(JSON.stringify(PLAN_SCHEMA)).digest("hex").slice(0, 16);
}

const require = createRequire(import.meta.url);

function prebuilt(): Validator | undefined {
  try {
    const m = require(`./${PREBUILT_VALIDATOR}`) as Validator & { schemaHash?: string };
    return m.schemaHash === planSchemaHash() ? m : undefined;
  } catch {
    return undefined;
  }
}

function compiled(): Validator {
  if (!validator) {
    const built = prebuilt();
    source = built ? "ahead of time" : "at run time";
    validator = built ?? compileNow();
  }
  return validator;
}

function compileNow(): Validator {
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  return new Ajv2020(AJV_OPTIONS).compile(PLAN_SCHEMA) as unknown as Validator;
}

/** Where this process's validator was compiled (the test that checks the build's is used asks). */
export function validatorCompiled(): "ahead of time" | "at run time" {
  compiled();
  return source!;
}

export interface PlanValidation {
  readonly ok: boolean;
  /** "path: message" lines, empty when ok. */
  readonly errors: string[];
}

export function validatePlan(plan: unknown): PlanValidation {
  const v = compiled();
  if (v(plan)) return { ok: true, errors: [] };
  const errs = (v.errors as Array<{ instancePath: string; message?: string }> | null | undefined) ?? [];
  return { ok: false, errors: errs.map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`) };
}

export function isPlan(x: unknown): x is Plan {
  return validatePlan(x).ok;
}
