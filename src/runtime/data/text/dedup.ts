/**
 * Exact deduplication after normalisation. Every loader stores texts already normalised
 * (normalizeText), so equal-after-normalisation is plain string equality here. Keeps the first
 * occurrence, so the result is deterministic.
 */
export function dedupe<T extends { readonly text: string }>(docs: Iterable<T>): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const d of docs) {
    if (!d.text || seen.has(d.text)) continue;
    seen.add(d.text);
    out.push(d);
  }
  return out;
}
