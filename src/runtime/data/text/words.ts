/**
 * Words, as readability formulas count them: runs of letters or digits, keeping inner apostrophes
 * and hyphens ("don't", "well-known", "1,000" is two words: "1" and "000" — rare enough to ignore).
 */
const WORD = /[\p{L}\p{N}]+(?:['\u2019-][\p{L}\p{N}]+)*/gu;

export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

export function countWords(text: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text) !== null) n++;
  return n;
}

/** countWords(text) >= n, stopping as soon as it is. */
export function hasWords(text: string, n: number): boolean {
  let k = 0;
  WORD.lastIndex = 0;
  while (k < n && WORD.exec(text) !== null) k++;
  return k >= n;
}
