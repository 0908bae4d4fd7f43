/**
 * The approximation-error analysis against brute-force enumeration of `pbar`
 * on small codebooks: the error equals the total correlation, refinement
 * never lowers it, and the factorial control has zero error.
 */
import { assert, assertEquals, assertGreater, assertThrows } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import {
  analyzeApproximation,
  type ApproximationResult,
  contiguousGroupings,
} from "../../lib/entropy/approximation_error.ts";
import { drawLatents, type LatentSource, latentLogits } from "../../lib/entropy/latent_sources.ts";
import {
  bitwiseEntropyRef,
  bruteForceMeanDistribution,
  entropyOfDistribution,
  type LogitMatrix,
  pooledGroupEntropyRef,
} from "../../lib/entropy/reference.ts";
import { checkApproximation } from "../../lib/entropy/study_checks.ts";
import { allGroupings, divisors, type Grouping, isRefinement } from "../../lib/entropy/study_grouping.ts";
import { assertClose } from "./_helpers.ts";

const SOURCES: LatentSource[] = [
  { kind: "independent" },
  { kind: "correlated", correlation: 0.6 },
  { kind: "correlated", correlation: 0.8, blockSize: 2 },
  { kind: "mixture", clusters: 3 },
];

function logits(source: LatentSource, tokens: number, bits: number, temperature: number, seed: number): LogitMatrix {
  return latentLogits(drawLatents(source, tokens, bits, new Rng(seed)), temperature);
}

/** Total correlation `D(pbar || prod_k pbar_k)` from the brute-force table and its summed marginals. */
function bruteForceTotalCorrelation(m: LogitMatrix, grouping: Grouping): number {
  const table = bruteForceMeanDistribution(m);
  const marginals = grouping.map((group) => {
    const marginal = new Float64Array(2 ** group.length);
    for (let c = 0; c < table.length; c++) marginal[subCode(c, group)] += table[c];
    return marginal;
  });
  let divergence = 0;
  for (let c = 0; c < table.length; c++) {
    const p = table[c];
    if (p === 0) continue;
    let logProduct = 0;
    grouping.forEach((group, k) => (logProduct += Math.log(marginals[k][subCode(c, group)])));
    divergence += p * (Math.log(p) - logProduct);
  }
  return divergence;
}

function subCode(code: number, group: readonly number[]): number {
  let index = 0;
  group.forEach((bit, j) => (index += (Math.floor(code / 2 ** bit) % 2) * 2 ** j));
  return index;
}

Deno.test("analyzeApproximation exact entropy matches brute force", () => {
  for (const bits of [1, 2, 5, 8, 11]) {
    for (const tokens of [1, 7, 40]) {
      const m = logits({ kind: "mixture", clusters: 2 }, tokens, bits, 1.5, bits * 100 + tokens);
      const result = analyzeApproximation(m, { groupings: [] });
      const expected = entropyOfDistribution(bruteForceMeanDistribution(m));
      assertClose(result.exactEntropy, expected, `H(pbar) d=${bits} T=${tokens}`, 1e-12, 1e-12);
    }
  }
});

Deno.test("analyzeApproximation error equals brute-force total correlation", () => {
  const rng = new Rng(11);
  for (const source of SOURCES) {
    const bits = 8;
    const m = logits(source, 30, bits, 2, rng.int(1000));
    const partitions = allGroupings(bits);
    const chosen = Array.from({ length: 12 }, () => partitions[rng.int(partitions.length)]);
    const result = analyzeApproximation(m, {
      groupings: chosen.map((groups, i) => ({ name: `p${i}`, groups })),
    });
    result.groupings.forEach((g, i) => {
      const expected = bruteForceTotalCorrelation(m, chosen[i]);
      assertClose(g.error, expected, `error of ${g.name} for ${source.kind}`, 1e-12, 1e-10);
      assertClose(g.totalCorrelation!, expected, `divergence of ${g.name} for ${source.kind}`, 1e-12, 1e-10);
    });
    assertGreater(result.groupings.reduce((s, g) => s + g.error, 0), 0, `some error for ${source.kind}`);
  }
});

Deno.test("analyzeApproximation bitwise and pooled match references", () => {
  const m = logits({ kind: "correlated", correlation: 0.5 }, 50, 12, 1, 3);
  const result = analyzeApproximation(m, {
    groupings: contiguousGroupings(12, [12]),
    pooledGroupCounts: [1, 2, 3, 4],
  });
  assertClose(result.bitwiseEstimate, bitwiseEntropyRef(m), "bitwise estimate", 1e-12, 1e-12);
  assertClose(result.groupings[0].estimate, result.bitwiseEstimate, "g=d per-group sum", 1e-12, 1e-12);
  assertClose(result.pooled[0].estimate, result.exactEntropy, "pooled g=1", 1e-12, 1e-12);
  for (const pooled of result.pooled.slice(1)) {
    assertClose(pooled.estimate, pooledGroupEntropyRef(m, pooled.groupCount), `pooled g=${pooled.groupCount}`, 1e-12, 1e-12);
  }
});

