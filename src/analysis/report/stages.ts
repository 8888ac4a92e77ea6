/**
 * Per stage: for each staged curriculum, stage, size (and setting of the other axes), the heldout
 * loss at the stage boundary (the eval nearest the stage's end) overall and per difficulty
 * bucket, with the gap to the reference curriculum at the same number of tokens.
 */
import type { CellRun, RunData } from "../rundir.js";
import { differenceInterval, type Estimate, interpLogX, tInterval } from "../stats.js";
import { contextKey, curricula, curriculumOf, evalCurve, evalNearest, lossOf, referenceCurriculum, sizesOf, stagesOf } from "./cells.js";

export interface StageRow {
  readonly curriculum: string;
  readonly stage: string;
  readonly stage_start: number;
  readonly stage_end: number;
  readonly context: string;
  readonly size: string;
  readonly params: number;
  readonly seeds: readonly number[];
  /** Tokens of the eval used (nearest the stage end). */
  readonly eval_tokens: number;
  readonly loss: Estimate;
  readonly buckets: readonly { readonly label: string; readonly loss: Estimate }[];
  readonly reference: string | null;
  readonly reference_loss: number | null;
  /** Loss minus the reference's loss at the same tokens (negative: ahead of the reference). */
  readonly gap: (Estimate & { readonly paired: boolean }) | null;
}

export interface StageTable {
  readonly reference: { readonly name: string; readonly why: string } | null;
  readonly rows: readonly StageRow[];
  readonly notes: readonly string[];
}

export function stageTable(run: RunData): StageTable {
  const notes: string[] = [];
  const ref = referenceCurriculum(run);
  const rows: StageRow[] = [];
  const staged = curricula(run).filter((name) => run.plan.cells.some((c) => curriculumOf(c) === name && stagesOf(c).length > 0));
  if (!staged.length) return { reference: ref, rows, notes: ["no staged curriculum in the plan: no per-stage table"] };
  const shared = new Set<string>();
  for (const cur of staged) {
    const cells = run.cells.filter((c) => curriculumOf(c.cell) === cur);
    const contexts = [...new Set(cells.map((c) => contextKey(c.cell)))];
    for (const ctx of contexts) {
      for (const { size, params } of sizesOf(run.plan.cells)) {
        const group = cells.filter((c) => c.cell.size === size && contextKey(c.cell) === ctx && c.finished);
        if (!group.length) continue;
        const refCells = ref && ref.name !== cur ? run.cells.filter((c) => curriculumOf(c.cell) === ref.name && c.cell.size === size && contextKey(c.cell) === ctx && c.finished) : [];
        const stages = stagesOf(group[0]!.cell);
        const used = new Map<number, string>();
        for (const st of stages) {
          const evs = group.map((c) => ({ c, ev: evalNearest(c, st.end) })).filter((e): e is { c: CellRun; ev: NonNullable<typeof e.ev> } => e.ev !== undefined);
          if (!evs.length) continue;
          const evalTokens = evs[0]!.ev.tokens;
          const prior = used.get(evalTokens);
          if (prior !== undefined) shared.add(`${cur}: stages ${prior} and ${st.name} share the eval at ${evalTokens} tokens`);
          else used.set(evalTokens, st.name);
          const loss = tInterval(evs.map((e) => e.ev.loss));
          const labels = [...new Set(evs.flatMap((e) => e.ev.by_bucket.map((b) => b.label)))];
          const buckets = labels.map((label) => ({ label, loss: tInterval(evs.map((e) => lossOf(e.ev, { kind: "bucket", label }))) }));
          let gap: StageRow["gap"] = null;
          let refLoss: number | null = null;
          if (refCells.length) {
            const a = new Map<number, number>();
            const b = new Map<number, number>();
            for (const e of evs) a.set(e.c.cell.seed, e.ev.loss);
            for (const r of refCells) {
              const l = interpLogX(evalCurve(r, "tokens"), evalTokens);
              if (l !== null) b.set(r.cell.seed, l);
            }
            if (b.size) {
              gap = differenceInterval(a, b);
              refLoss = [...b.values()].reduce((s, v) => s + v, 0) / b.size;
            }
          }
          rows.push({
            curriculum: cur,
            stage: st.name,
            stage_start: st.start,
            stage_end: st.end,
            context: ctx,
            size,
            params,
            seeds: evs.map((e) => e.c.cell.seed).sort((x, y) => x - y),
            eval_tokens: evalTokens,
            loss,
            buckets,
            reference: refCells.length ? ref!.name : null,
            reference_loss: refLoss,
            gap,
          });
        }
      }
    }
  }
  for (const s of shared) notes.push(`${s}: evaluate more often to tell them apart`);
  const far = rows.filter((r) => Math.abs(r.eval_tokens - r.stage_end) > 0.1 * Math.max(1, r.stage_end - r.stage_start));
  if (far.length) {
    const uniq = [...new Set(far.map((r) => `${r.curriculum}/${r.stage} (ends at ${r.stage_end}, nearest eval at ${r.eval_tokens})`))];
    notes.push(`the eval nearest the end of ${uniq.join("; ")} is more than 10% of the stage away from its end: stage-boundary losses are approximate`);
  }
  return { reference: ref, rows, notes };
}
