/**
 * A small server-side SVG plotting module: linear and log axes (decade ticks, with 2-5 or plain
 * ticks when the range is under a decade), lines, points with optional error bars, shaded bands,
 * vertical markers and a legend. Output is a self-contained <svg> element string (no scripts,
 * fonts or external references). Every plot carries its id and data-* counts of what it draws,
 * and every point a <title>, so tests and readers can check it holds data.
 */

export type AxisKind = "log" | "linear";

export interface Tick {
  readonly value: number;
  /** null for an unlabeled minor tick. */
  readonly label: string | null;
}

export interface Scale {
  readonly kind: AxisKind;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  map(v: number): number;
  ticks(): Tick[];
}

export interface XY {
  readonly x: number;
  readonly y: number;
}

export interface PointDatum extends XY {
  readonly title?: string;
  /** Optional vertical error bar. */
  readonly lo?: number;
  readonly hi?: number;
}

export interface Series {
  readonly name: string;
  readonly color?: string;
  readonly points?: readonly PointDatum[];
  readonly line?: readonly XY[];
  readonly band?: readonly { readonly x: number; readonly lo: number; readonly hi: number }[];
  readonly dashed?: boolean;
  readonly lineWidth?: number;
  readonly opacity?: number;
  /** Shown in the legend (default true). Series sharing a name and color appear once. */
  readonly legend?: boolean;
  readonly pointRadius?: number;
  readonly hollow?: boolean;
}

export interface Marker {
  readonly value: number;
  readonly label: string;
  readonly interval?: readonly [number, number] | null;
  /** What the shaded interval is, in the marker's title; default "95% interval". */
  readonly intervalLabel?: string;
  readonly color?: string;
  /** Data attribute naming the kind of marker (break, crossover, stage, event). */
  readonly kind?: string;
}

export interface PlotSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: AxisKind;
  readonly y: AxisKind;
  readonly series: readonly Series[];
  /** Vertical lines at x values. */
  readonly markers?: readonly Marker[];
  readonly width?: number;
  readonly height?: number;
  /** Shown instead of the plot area's content when there is nothing to draw. */
  readonly emptyText?: string;
  /** Draw a horizontal line at y = 0 (linear y axes). */
  readonly zeroLine?: boolean;
  /** What the plot shows, for a caption under it. */
  readonly caption?: string;
  /** Widest legend in pixels (default 190); longer names run past it. */
  readonly legendMax?: number;
}

/** Okabe-Ito, colour-blind safe. */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

/** A plot id usable as an HTML id: runs of other characters become "-". */
export function plotId(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, "-");
}

export function color(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Compact number: 20000 -> 20k, 1.5e6 -> 1.5M, 2.45 -> 2.45, 0.001 -> 1e-3. */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  const units: [number, string][] = [
    [1e18, "E"],
    [1e15, "P"],
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [u, s] of units) if (a >= u * 0.9995) return `${trim((v / u).toPrecision(digits))}${s}`;
  if (a >= 0.01) return trim(v.toPrecision(digits));
  return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, "e").replace("e+", "e");
}

function trim(s: string): string {
  return s.includes(".") && !s.includes("e") ? s.replace(/\.?0+$/, "") : s;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

export function linearTicks(lo: number, hi: number, count = 5): Tick[] {
  if (!(hi > lo)) return [{ value: lo, label: formatNumber(lo) }];
  const step = niceStep(hi - lo, count);
  const out: Tick[] = [];
  const first = Math.ceil(lo / step - 1e-9) * step;
  // Plain decimals at the step's precision (0.005, not 5e-3) unless the values are large.
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9) + (String(Number((step / 10 ** Math.floor(Math.log10(step))).toPrecision(3))).includes(".") ? 1 : 0));
  const big = Math.max(Math.abs(lo), Math.abs(hi)) >= 1e4;
  // A step lost in rounding (an extreme value in the data) would never advance: two ticks then.
  if (!((hi - first) / step < 100) || first + step === first) return [lo, hi].map((v) => ({ value: v, label: formatNumber(v, 4) }));
  for (let v = first; v <= hi + step * 1e-9; v += step) {
    const r = Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12));
    out.push({ value: r, label: big ? formatNumber(r, 4) : r.toFixed(Math.min(decimals, 10)) });
  }
  return out;
}

/**
 * Ticks for a log axis over [lo, hi]: labeled decades with unlabeled 2..9 minors when the range
 * covers two decades or more; else labeled 1-2-5 (or 1..9) multiples; else plain linear ticks.
 */
