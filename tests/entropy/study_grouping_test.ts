/** Groupings of the code bits: partitions, canonical form and refinement. */
import { assert, assertEquals, assertFalse, assertThrows } from "@std/assert";
import {
  allGroupings,
  canonicalGrouping,
  contiguousGrouping,
  isRefinement,
} from "../../lib/entropy/study_grouping.ts";

Deno.test("allGroupings counts Bell numbers", () => {
  assertEquals([1, 2, 3, 4, 5, 6, 7].map((d) => allGroupings(d).length), [1, 2, 5, 15, 52, 203, 877]);
});

Deno.test("allGroupings lists distinct partitions", () => {
  const keys = allGroupings(5).map((g) => JSON.stringify(canonicalGrouping(5, g)));
  assertEquals(new Set(keys).size, keys.length);
});

Deno.test("canonicalGrouping sorts bits and groups", () => {
  assertEquals(canonicalGrouping(5, [[4, 2], [3, 0, 1]]), [[0, 1, 3], [2, 4]]);
});

Deno.test("canonicalGrouping rejects invalid partitions", () => {
  assertThrows(() => canonicalGrouping(4, [[0, 1], [2]]), RangeError, "bits [3] are in no group");
  assertThrows(() => canonicalGrouping(4, [[0, 1], [1, 2, 3]]), RangeError, "bit 1 is in two groups");
  assertThrows(() => canonicalGrouping(4, [[0, 1, 2, 4]]), RangeError, "bit 4 is not an integer in [0, 4)");
  assertThrows(() => canonicalGrouping(4, [[0, 1, 2, 3], []]), RangeError, "every group needs at least one bit");
  assertThrows(() => canonicalGrouping(4, []), RangeError, "expected at least one group");
});

Deno.test("contiguousGrouping rejects non-divisors", () => {
  assertEquals(contiguousGrouping(6, 3), [[0, 1], [2, 3], [4, 5]]);
  assertThrows(() => contiguousGrouping(6, 4), RangeError, "choose a divisor of 6");
});

Deno.test("isRefinement detects nesting", () => {
  assert(isRefinement([[0], [1], [2, 3]], [[0, 1], [2, 3]]));
  assert(isRefinement([[0, 1], [2, 3]], [[0, 1], [2, 3]]));
  assertFalse(isRefinement([[0, 1], [2, 3]], [[0], [1], [2, 3]]));
  assertFalse(isRefinement([[0, 1], [2, 3], [4, 5]], [[0, 1, 2], [3, 4, 5]]));
  assertFalse(isRefinement([[0, 1, 2], [3, 4, 5]], [[0, 1], [2, 3], [4, 5]]));
});
