import { describe, expect, it } from "vitest";
import { checkRecords, TORN } from "../../src/store/records.js";

const train = (step: number) => ({ kind: "train", step });
const evalAt = (step: number) => ({ kind: "eval", step });

describe("checkRecords", () => {
  const clean = [train(10), train(20), evalAt(25), train(30), train(40), train(50), evalAt(50), { kind: "end", step: 50 }];

  it("accepts one clean history, with or without the interval given", () => {
    expect(checkRecords(clean, { evalSteps: new Set([25, 50]) })).toEqual([]);
    expect(checkRecords(clean, { trainEvery: 10, evalSteps: new Set([25, 50]) })).toEqual([]);
  });

  it("names gaps, duplicates, steps going back, two ends and torn lines", () => {
    const gap = clean.filter((r) => r.step !== 30);
    expect(checkRecords(gap, { trainEvery: 10 })).toEqual(["train records missing at step 30"]);
    expect(checkRecords(clean.filter((r) => !(r.kind === "eval" && r.step === 25)), { evalSteps: new Set([25, 50]) })).toEqual(["eval records missing at step 25"]);
    // Two writers interleaved: the same steps again, going back.
    const twice = [...clean.slice(0, 4), ...clean];
    expect(checkRecords(twice, { trainEvery: 10 })).toEqual(["steps go back 1 time", "train records written twice at steps 10, 20, 30", "eval records written twice at step 25"]);
    expect(checkRecords([...clean, { kind: "end", step: 50 }])).toContain("2 end records");
    expect(checkRecords([train(10), { kind: TORN, step: null }, train(20)])).toContain("1 unreadable line");
  });
});
