/** report.md and report.html from the analysis: the same sections, tables and notes; the HTML adds the plots. */
import type { Analysis } from "./analyze.js";
import { esc, PLOT_CSS, type PlotSpec, renderPlot } from "./svg.js";
import { sections, type Table } from "./tables.js";

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function mdTable(t: Table): string {
  const right = new Set(t.right ?? []);
  const lines = [
    `| ${t.headers.map(mdCell).join(" | ")} |`,
    `| ${t.headers.map((_, i) => (right.has(i) ? "---:" : "---")).join(" | ")} |`,
    ...t.rows.map((r) => `| ${t.headers.map((_, i) => mdCell(r[i] ?? "")).join(" | ")} |`),
  ];
  return (t.title ? `**${t.title}**\n\n` : "") + lines.join("\n") + "\n";
}

function header(a: Analysis): string[] {
  return [
    `Run directory: \`${a.run_dir}\``,
    `Plan ${a.plan_hash ? a.plan_hash.slice(0, 12) : "(unknown)"}, backend ${a.backend ?? "(unknown)"}, report by cgx ${a.cgx_version}; bootstrap ${a.settings.bootstrap} replicates, seed ${a.settings.seed}.`,
    `${a.cells.finished} of ${a.cells.total} cells finished.`,
  ];
}

export function renderMarkdown(a: Analysis): string {
  const out: string[] = [`# cgx report: ${a.experiment}`, "", ...header(a).map((l) => `${l}  `), ""];
  if (a.notes.length) out.push("## Notes", "", ...a.notes.map((n) => `- ${n}`), "");
  for (const s of sections(a)) {
    if (s.id === "training" && !s.tables.length) continue;
    out.push(`## ${s.title}`, "");
    for (const p of s.intro) out.push(p, "");
    if (!s.tables.length) out.push("_Nothing to show._", "");
    for (const t of s.tables) out.push(mdTable(t));
    if (s.notes.length) out.push(...s.notes.map((n) => `- ${n}`), "");
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}

function htmlTable(t: Table): string {
  const right = new Set(t.right ?? []);
  const cls = (i: number) => (right.has(i) ? ' class="num"' : "");
  return (
    `<div class="table">${t.title ? `<h3>${esc(t.title)}</h3>` : ""}<table><thead><tr>${t.headers.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join("")}</tr></thead><tbody>` +
    t.rows.map((r) => `<tr>${t.headers.map((_, i) => `<td${cls(i)}>${esc(r[i] ?? "")}</td>`).join("")}</tr>`).join("") +
    `</tbody></table></div>`
  );
}

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; margin: 0; background: #fafafa; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 28px 60px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 34px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 13px; margin: 16px 0 6px; color: #333; }
p.meta { margin: 2px 0; color: #555; }
.notes { background: #fff8e1; border: 1px solid #f0d98c; padding: 8px 14px 8px 28px; border-radius: 4px; }
.notes li { margin: 2px 0; }
ul.section-notes { color: #555; font-size: 13px; }
.table { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 12.5px; margin-bottom: 6px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f1f1f1; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.plots { display: flex; flex-wrap: wrap; gap: 14px; margin: 12px 0; }
figure.plot-figure { margin: 0; background: #fff; border: 1px solid #e2e2e2; border-radius: 4px; padding: 6px; }
figure.plot-figure figcaption { font-size: 12px; color: #555; max-width: 560px; padding: 2px 4px; }
${PLOT_CSS}`;

function figure(p: PlotSpec): string {
  const svg = renderPlot(p);
  return `<figure class="plot-figure" data-plot-id="${esc(p.id)}">${svg}${p.caption ? `<figcaption>${esc(p.caption)}</figcaption>` : ""}</figure>`;
}

export function renderHtml(a: Analysis, plots: readonly PlotSpec[]): string {
  const byId = new Map(plots.map((p) => [p.id, p]));
  const used = new Set<string>();
  const body: string[] = [`<h1>cgx report: ${esc(a.experiment)}</h1>`, ...header(a).map((l) => `<p class="meta">${esc(l)}</p>`)];
  if (a.notes.length) body.push(`<h2 id="notes">Notes</h2><ul class="notes">${a.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
  for (const s of sections(a)) {
    body.push(`<section id="section-${esc(s.id)}"><h2>${esc(s.title)}</h2>`);
    for (const p of s.intro) body.push(`<p>${esc(p)}</p>`);
    const figs: string[] = [];
    for (const id of s.plots) {
      const matches = id.endsWith("*") ? plots.filter((p) => p.id.startsWith(id.slice(0, -1))) : byId.has(id) ? [byId.get(id)!] : [];
      for (const p of matches) {
        used.add(p.id);
        figs.push(figure(p));
      }
    }
    if (figs.length) body.push(`<div class="plots">${figs.join("")}</div>`);
    for (const t of s.tables) body.push(htmlTable(t));
    if (s.notes.length) body.push(`<ul class="section-notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
    body.push(`</section>`);
  }
  const rest = plots.filter((p) => !used.has(p.id));
  if (rest.length) body.push(`<section id="section-more"><h2>More plots</h2><div class="plots">${rest.map(figure).join("")}</div></section>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cgx report: ${esc(a.experiment)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body.join("\n")}
</main>
</body>
</html>
`;
}
