import { describe, expect, it } from "vitest";
import { domainOf, formatNumber, linearTicks, logScale, logTicks, renderPlot } from "../../../src/analysis/report/svg.js";

describe("svg plot module", () => {
  it("formats numbers compactly", () => {
    expect([20_000, 1.5e6, 1e11, 446_076_813_312, 2.45, 0.5, 0.001, -0.02, 0].map((v) => formatNumber(v))).toEqual(["20k", "1.5M", "100G", "446G", "2.45", "0.5", "1e-3", "-0.02", "0"]);
  });

  it("puts labeled ticks on decades over wide log ranges, with unlabeled minors", () => {
    const t = logTicks(15_000, 2_000_000);
    expect(t.filter((x) => x.label).map((x) => x.label)).toEqual(["100k", "1M"]);
    expect(t.filter((x) => !x.label).map((x) => x.value)).toContain(20_000);
    expect(t.every((x) => x.value >= 15_000 && x.value <= 2_000_000)).toBe(true);
  });

  it("falls back to 1-2-5 or plain ticks on narrow log ranges", () => {
    expect(logTicks(1.5, 60).map((x) => x.label)).toEqual(["2", "5", "10", "20", "50"]);
    const narrow = logTicks(2.2, 2.9);
    expect(narrow.length).toBeGreaterThanOrEqual(2);
    expect(narrow.every((x) => x.label !== null && x.value >= 2.2 && x.value <= 2.9)).toBe(true);
    expect(linearTicks(0, 1).map((x) => x.value)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-0.004, 0.012).map((x) => x.label)).toEqual(["0.000", "0.005", "0.010"]);
    expect(linearTicks(-0.03, 0.02).map((x) => x.label)).toEqual(["-0.03", "-0.02", "-0.01", "0.00", "0.01", "0.02"]);
    expect(linearTicks(0, 0.05, 2).map((x) => x.label)).toEqual(["0.000", "0.025", "0.050"]);
    expect(linearTicks(0, 800_000).map((x) => x.label)).toEqual(["0", "200k", "400k", "600k", "800k"]);
  });

  it("maps log scales by decades", () => {
    const s = logScale([10, 1000], [0, 100]);
    expect(s.map(100)).toBeCloseTo(50, 9);
    expect(domainOf([5, 5], "log")).toEqual([5 / 1.5, 5 * 1.5]);
    expect(domainOf([-1, 0], "log")).toBeNull();
  });

  it("renders points, lines, bands, markers and a legend, counting what it drew", () => {
    const svg = renderPlot({
      id: "p1",
      title: "Loss <vs> params",
      xLabel: "params",
      yLabel: "loss",
      x: "log",
      y: "log",
      series: [
        {
          name: "a&b",
          points: [
            { x: 1e4, y: 3, title: "cell one" },
            { x: 1e5, y: 2.5 },
            { x: 0, y: 2 }, // dropped: not on a log axis
            { x: 1e6, y: NaN }, // dropped
          ],
          line: [
            { x: 1e4, y: 3 },
            { x: 1e5, y: 2.5 },
          ],
          band: [
            { x: 1e4, lo: 2.9, hi: 3.1 },
            { x: 1e5, lo: 2.4, hi: 2.6 },
          ],
        },
        { name: "b", points: [{ x: 3e4, y: 2.8, lo: 2.7, hi: 2.9 }], dashed: true },
      ],
      markers: [{ value: 5e4, label: "crossover", kind: "crossover", interval: [3e4, 7e4] }],
    });
    expect(svg).toMatch(/^<svg class="plot" id="p1"/);
    expect(svg).toContain('data-points="3"');
    expect(svg).toContain('data-lines="1"');
    expect(svg).toContain('data-bands="1"');
    expect(svg).toContain('data-markers="1"');
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain("<title>cell one</title>");
    expect(svg).toContain("Loss &lt;vs&gt; params");
    expect(svg).toContain('data-name="a&amp;b"');
    expect(svg).toContain('class="errorbar"');
    expect(svg).toContain('stroke-dasharray="5 3"');
    expect(svg).toContain('class="legend"');
    expect(svg).not.toContain("NaN");
    expect(svg).not.toMatch(/https?:/);
  });

  it("says so when there is nothing to draw", () => {
    const svg = renderPlot({ id: "empty", title: "t", xLabel: "x", yLabel: "y", x: "log", y: "linear", series: [{ name: "s", points: [{ x: -1, y: 1 }] }], emptyText: "no finished cells" });
    expect(svg).toContain("no finished cells");
    expect(svg).toContain('data-points="0"');
  });

  it("draws a zero line on linear axes spanning zero", () => {
    const svg = renderPlot({ id: "z", title: "t", xLabel: "x", yLabel: "y", x: "log", y: "linear", zeroLine: true, series: [{ name: "s", points: [{ x: 1, y: -1 }, { x: 10, y: 1 }] }] });
    expect(svg).toContain('class="zero"');
  });
});