Deno.test("analyzeApproximation refinement never lowers the error", () => {
  const bits = 6;
  const partitions = allGroupings(bits);
  const groupings = partitions.map((groups, i) => ({ name: `p${i}`, groups }));
  let refinedPairs = 0;
  for (const [index, source] of SOURCES.entries()) {
    for (const temperature of [0.05, 1, 8]) {
      const m = logits(source, 24, bits, temperature, 40 + index);
      const result = analyzeApproximation(m, { groupings });
      const tolerance = 1e-12 * Math.max(1, result.exactEntropy);
      for (const fine of result.groupings) {
        for (const coarse of result.groupings) {
          if (fine === coarse || !isRefinement(fine.groups, coarse.groups)) continue;
          refinedPairs++;
          assert(
            fine.error >= coarse.error - tolerance,
            `${source.kind} tau=${temperature}: ${fine.name} refines ${coarse.name} but has error ` +
              `${fine.error} < ${coarse.error}`,
          );
        }
      }
      assert(checkApproximation(result).passed, `checks pass for ${source.kind} tau=${temperature}`);
    }
  }
  // Each of the 12 inputs compares every strictly nested pair of the 203 partitions of 6 bits.
  assertGreater(refinedPairs, 12 * 2000);
});

Deno.test("analyzeApproximation factorial control has zero error", () => {
  for (const [bits, tokens] of [[6, 32], [10, 256], [10, 8], [4, 48]] as const) {
    const m = logits({ kind: "factorial" }, tokens, bits, 0.7, bits + tokens);
    const groupings = bits === 6
      ? allGroupings(bits).map((groups, i) => ({ name: `p${i}`, groups }))
      : contiguousGroupings(bits, divisors(bits));
    const result = analyzeApproximation(m, { groupings, pooledGroupCounts: [1] });
    assertGreater(result.exactEntropy, 1, `nontrivial entropy d=${bits}`);
    for (const g of result.groupings) {
      assert(Math.abs(g.error) < 1e-12, `d=${bits} ${g.name}: error ${g.error} is not zero`);
      assert(Math.abs(g.totalCorrelation!) < 1e-12, `d=${bits} ${g.name}: divergence ${g.totalCorrelation}`);
    }
    assert(Math.abs(result.bitwiseError) < 1e-12, `d=${bits}: bitwise error ${result.bitwiseError}`);
  }
});

Deno.test("analyzeApproximation finds the non-nested d=6 inversion", () => {
  // Pairs (0,1), (2,3), (4,5) strongly correlated: {3,3} cuts the pair (2,3), {2,2,2} keeps all.
  const m = logits({ kind: "correlated", correlation: 0.9, blockSize: 2 }, 256, 6, 1, 5);
  const result = analyzeApproximation(m, {
    groupings: [
      { name: "3+3", groups: [[0, 1, 2], [3, 4, 5]] },
      { name: "2+2+2", groups: [[0, 1], [2, 3], [4, 5]] },
    ],
  });
  const [threeThree, twoTwoTwo] = result.groupings;
  assertGreater(threeThree.error, 2 * twoTwoTwo.error);
  const checks = checkApproximation(result);
  assertEquals(checks.nonNestedInversions.length, 1);
  assert(checks.passed, "an inversion of non-nested groupings is not a failure");
});

Deno.test("checkApproximation reports a refinement violation", () => {
  const fabricated: ApproximationResult = {
    tokens: 1,
    bits: 2,
    exactEntropy: 1,
    perSampleEntropy: 1,
    bitwiseEstimate: 1.5,
    bitwiseError: 0.5,
    groupings: [
      { name: "g=1", groups: [[0, 1]], groupCount: 1, marginalEntropies: [1], estimate: 1.2, error: 0.2, totalCorrelation: 0.2 },
      { name: "g=2", groups: [[0], [1]], groupCount: 2, marginalEntropies: [0.5, 0.6], estimate: 1.1, error: 0.1, totalCorrelation: 0.3 },
    ],
    pooled: [{ groupCount: 2, estimate: 0.5, scaledEstimate: 1 }],
    marginalMismatch: 0,
    seconds: 0,
  };
  const checks = checkApproximation(fabricated);
  assertEquals(checks.refinementViolations.length, 1);
  assertClose(checks.maxIdentityGap!, 0.2, "identity gap", 1e-15, 0);
  assertEquals(checks.pooledBelowSum, [2]);
  assertEquals(checks.passed, false);
});

Deno.test("analyzeApproximation rejects an invalid grouping", () => {
  const m = logits({ kind: "independent" }, 4, 4, 1, 1);
  assertThrows(
    () => analyzeApproximation(m, { groupings: [{ name: "bad", groups: [[0, 1], [1, 2, 3]] }] }),
    RangeError,
    "bit 1 is in two groups",
  );
  assertThrows(
    () => analyzeApproximation(m, { groupings: [], pooledGroupCounts: [3] }),
    RangeError,
    "divisible by the group count",
  );
});
