/** Turns expanded cells into the plan: stable ids, the source hash, totals; and its canonical JSON text. */
import type { Cell, Plan } from "../plan/types.js";
import { PLAN_FORMAT, PLAN_VERSION } from "../plan/types.js";
import type { Expansion } from "./expand.js";

import { sha256 } from "../plan/hash.js";

export { planJson, sha256 } from "../plan/hash.js";

/**
 * A cell's id hashes everything that determines its training: its content (with `axes` keys sorted),
 * the plan's `data` section (as the hex SHA-256 of its JSON) and the seed. So it survives reordering
 * the grid, and changes with any change to what the cell trains on. docs/plan.md#cell-ids.
 */
export function cellId(contentJson: string, dataHash: string, seed: number): string {
  return "c" + sha256(`${contentJson}|data=${dataHash}|seed=${seed}`).slice(0, 12);
}

export function emitPlan(experiment: string, source: string, compilerVersion: string, seeds: readonly number[], x: Expansion): Plan {
  const cells: readonly Cell[] = x.cells;
  let tokens = 0;
  let flops = 0;
  for (const c of cells) {
    tokens += c.budget.tokens;
    flops += c.budget.flops;
  }
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    experiment,
    source_hash: sha256(source),
    compiler_version: compilerVersion,
    data: x.data,
    seeds: [...seeds],
    cells,
    analyses: x.analyses,
    totals: { cells: cells.length, tokens, flops },
    positions: x.positions,
  };
}
