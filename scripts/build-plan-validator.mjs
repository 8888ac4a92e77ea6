// Compiles the plan's JSON Schema validator ahead of time into dist/src/plan/plan-validator.cjs
// (ajv's standalone code). Compiling it at run time took ~0.2 s of every `cgx run`, `report` and
// `fit`, and of every worker that loads a plan. src/plan/validate.ts uses this file only when it
// was built from the same schema (the hash below), and compiles the schema itself otherwise.
import { createRequire } from "node:module";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PLAN_SCHEMA, } from "../dist/src/plan/schema.js";
import { AJV_OPTIONS, planSchemaHash, PREBUILT_VALIDATOR } from "../dist/src/plan/validate.js";

const require = createRequire(import.meta.url);
const { Ajv2020 } = require("ajv/dist/2020.js");
const standaloneCode = require("ajv/dist/standalone").default;

const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
const code = `${standaloneCode(ajv, ajv.compile(PLAN_SCHEMA))}\nmodule.exports.schemaHash = ${JSON.stringify(planSchemaHash())};\n`;
const out = new URL(`../dist/src/plan/${PREBUILT_VALIDATOR}`, import.meta.url).pathname;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, code);
renameSync(`${out}.tmp`, out);
