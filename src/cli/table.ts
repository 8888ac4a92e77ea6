/** Plain-text tables and number formats for the CLI. */

export function table(headers: readonly string[], rows: readonly (readonly string[])[], rightAlign: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}

/** 1234567 -> 1.23M */
export function human(n: number): string {
  const abs = Math.abs(n);
  const units: Array<[number, string]> = [
    [1e15, "P"],
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [v, u] of units) if (abs >= v) return `${(n / v).toFixed(n / v >= 100 ? 0 : 2)}${u}`;
  return String(Math.round(n));
}

export function sci(n: number): string {
  return n.toExponential(2).replace("e+", "e");
}

export function duration(seconds: number): string {
  if (!isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  const h = Math.floor(seconds / 3600);
  return `${h}h${String(Math.round((seconds % 3600) / 60)).padStart(2, "0")}m`;
}
