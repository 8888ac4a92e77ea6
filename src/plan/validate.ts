/**
 * Plan validation with ajv, compiled once per process. ajv is loaded on the first validation, not
 * with this module: `cgx check` validates no plan and need not load it (~30 ms of every start).
 */
import { createRequire } from "node:module";
import { PLAN_SCHEMA } from "./schema.js";
import type { Plan } from "./types.js";

type Validator = ((x: unknown) => boolean) & { errors?: unknown };
let validator: Validator | undefined;

function compiled(): Validator {
  if (!validator) {
    const { Ajv2020 } = createRequire(import.meta.url)("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
    validator = ajv.compile(PLAN_SCHEMA) as unknown as Validator;
  }
  return validator;
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
