/** What a `where` filter means for one example: shared by the sampler and the check before training. */
import type { PlanFilter } from "../../plan/types.js";
import type { PoolExample } from "./sampler.js";

/** The example's value of a filter field: `difficulty` under the curriculum's metric, else a field. */
export function fieldValue(ex: PoolExample, field: string): number | undefined {
  return field === "difficulty" ? ex.difficulty : ex.fields[field];
}

/** Whether the example passes every filter; an example without a filter's field fails it. */
export function passes(ex: PoolExample, filters: readonly PlanFilter[]): boolean {
  for (const f of filters) {
    const v = fieldValue(ex, f.field);
    if (v === undefined) return false;
    switch (f.op) {
      case "<=":
        if (!(v <= f.value)) return false;
        break;
      case ">=":
        if (!(v >= f.value)) return false;
        break;
      case "<":
        if (!(v < f.value)) return false;
        break;
      case ">":
        if (!(v > f.value)) return false;
        break;
      case "==":
        if (v !== f.value) return false;
        break;
      case "!=":
        if (v === f.value) return false;
        break;
    }
  }
  return true;
}
