/**
 * The check before any cell trains: every source of every mix keeps at least one training example
 * under the mix's `where` filters. The compiler cannot know (it never reads the data); found at a
 * cell's start instead, it would fail every cell of the curriculum one by one after others trained.
 * The error names the curriculum, the stage and the source, points at where the source is written
 * (the plan's `positions`), and says how many examples the filter kept and what values the field has.
 */
import type { Plan, PlanCurriculum, PlanFilter, PlanMetric, PlanMixPart, PlanPosition } from "../../plan/types.js";
import { DataError } from "../data/errors.js";
import { fieldValue, passes } from "./filters.js";
import type { PoolExample } from "./sampler.js";

/** One place a curriculum draws from: a stage, or a whole non-staged curriculum. */
interface MixUse {
  readonly curriculum: PlanCurriculum;
  readonly stage: string | null;
  /** null: every source in one pool. */
  readonly mixture: readonly PlanMixPart[] | null;
  readonly filters: readonly PlanFilter[];
}

/** Every distinct mix of the plan's cells, in plan order (cells of one curriculum differ only in their token bounds). */
function mixUses(plan: Plan): MixUse[] {
  const seen = new Set<string>();
  const out: MixUse[] = [];
  const add = (u: MixUse) => {
    const key = JSON.stringify([u.curriculum.name, u.stage, u.mixture, u.filters, "metric" in u.curriculum ? u.curriculum.metric : null]);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(u);
  };
  for (const cell of plan.cells) {
    const c = cell.curriculum;
    if (c.kind === "staged") for (const st of c.stages) add({ curriculum: c, stage: st.name, mixture: st.mixture, filters: st.filters });
    else add({ curriculum: c, stage: null, mixture: c.mixture, filters: c.filters });
  }
  return out;
}

/**
 * Throws a DataError for the first mix with a source that keeps no example. `pools(metric)` gives
 * every source's training examples scored by `metric` (a filter on `difficulty` reads that score).
 */
export function checkMixes(plan: Plan, pools: (metric: PlanMetric) => ReadonlyMap<string, readonly PoolExample[]>): void {
  for (const use of mixUses(plan)) {
    const c = use.curriculum;
    const byDifficulty = use.filters.some((f) => f.field === "difficulty");
    const examples = pools(byDifficulty && "metric" in c ? c.metric : plan.data.difficulty);
    const names = use.mixture ? use.mixture.map((p) => p.source) : [...examples.keys()];
    const kept = (name: string) => (examples.get(name) ?? []).filter((e) => e.tokens.length > 0 && passes(e, use.filters)).length;
    if (use.mixture) {
      for (const name of names) if (kept(name) === 0) throw emptySource(plan, use, name, examples.get(name) ?? []);
    } else if (names.every((n) => kept(n) === 0)) {
      throw emptySource(plan, use, null, names.flatMap((n) => examples.get(n) ?? []));
    }
  }
}

function emptySource(plan: Plan, use: MixUse, source: string | null, examples: readonly PoolExample[]): DataError {
  const c = use.curriculum;
  const who = `${c.kind === "shuffled" || c.kind === "anti" ? "control" : "curriculum"} \`${c.name}\`${use.stage ? `, stage \`${use.stage}\`` : ""}`;
  // Plans in run directories made before positions existed have none: the message then goes without.
  const mix = plan.positions?.mixes.find((m) => m.curriculum === c.name && m.stage === use.stage);
  const pos: PlanPosition | null | undefined = source ? mix?.sources.find((p) => p.source === source) : mix?.where;
  const at = pos ? `line ${pos.line}, col ${pos.col}: ` : "";
  const what = source ? `source \`${source}\`` : "the sources";
  const total = examples.length;
  const counted = `${total.toLocaleString("en-US")} training example${total === 1 ? "" : "s"}`;
  if (use.filters.length === 0) {
    return new DataError(`${at}${what} in the mix of ${who} has no training examples with text (0 of ${counted})`, `give it more text, lower \`heldout\`, or leave ${source ? `\`${source}\`` : "it"} out of this mix`);
  }
  const where = use.filters.map((f) => `${f.field} ${f.op} ${f.value}`).join(" and ");
  const ranges = [...new Set(use.filters.map((f) => f.field))].map((field) => range(field, examples, source));
  return new DataError(
    `${at}${what} in the mix of ${who} keeps no example under \`where ${where}\`: the filter kept 0 of its ${counted}`,
    `${ranges.join("; ")}: loosen the filter, or leave ${source ? `\`${source}\`` : "these sources"} out of this mix`,
  );
}

/** "`level` runs from 2 to 3 in `picks`", or that no example has the field. */
function range(field: string, examples: readonly PoolExample[], source: string | null): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of examples) {
    const v = fieldValue(e, field);
    if (v === undefined || Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const inWhat = source ? `\`${source}\`` : "these sources";
  if (lo > hi) return `no example of ${inWhat} has the field \`${field}\``;
  const fmt = (v: number) => String(Number(v.toPrecision(4)));
  return lo === hi ? `\`${field}\` is ${fmt(lo)} in every example of ${inWhat}` : `\`${field}\` runs from ${fmt(lo)} to ${fmt(hi)} in ${inWhat}`;
}