export function logTicks(lo: number, hi: number): Tick[] {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) return [];
  const k0 = Math.floor(Math.log10(lo));
  const k1 = Math.ceil(Math.log10(hi));
  const inRange = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const multiples = (ms: readonly number[]) => {
    const vs: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of ms) vs.push(Number((m * 10 ** k).toPrecision(12)));
    return vs.filter(inRange);
  };
  const decades = multiples([1]);
  if (decades.length >= 2) {
    const minors = k1 - k0 <= 8 ? multiples([2, 3, 4, 5, 6, 7, 8, 9]) : [];
    const labelEvery = Math.ceil(decades.length / 8);
    return [
      ...decades.map((v, i) => ({ value: v, label: i % labelEvery === 0 ? formatNumber(v) : null })),
      ...minors.map((v) => ({ value: v, label: null })),
    ].sort((a, b) => a.value - b.value);
  }
  const coarse = multiples([1, 2, 5]);
  if (coarse.length >= 3 && coarse.length <= 10) return coarse.map((v) => ({ value: v, label: formatNumber(v) }));
  const fine = multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  if (fine.length >= 3 && fine.length <= 10) {
    // Label 1, 2, 3 and 5 times a power of ten (the others crowd at the top of a decade).
    const major = multiples([1, 2, 3, 5]);
    return fine.map((v) => ({ value: v, label: fine.length > 5 && major.length >= 2 && !major.includes(v) ? null : formatNumber(v) }));
  }
  return linearTicks(lo, hi, 4).filter((t) => t.value > 0);
}

export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  return {
    kind: "log",
    domain,
    range,
    map: (v) => range[0] + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (range[1] - range[0]),
    ticks: () => logTicks(d0, d1),
  };
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  return {
    kind: "linear",
    domain,
    range,
    map: (v) => range[0] + ((v - d0) / (d1 - d0 || 1)) * (range[1] - range[0]),
    ticks: () => linearTicks(d0, d1, 5),
  };
}

/** A padded domain holding every value (positive values only on a log axis); null when none. */
export function domainOf(values: readonly number[], kind: AxisKind): [number, number] | null {
  const v = values.filter((x) => Number.isFinite(x) && (kind === "linear" || x > 0));
  if (!v.length) return null;
  // A loop, not Math.min(...v): a plot can hold more points than the stack has frames.
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  // Padding must not push an extreme value (1e300) past what a double holds.
  const finite = (d: [number, number]): [number, number] => [Math.max(d[0], kind === "log" ? Number.MIN_VALUE : -Number.MAX_VALUE), Math.min(d[1], Number.MAX_VALUE)];
  if (kind === "log") {
    if (hi / lo < 1 + 1e-9) return finite([lo / 1.5, hi * 1.5]);
    const pad = (Math.log10(hi) - Math.log10(lo)) * 0.05;
    return finite([lo / 10 ** pad, hi * 10 ** pad]);
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const d = Math.abs(hi) * 0.1 || 1;
    return [lo - d, hi + d];
  }
  const pad = (hi - lo) * 0.05;
  return finite([lo - pad, hi + pad]);
}

const f = (v: number) => (Math.round(v * 100) / 100).toString();

export interface PlotCounts {
  readonly series: number;
  readonly points: number;
  readonly lines: number;
  readonly bands: number;
  readonly markers: number;
}

