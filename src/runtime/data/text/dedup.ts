/** Exact deduplication after normalisation: keeps the first occurrence, so the result is deterministic. */
import { normalizeText } from "./normalize.js";

export function dedupe<T extends { readonly text: string }>(docs: Iterable<T>): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const d of docs) {
    // Texts are normally stored normalised already; normalising again makes this safe for any input.
    const key = normalizeText(d.text);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(key === d.text ? d : { ...d, text: key });
  }
  return out;
}
