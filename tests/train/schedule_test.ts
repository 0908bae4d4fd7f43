import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import {
  constantSchedule,
  scheduleFromConfig,
  warmupCosineSchedule,
} from "../../lib/train/schedule.ts";

Deno.test("constantSchedule returns the rate", () => {
  const lr = constantSchedule(1e-4);
  for (const step of [1, 2, 1000, 1e7]) assertEquals(lr(step), 1e-4);
});

Deno.test("warmupCosineSchedule matches closed form", () => {
  const peak = 1e-3;
  const lr = warmupCosineSchedule(peak, 10, 110, 1e-5);
  const cosine = (t: number) =>
    1e-5 + (peak - 1e-5) * 0.5 * (1 + Math.cos((Math.PI * (t - 10)) / 100));
  const cases: [number, number][] = [
    [1, peak / 10],
    [5, peak / 2],
    [10, peak],
    [11, cosine(11)],
    [35, 1e-5 + (peak - 1e-5) * 0.5 * (1 + Math.SQRT1_2)],
    [60, 1e-5 + (peak - 1e-5) / 2],
    [109, cosine(109)],
    [110, 1e-5],
    [500, 1e-5],
  ];
  for (const [step, expected] of cases) {
    assertAlmostEquals(lr(step), expected, 1e-15, `step ${step}`);
  }
});

Deno.test("warmupCosineSchedule without warm-up starts at peak", () => {
  const lr = warmupCosineSchedule(2e-4, 0, 100);
  assertAlmostEquals(lr(1), 2e-4 * 0.5 * (1 + Math.cos(Math.PI / 100)), 1e-18);
  assertEquals(lr(100), 0);
});

Deno.test("schedules reject step zero", () => {
  assertThrows(() => constantSchedule(1e-4)(0), RangeError, "got 0");
  assertThrows(() => warmupCosineSchedule(1e-4, 1, 10)(1.5), RangeError, "got 1.5");
});

Deno.test("warmupCosineSchedule rejects bad bounds", () => {
  assertThrows(
    () => warmupCosineSchedule(1e-4, 10, 10),
    RangeError,
    "greater than warmupSteps (10)",
  );
  assertThrows(() => warmupCosineSchedule(1e-4, -1, 10), RangeError, "warmupSteps must be");
  assertThrows(() => warmupCosineSchedule(1e-4, 1, 10, 1e-3), RangeError, "exceeds the peak");
  assertThrows(() => constantSchedule(-1), RangeError, "learningRate must be");
});

Deno.test("scheduleFromConfig builds both kinds", () => {
  assertEquals(scheduleFromConfig({ kind: "constant", learningRate: 3e-4 })(7), 3e-4);
  const lr = scheduleFromConfig({
    kind: "warmup-cosine",
    learningRate: 1,
    warmupSteps: 4,
    totalSteps: 8,
  });
  assertEquals(lr(2), 0.5);
  assertThrows(
    () => scheduleFromConfig({ kind: "step" } as never),
    RangeError,
    'invalid schedule kind "step"',
  );
});
