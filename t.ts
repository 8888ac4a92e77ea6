import { compile, renderDiagnostics, planJson } from "./src/compiler/index.js";
import { readFileSync } from "node:fs";
const text = readFileSync(process.argv[2]!, "utf8");
const t0 = performance.now();
const r = compile(text);
console.log(renderDiagnostics(r.diagnostics, "x.cgx", r.index));
if (r.plan) { const j = planJson(r.plan); console.log(r.plan.cells.length, "cells", j.length, "bytes", (performance.now()-t0).toFixed(0), "ms"); console.log(JSON.stringify(r.plan.cells[0], null, 1).slice(0, 4000)); }
