import { assertAlmostEquals, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  compare,
  comparisonMargin,
  type Criterion,
  evaluateCriterion,
  formatNumber,
  measure,
  type Measurement,
  SINGLE_SEED_CAVEAT,
} from "../../lib/report/verdict.ts";

const single = (mean: number): Measurement => ({ mean, std: 0, n: 1 });

const quantizerOrder: Criterion = {
  kind: "order",
  metric: "rFID",
  better: "lower",
  runs: ["gq", "lfq", "bsq"],
  tolerance: 0.1,
};

Deno.test("evaluateCriterion reproduces a strict order", () => {
  const m = new Map([["gq", single(1.0)], ["lfq", single(1.5)], ["bsq", single(4.0)]]);
  const result = evaluateCriterion(quantizerOrder, m);
  assertEquals(result.verdict, "reproduced");
  assertEquals(result.criterion, `rFID: gq < lfq < bsq (margin >= 0.1); ${SINGLE_SEED_CAVEAT}`);
  assertEquals(result.evidence, "gq 1, lfq 1.5, bsq 4");
});

Deno.test("evaluateCriterion rejects a reversed pair", () => {
  const m = new Map([["gq", single(2.0)], ["lfq", single(1.5)], ["bsq", single(4.0)]]);
  assertEquals(evaluateCriterion(quantizerOrder, m).verdict, "not reproduced");
});

Deno.test("evaluateCriterion calls ties inconclusive", () => {
  const m = new Map([["gq", single(1.45)], ["lfq", single(1.5)], ["bsq", single(4.0)]]);
  assertEquals(evaluateCriterion(quantizerOrder, m).verdict, "inconclusive");
});

Deno.test("evaluateCriterion names missing runs", () => {
  const m = new Map([["gq", single(1.0)]]);
  const result = evaluateCriterion(quantizerOrder, m);
  assertEquals(result.verdict, "inconclusive");
  assertEquals(result.evidence, "no result for lfq, bsq");
});

Deno.test("evaluateCriterion uses higher-is-better metrics", () => {
  const psnr: Criterion = { ...quantizerOrder, metric: "PSNR", better: "higher" };
  const m = new Map([["gq", single(25)], ["lfq", single(24)], ["bsq", single(20)]]);
  assertEquals(evaluateCriterion(psnr, m).verdict, "reproduced");
  assertEquals(
    evaluateCriterion(psnr, m).criterion,
    `PSNR: gq > lfq > bsq (margin >= 0.1); ${SINGLE_SEED_CAVEAT}`,
  );
});

Deno.test("evaluateCriterion checks best among runs", () => {
  const best: Criterion = {
    kind: "best",
    metric: "rFID",
    better: "lower",
    run: "256x4",
    among: ["128x2", "512x4"],
    tolerance: 0,
  };
  assertEquals(
    evaluateCriterion(
      best,
      new Map([["256x4", single(1)], ["128x2", single(2)], ["512x4", single(1.1)]]),
    ).verdict,
    "reproduced",
  );
  assertEquals(
    evaluateCriterion(
      best,
      new Map([["256x4", single(1)], ["128x2", single(2)], ["512x4", single(0.9)]]),
    ).verdict,
    "not reproduced",
  );
});

Deno.test("evaluateCriterion checks thresholds", () => {
  const drift: Criterion = {
    kind: "threshold",
    metric: "drift",
    better: "lower",
    run: "wetok",
    value: 0.5,
    tolerance: 0.05,
  };
  assertEquals(evaluateCriterion(drift, new Map([["wetok", single(0.1)]])).verdict, "reproduced");
  assertEquals(
    evaluateCriterion(drift, new Map([["wetok", single(0.9)]])).verdict,
    "not reproduced",
  );
  assertEquals(
    evaluateCriterion(drift, new Map([["wetok", single(0.52)]])).verdict,
    "inconclusive",
  );
  assertStringIncludes(evaluateCriterion(drift, new Map()).criterion, "drift of wetok < 0.5");
});

Deno.test("compare widens margin with seed noise", () => {
  const a = measure([1.0, 1.4, 0.6]);
  const b = measure([1.6, 2.0, 1.2]);
  // Means 1.0 and 1.6, std 0.4 each: standard error sqrt(2 * 0.16 / 3) = 0.3266.
  assertAlmostEquals(comparisonMargin(a, b, 0.1), 2 * Math.sqrt(0.32 / 3), 1e-12);
  assertEquals(compare(a, b, "lower", 0.1), 0);
  assertEquals(compare(single(1.0), single(1.6), "lower", 0.1), -1);
  assertEquals(compare(single(1.6), single(1.0), "lower", 0.1), 1);
});

Deno.test("measure computes sample statistics", () => {
  const m = measure([2, 4, 4, 4, 5, 5, 7, 9]);
  assertEquals(m.mean, 5);
  assertAlmostEquals(m.std, Math.sqrt(32 / 7), 1e-12);
  assertEquals(m.n, 8);
  assertEquals(measure([3]).std, 0);
  assertThrows(() => measure([]), Error, "no values");
});

Deno.test("formatNumber keeps four significant digits", () => {
  assertEquals(formatNumber(0.123456), "0.1235");
  assertEquals(formatNumber(24.5), "24.5");
  assertEquals(formatNumber(0), "0");
  assertEquals(formatNumber(1234567), "1.235e+6");
  assertEquals(formatNumber(0.0001234), "1.234e-4");
  assertEquals(formatNumber(NaN), "NaN");
});

Deno.test("evaluateCriterion omits caveat with seeds", () => {
  const m = new Map([
    ["gq", measure([1.0, 1.1])],
    ["lfq", measure([1.5, 1.6])],
    ["bsq", measure([4.0, 4.1])],
  ]);
  assertEquals(
    evaluateCriterion(quantizerOrder, m).criterion,
    "rFID: gq < lfq < bsq (margin >= 0.1)",
  );
});
