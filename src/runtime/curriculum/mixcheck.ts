/**
 * The check before any cell trains: every source of every mix keeps at least one training example
 * under the mix's `where` filters, and a stage that lasts until a share of a source has been used
 * (`for 10% of easy`) keeps at least that share of it. The compiler cannot know (it never reads the data); found at a
 * cell's start instead, it would fail every cell of the curriculum one by one after others trained.
 * The error names the curriculum, the stage and the source, points at where the source is written
 * (the plan's `positions`), and says how many examples the filter kept and what values the field has.
 */
import type { Plan, PlanCurriculum, PlanDataUsed, PlanFilter, PlanMetric, PlanMixPart, PlanPosition } from "../../plan/types.js";
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
  /** A stage's end in data used. */
  readonly until: PlanDataUsed | null;
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
    if (c.kind === "staged") for (const st of c.stages) add({ curriculum: c, stage: st.name, mixture: st.mixture, filters: st.filters, until: typeof st.end === "number" ? null : st.end });
    else add({ curriculum: c, stage: null, mixture: c.mixture, filters: c.filters, until: null });
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
    const until = use.until;
    if (until) {
      const drawable = (examples.get(until.source) ?? []).filter((e) => e.tokens.length > 0).length;
      if (kept(until.source) < until.share * drawable) throw unreachable(plan, use, until, kept(until.source), drawable);
    }
  }
}

/** A stage whose filter keeps less of a source than the share of it the stage lasts for: it could never end. */
function unreachable(plan: Plan, use: MixUse, until: PlanDataUsed, kept: number, drawable: number): DataError {
  const mix = plan.positions?.mixes.find((m) => m.curriculum === use.curriculum.name && m.stage === use.stage);
  const pos = mix?.sources.find((p) => p.source === until.source) ?? mix?.where;
  const at = pos ? `line ${pos.line}, col ${pos.col}: ` : "";
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return new DataError(
    `${at}stage \`${use.stage}\` of curriculum \`${use.curriculum.name}\` lasts until ${pct(until.share)} of \`${until.source}\` has been used, but its filter keeps only ${kept.toLocaleString("en-US")} of its ${drawable.toLocaleString("en-US")} training examples (${pct(kept / Math.max(1, drawable))}), so it could never end`,
    `loosen the filter, or end the stage at a share of \`${until.source}\` below ${pct(kept / Math.max(1, drawable))}`,
  );
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
