/**
 * Renders report.html in headless Chromium (Debian's chromium, installed by scripts/setup.sh) and
 * checks that every plot is there, visible, of non-zero size and holding data, and that the page
 * makes no network request.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../../src/analysis/report/index.js";
import { type LossArgs, testFitter, writeSyntheticRun } from "./synthetic.js";

const CHROMIUM = process.env["CGX_CHROMIUM"] ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

const loss = (a: LossArgs) => 2 + 30 * a.params ** -0.3 + 20 * (a.tokens / 1000) ** -0.5 + (a.curriculum === "syllabus" ? 0.01 * (Math.log10(a.params) - 4.7) : 0) + (a.bucket ?? 0) * 0.1 + 0.003 * a.seed;

describe("report.html in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run scripts/setup.sh (it installs Debian's chromium), or set CGX_CHROMIUM`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows every plot, visible and holding data, with no network request", async () => {
    const dir = writeSyntheticRun({
      curricula: [
        { name: "syllabus", kind: "staged", stages: [["early", 0.3], ["late", 1]] },
        { name: "shuffled", kind: "shuffled" },
      ],
      sizes: [
        ["p10k", 10_000],
        ["p30k", 30_000],
        ["p100k", 100_000],
      ],
      seeds: [0, 1],
      buckets: 3,
      analyses: [{ kind: "breaks", y: "loss", x: "params", max: 1, by: ["curriculum"] }],
      extra: { "syllabus/p30k/s0": [{ kind: "event", step: 200, event: "prune", sparsity: 0.5 }] },
      loss,
    });
    const w = writeReport(dir, { fitter: testFitter, bootstrap: 20 });
    const page = await browser.newPage();
    const requests: string[] = [];
    const url = pathToFileURL(join(dir, "report.html")).href;
    page.on("request", (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url);
    expect(await page.title()).toBe("cgx report: synthetic");

    const expected = ["plot-loss-params", "plot-loss-flops", "plot-compare", "plot-compare-buckets", "plot-stages", "plot-progression", "plot-train-p10k", "plot-train-p30k", "plot-train-p100k", "plot-pacing"];
    const found = await page.$$eval("svg.plot", (els) => els.map((e) => e.id));
    expect(found.sort()).toEqual([...expected].sort());
    for (const id of expected) {
      const svg = page.locator(`svg#${id}`);
      expect(await svg.isVisible(), id).toBe(true);
      const box = await svg.boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.width, id).toBeGreaterThan(100);
      expect(box!.height, id).toBeGreaterThan(100);
      const drawn = await svg.evaluate((el) => ({
        points: el.querySelectorAll("circle.point").length,
        paths: el.querySelectorAll("path.line").length,
        declared: Number(el.getAttribute("data-points")) + Number(el.getAttribute("data-lines")),
        // Rendered geometry: some mark must have a non-empty box on screen.
        visibleMarks: [...el.querySelectorAll("circle.point, path.line")].filter((m) => {
          const r = (m as SVGGraphicsElement).getBoundingClientRect();
          return r.width > 0 || r.height > 0;
        }).length,
      }));
      expect(drawn.points + drawn.paths, id).toBeGreaterThan(0);
      expect(drawn.points + drawn.paths, id).toBe(drawn.declared);
      expect(drawn.visibleMarks, id).toBeGreaterThan(0);
    }
    // Fitted curves with bands on the scaling plots, critical points marked.
    expect(await page.locator("svg#plot-loss-params path.band").count()).toBeGreaterThan(0);
    expect(await page.locator("svg#plot-loss-params g.marker[data-kind=break]").count()).toBeGreaterThan(0);
    expect(await page.locator("svg#plot-progression g.marker[data-kind=crossover]").count()).toBeGreaterThan(0);
    expect(await page.locator("svg#plot-train-p30k g.marker[data-kind=event]").count()).toBe(1);
    expect(await page.locator("svg#plot-train-p30k g.marker[data-kind=stage]").count()).toBe(1);
    // Points carry titles a reader can hover.
    expect(await page.locator("svg#plot-loss-params circle.point title").first().textContent()).toMatch(/^(syllabus|shuffled)\/p10k\/s0: params 10k, final loss \d\.\d{3}$/);
    expect(await page.locator("table").count()).toBeGreaterThan(4);
    expect(requests).toEqual([]);
    expect(w.files).toHaveLength(3);
    await page.close();
  });

  it("shows task accuracy against parameters, per task and per level, with break markers", async () => {
    const dir = writeSyntheticRun({
      curricula: [{ name: "shuffled", kind: "shuffled" }],
      sizes: [
        ["p10k", 10_000],
        ["p30k", 30_000],
        ["p100k", 100_000],
        ["p300k", 300_000],
      ],
      seeds: [0, 1],
      evals: 2,
      tasks: ["facts.qa", "facts.qa on heldout_entities"],
      accuracy: (a) => Math.max(0, 0.05 + 0.8 / (1 + (5e4 / a.params) ** 3) - (a.level - 1) * 0.1 - (a.task.includes(" on ") ? 0.1 : 0)),
      analyses: [
        { kind: "fit", law: "power_law", y: "accuracy", xs: ["params"], by: ["task"] },
        { kind: "breaks", y: "accuracy", x: "params", max: 2, by: ["task"] },
      ],
      loss,
    });
    writeReport(dir, { fitter: testFitter, bootstrap: 10 });
    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(dir, "report.html")).href);
    for (const [id, points] of [
      ["plot-accuracy-params", 16],
      ["plot-accuracy-levels", 16],
    ] as const) {
      const svg = page.locator(`svg#${id}`);
      expect(await svg.isVisible(), id).toBe(true);
      const box = await svg.boundingBox();
      expect(box!.width, id).toBeGreaterThan(100);
      expect(box!.height, id).toBeGreaterThan(100);
      const drawn = await svg.evaluate((el) => ({
        points: el.querySelectorAll("circle.point").length,
        paths: el.querySelectorAll("path.line").length,
        declaredPoints: Number(el.getAttribute("data-points")),
        declared: Number(el.getAttribute("data-points")) + Number(el.getAttribute("data-lines")),
        visibleMarks: [...el.querySelectorAll("circle.point, path.line")].filter((m) => {
          const r = (m as SVGGraphicsElement).getBoundingClientRect();
          return r.width > 0 || r.height > 0;
        }).length,
      }));
      expect(drawn.points, id).toBe(points);
      expect(drawn.declaredPoints, id).toBe(points);
      expect(drawn.points + drawn.paths, id).toBe(drawn.declared);
      expect(drawn.visibleMarks, id).toBeGreaterThan(0);
    }
    // One break per task from the (test) broken fit, in the accuracy plot only.
    expect(await page.locator("svg#plot-accuracy-params g.marker[data-kind=break]").count()).toBe(2);
    expect(await page.locator("svg#plot-loss-params g.marker[data-kind=break]").count()).toBe(0);
    expect(await page.locator("svg#plot-accuracy-params circle.point title").first().textContent()).toMatch(/^shuffled\/p10k\/s0: params 10k, facts\.qa accuracy 0\.\d{3} \(n=200\)$/);
    expect(await page.locator("#section-tasks table").count()).toBe(2);
    await page.close();
  });
});