export function renderPlot(spec: PlotSpec): string {
  const W = spec.width ?? 560;
  const H = spec.height ?? 360;
  const legendEntries: { name: string; color: string; dashed: boolean }[] = [];
  spec.series.forEach((s, i) => {
    const c = s.color ?? color(i);
    if (s.legend === false) return;
    if (!legendEntries.some((e) => e.name === s.name && e.color === c)) legendEntries.push({ name: s.name, color: c, dashed: Boolean(s.dashed) });
  });
  const legendW = legendEntries.length ? Math.min(spec.legendMax ?? 190, 34 + 6.6 * Math.max(...legendEntries.map((e) => e.name.length))) : 0;
  const m = { top: 34, right: 14 + legendW, bottom: 46, left: 62 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  const okX = (v: number) => Number.isFinite(v) && (spec.x === "linear" || v > 0);
  const okY = (v: number) => Number.isFinite(v) && (spec.y === "linear" || v > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (const p of s.points ?? []) {
      if (!okX(p.x) || !okY(p.y)) continue;
      xs.push(p.x);
      ys.push(p.y);
      if (p.lo !== undefined && okY(p.lo)) ys.push(p.lo);
      if (p.hi !== undefined && okY(p.hi)) ys.push(p.hi);
    }
    for (const p of s.line ?? []) {
      if (okX(p.x) && okY(p.y)) {
        xs.push(p.x);
        ys.push(p.y);
      }
    }
    for (const b of s.band ?? []) {
      if (okX(b.x) && okY(b.lo) && okY(b.hi)) {
        xs.push(b.x);
        ys.push(b.lo, b.hi);
      }
    }
  }
  if (spec.zeroLine && spec.y === "linear") ys.push(0);
  const markers = (spec.markers ?? []).filter((mk) => okX(mk.value));
  const xDom = domainOf(xs.length ? [...xs, ...markers.map((mk) => mk.value)] : [], spec.x);
  const yDom = domainOf(ys, spec.y);

  let points = 0;
  let lines = 0;
  let bands = 0;
  const body: string[] = [];
  const clipId = `${spec.id}-clip`;
  if (xDom && yDom) {
    const sx = (spec.x === "log" ? logScale : linearScale)(xDom, [m.left, m.left + pw]);
    const sy = (spec.y === "log" ? logScale : linearScale)(yDom, [m.top + ph, m.top]);
    // Grid and ticks.
    const axis: string[] = [];
    for (const t of sx.ticks()) {
      const X = f(sx.map(t.value));
      axis.push(`<line class="grid${t.label === null ? " minor" : ""}" x1="${X}" x2="${X}" y1="${m.top}" y2="${m.top + ph}"/>`);
      axis.push(`<line class="tick" x1="${X}" x2="${X}" y1="${m.top + ph}" y2="${m.top + ph + (t.label === null ? 3 : 5)}"/>`);
      if (t.label !== null) axis.push(`<text class="tick-label" x="${X}" y="${m.top + ph + 17}" text-anchor="middle">${esc(t.label)}</text>`);
    }
    for (const t of sy.ticks()) {
      const Y = f(sy.map(t.value));
      axis.push(`<line class="grid${t.label === null ? " minor" : ""}" x1="${m.left}" x2="${m.left + pw}" y1="${Y}" y2="${Y}"/>`);
      axis.push(`<line class="tick" x1="${m.left - (t.label === null ? 3 : 5)}" x2="${m.left}" y1="${Y}" y2="${Y}"/>`);
      if (t.label !== null) axis.push(`<text class="tick-label" x="${m.left - 8}" y="${Y}" dy="0.32em" text-anchor="end">${esc(t.label)}</text>`);
    }
    body.push(`<g class="axes">${axis.join("")}</g>`);
    body.push(`<clipPath id="${esc(clipId)}"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath>`);
    const inner: string[] = [];
    if (spec.zeroLine && spec.y === "linear" && yDom[0] < 0 && yDom[1] > 0) {
      const Y = f(sy.map(0));
      inner.push(`<line class="zero" x1="${m.left}" x2="${m.left + pw}" y1="${Y}" y2="${Y}"/>`);
    }
    const labels: string[] = [];
    markers.forEach((mk, k) => {
      const px = sx.map(mk.value);
      const X = f(px);
      const c = mk.color ?? "#555";
      const iv = mk.interval && okX(mk.interval[0]) && okX(mk.interval[1]) ? mk.interval : null;
      const band = iv ? `<rect class="marker-interval" x="${f(sx.map(iv[0]))}" y="${m.top}" width="${f(Math.max(0.5, sx.map(iv[1]) - sx.map(iv[0])))}" height="${ph}" fill="${c}" fill-opacity="0.08"/>` : "";
      const full = `${mk.label}${iv ? ` (${mk.intervalLabel ?? "95% interval"} ${formatNumber(iv[0])} to ${formatNumber(iv[1])})` : ""}`;
      inner.push(`<g class="marker" data-kind="${esc(mk.kind ?? "marker")}" data-x="${mk.value}">${band}<line x1="${X}" x2="${X}" y1="${m.top}" y2="${m.top + ph}" stroke="${c}" stroke-dasharray="4 3"/><title>${esc(full)}</title></g>`);
      // Labels outside the clip, staggered, on the side of the line with room; the full text is the title.
      if (px < m.left - 0.5 || px > m.left + pw + 0.5 || k >= 6) return;
      const right = px > m.left + pw / 2;
      const short = mk.label.length > 30 ? `${mk.label.slice(0, 29)}…` : mk.label;
      labels.push(`<text class="marker-label" x="${X}" y="${m.top + 11 + 12 * k}" dx="${right ? -3 : 3}" text-anchor="${right ? "end" : "start"}" fill="${c}">${esc(short)}<title>${esc(full)}</title></text>`);
    });
    spec.series.forEach((s, i) => {
      const c = s.color ?? color(i);
      const parts: string[] = [];
      const band = (s.band ?? []).filter((b) => okX(b.x) && okY(b.lo) && okY(b.hi)).sort((a, b) => a.x - b.x);
      if (band.length >= 2) {
        const up = band.map((b, j) => `${j ? "L" : "M"}${f(sx.map(b.x))},${f(sy.map(b.hi))}`).join("");
        const down = [...band].reverse().map((b) => `L${f(sx.map(b.x))},${f(sy.map(b.lo))}`).join("");
        parts.push(`<path class="band" d="${up}${down}Z" fill="${c}" fill-opacity="0.15" stroke="none"/>`);
        bands++;
      }
      const line = (s.line ?? []).filter((p) => okX(p.x) && okY(p.y));
      if (line.length >= 2) {
        const d = line.map((p, j) => `${j ? "L" : "M"}${f(sx.map(p.x))},${f(sy.map(p.y))}`).join("");
        parts.push(
          `<path class="line" d="${d}" fill="none" stroke="${c}" stroke-width="${s.lineWidth ?? 1.6}"${s.dashed ? ' stroke-dasharray="6 4"' : ""}${s.opacity !== undefined ? ` stroke-opacity="${s.opacity}"` : ""}/>`,
        );
        lines++;
      }
      for (const p of s.points ?? []) {
        if (!okX(p.x) || !okY(p.y)) continue;
        const X = f(sx.map(p.x));
        const Y = f(sy.map(p.y));
        const title = p.title ?? `${s.name}: x=${formatNumber(p.x, 4)}, y=${formatNumber(p.y, 4)}`;
        const err =
          p.lo !== undefined && p.hi !== undefined && okY(p.lo) && okY(p.hi)
            ? `<line class="errorbar" x1="${X}" x2="${X}" y1="${f(sy.map(p.lo))}" y2="${f(sy.map(p.hi))}" stroke="${c}"/>`
            : "";
        parts.push(
          `${err}<circle class="point" cx="${X}" cy="${Y}" r="${s.pointRadius ?? 3.5}" fill="${s.hollow ? "#fff" : c}" stroke="${c}" data-x="${p.x}" data-y="${p.y}"><title>${esc(title)}</title></circle>`,
        );
        points++;
      }
      inner.push(`<g class="series" data-name="${esc(s.name)}">${parts.join("")}</g>`);
    });
    body.push(`<g clip-path="url(#${esc(clipId)})">${inner.join("")}</g>`);
    if (labels.length) body.push(`<g class="marker-labels">${labels.join("")}</g>`);
  } else {
    body.push(`<text class="empty" x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle">${esc(spec.emptyText ?? "no data")}</text>`);
  }
  // Frame, labels, legend.
  body.push(`<rect class="frame" x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none"/>`);
  body.push(`<text class="plot-title" x="${m.left}" y="20">${esc(spec.title)}</text>`);
  body.push(`<text class="axis-label" x="${m.left + pw / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  body.push(`<text class="axis-label" transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  if (legendEntries.length) {
    const lx = W - legendW + 4;
    const items = legendEntries.map((e, j) => {
      const y = m.top + 8 + j * 17;
      return `<g class="legend-item"><line x1="${lx}" x2="${lx + 20}" y1="${y}" y2="${y}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="5 3"' : ""}/><text x="${lx + 26}" y="${y}" dy="0.32em">${esc(e.name)}</text></g>`;
    });
    body.push(`<g class="legend">${items.join("")}</g>`);
  }
  const counts: PlotCounts = { series: spec.series.length, points, lines, bands, markers: markers.length };
  return (
    `<svg class="plot" id="${esc(spec.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(spec.title)}"` +
    ` data-series="${counts.series}" data-points="${counts.points}" data-lines="${counts.lines}" data-bands="${counts.bands}" data-markers="${counts.markers}"` +
    ` data-x-scale="${spec.x}" data-y-scale="${spec.y}">` +
    `<title>${esc(spec.title)}</title>${body.join("")}</svg>`
  );
}

/** The CSS the plots use; the report inlines it once. */
export const PLOT_CSS = `
svg.plot { font: 11px system-ui, -apple-system, "Segoe UI", sans-serif; background: #fff; max-width: 100%; height: auto; }
svg.plot .grid { stroke: #e3e3e3; stroke-width: 1; }
svg.plot .grid.minor { stroke: #f2f2f2; }
svg.plot .tick { stroke: #666; }
svg.plot .frame { stroke: #888; }
svg.plot .zero { stroke: #999; stroke-width: 1; }
svg.plot .tick-label { fill: #444; }
svg.plot .axis-label { fill: #222; font-size: 12px; }
svg.plot .plot-title { fill: #111; font-size: 13px; font-weight: 600; }
svg.plot .marker-label { font-size: 10px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.plot .legend text { fill: #222; }
svg.plot .empty { fill: #888; font-size: 13px; }
`;
