/** Groupings, enumeration tiles and latent sources of the entropy study. */
import { assert, assertAlmostEquals, assertEquals, assertFalse, assertThrows } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import {
  drawLatents,
  latentLogits,
  latentsFromArray,
  sampleCorrelation,
} from "../../lib/entropy/latent_sources.ts";
import {
  bruteForceCodebookEntropy,
  bruteForceMeanDistribution,
  codebookEntropyRef,
  entropyOfDistribution,
} from "../../lib/entropy/reference.ts";
import { enumeratedDistribution, enumeratedEntropy } from "../../lib/entropy/study_enumeration.ts";
import {
  allGroupings,
  canonicalGrouping,
  contiguousGrouping,
  isRefinement,
} from "../../lib/entropy/study_grouping.ts";
import { assertClose } from "./_helpers.ts";

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

Deno.test("enumeratedEntropy matches brute force at tile edges", () => {
  const rng = new Rng(2);
  // Widths around the 4 x 2 blocks and the 64-code tiles: 1, 3, 7, 13 and 14 bits.
  for (const [bits, tokens] of [[1, 3], [3, 5], [7, 9], [13, 6], [14, 2]] as const) {
    const m = latentLogits(drawLatents({ kind: "mixture", clusters: 3 }, tokens, bits, rng), 2);
    const expected = bits <= 13 ? bruteForceCodebookEntropy(m) : codebookEntropyRef(m);
    assertClose(enumeratedEntropy(m), expected, `H(pbar) d=${bits}`, 1e-12, 1e-12);
  }
});

Deno.test("enumeratedDistribution matches a brute-force marginal", () => {
  const m = latentLogits(drawLatents({ kind: "correlated", correlation: 0.5 }, 11, 9, new Rng(4)), 1);
  const full = bruteForceMeanDistribution(m);
  const bitList = [7, 2, 5, 0];
  const marginal = new Float64Array(16);
  for (let c = 0; c < full.length; c++) {
    let index = 0;
    bitList.forEach((bit, j) => (index += (Math.floor(c / 2 ** bit) % 2) * 2 ** j));
    marginal[index] += full[c];
  }
  const table = enumeratedDistribution(m, bitList);
  for (let c = 0; c < 16; c++) assertClose(table[c], marginal[c], `pbar of sub-code ${c}`, 1e-15, 1e-12);
  assertClose(entropyOfDistribution(table), enumeratedEntropy(m, bitList), "marginal entropy", 1e-12, 1e-12);
});

Deno.test("enumeratedEntropy rejects an oversized table", () => {
  const m = latentLogits(drawLatents({ kind: "independent" }, 8, 20, new Rng(1)), 1);
  assertThrows(() => enumeratedEntropy(m, undefined, { maxBytes: 1000 }), RangeError, "raise maxBytes");
  assertThrows(() => enumeratedEntropy(m, [0, 0]), RangeError, "expected distinct bits");
});

Deno.test("drawLatents repeats with the same seed", () => {
  const source = { kind: "mixture", clusters: 4 } as const;
  assertEquals(drawLatents(source, 10, 6, new Rng(9)).data, drawLatents(source, 10, 6, new Rng(9)).data);
});

Deno.test("drawLatents correlated source has requested correlation", () => {
  const latents = drawLatents({ kind: "correlated", correlation: 0.7, blockSize: 2 }, 20000, 4, new Rng(3));
  assertAlmostEquals(sampleCorrelation(latents, 0, 1), 0.7, 0.03);
  assertAlmostEquals(sampleCorrelation(latents, 2, 3), 0.7, 0.03);
  assertAlmostEquals(sampleCorrelation(latents, 1, 2), 0, 0.03);
});

Deno.test("drawLatents factorial source is a Cartesian product", () => {
  const latents = drawLatents({ kind: "factorial" }, 8, 5, new Rng(3));
  const rows = new Set<string>();
  for (let t = 0; t < 8; t++) rows.add(Array.from(latents.data.subarray(t * 5, t * 5 + 3)).join(","));
  assertEquals(rows.size, 8);
  for (let t = 1; t < 8; t++) assertEquals(latents.data[t * 5 + 4], latents.data[4]);
});

Deno.test("drawLatents factorial source repeats the product", () => {
  const latents = drawLatents({ kind: "factorial" }, 12, 2, new Rng(3));
  const counts = new Map<string, number>();
  for (let t = 0; t < 12; t++) {
    const key = Array.from(latents.data.subarray(t * 2, t * 2 + 2)).join(",");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assertEquals([...counts.values()], [3, 3, 3, 3]);
});

Deno.test("drawLatents rejects invalid parameters", () => {
  const rng = new Rng(1);
  assertThrows(() => drawLatents({ kind: "factorial" }, 6, 4, rng), RangeError, "power of two");
  assertThrows(() => drawLatents({ kind: "correlated", correlation: 1 }, 4, 4, rng), RangeError, "[0, 1)");
  assertThrows(
    () => drawLatents({ kind: "correlated", correlation: 0.5, blockSize: 3 }, 4, 4, rng),
    RangeError,
    "positive divisor of 4",
  );
  assertThrows(() => drawLatents({ kind: "mixture", clusters: 0 }, 4, 4, rng), RangeError, "cluster count 0");
  assertThrows(() => drawLatents({ kind: "independent" }, 0, 4, rng), RangeError, "token count 0");
});

Deno.test("latentsFromArray checks size and values", () => {
  assertEquals(latentsFromArray([1, 2, 3, 4], 2, 2).data, new Float64Array([1, 2, 3, 4]));
  assertThrows(() => latentsFromArray([1, 2, 3], 2, 2), RangeError, "reshape the encoder output");
  assertThrows(() => latentsFromArray([1, NaN, 3, 4], 2, 2), RangeError, "index 1 is not finite");
});

Deno.test("latentLogits scales by four over tau", () => {
  const logits = latentLogits(latentsFromArray([0.5, -0.25], 1, 2), 0.01);
  assertEquals(Array.from(logits.data), [200, -100]);
  assertThrows(() => latentLogits(latentsFromArray([1], 1, 1), 0), RangeError, "temperature 0");
});
