/**
 * Entropy estimators on the cpu backend against float64 references: full
 * softmax enumeration, brute-force enumeration of `pbar`, and closed forms.
 */
import { assert, assertLessOrEqual } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  bitwiseCodebookEntropy,
  exactCodebookEntropy,
  groupMarginalEntropies,
  groupPooledCodebookEntropy,
  groupSumCodebookEntropy,
  lfqBitLogits,
  perSampleEntropy,
} from "../../lib/entropy/mod.ts";
import {
  bitwiseEntropyRef,
  bruteForceCodebookEntropy,
  bruteForceMeanDistribution,
  codebookEntropyRef,
  consecutiveGroups,
  entropyOfDistribution,
  groupSumEntropyRef,
  meanCodeDistribution,
  perSampleEntropyRef,
  pooledGroupEntropyRef,
  softmaxCodeDistribution,
  totalCorrelationRef,
} from "../../lib/entropy/reference.ts";
import { assertClose, correlatedLogits, matrix, scalarValue, useBackend } from "./_helpers.ts";

const LN2 = Math.LN2;

/** Returns the marginal of a full table over the codes of consecutive bits `[lo, lo + width)`. */
function marginal(table: Float64Array, lo: number, width: number): Float64Array {
  const out = new Float64Array(2 ** width);
  for (let c = 0; c < table.length; c++) out[Math.floor(c / 2 ** lo) % 2 ** width] += table[c];
  return out;
}

Deno.test("perSampleEntropy equals full softmax", async () => {
  await useBackend("cpu");
  const rng = new Rng(11);
  const tokens = 6;
  const bits = 7;
  const temperature = 0.5;
  const u = rng.normalArray(tokens * bits, 0, 0.3);
  let expected = 0;
  for (let t = 0; t < tokens; t++) {
    expected += entropyOfDistribution(
      softmaxCodeDistribution(u.subarray(t * bits, (t + 1) * bits), temperature),
    );
  }
  expected /= tokens;
  const logits = lfqBitLogits(tf.tensor2d(u, [tokens, bits]), temperature);
  assertClose(scalarValue(perSampleEntropy(logits)), expected, "tfjs per-sample entropy");
  const logitValues = logits.dataSync();
  assertClose(
    perSampleEntropyRef(matrix(logitValues, tokens, bits)),
    expected,
    "float64 per-sample entropy",
    1e-10,
    1e-10,
  );
  logits.dispose();
});

Deno.test("reference product form equals softmax", () => {
  const rng = new Rng(12);
  const tokens = 5;
  const bits = 6;
  const temperature = 0.8;
  const u = rng.normalArray(tokens * bits, 0, 0.5);
  const logits = Float64Array.from(u, (x) => (4 * x) / temperature);
  const expected = new Float64Array(2 ** bits);
  for (let t = 0; t < tokens; t++) {
    const q = softmaxCodeDistribution(u.subarray(t * bits, (t + 1) * bits), temperature);
    for (let c = 0; c < q.length; c++) expected[c] += q[c] / tokens;
  }
  const brute = bruteForceMeanDistribution(matrix(logits, tokens, bits));
  const split = meanCodeDistribution(matrix(logits, tokens, bits));
  for (let c = 0; c < expected.length; c++) {
    assertClose(brute[c], expected[c], `brute-force pbar[${c}]`, 1e-12, 1e-10);
    assertClose(split[c], expected[c], `split pbar[${c}]`, 1e-12, 1e-10);
  }
});

Deno.test("exactCodebookEntropy equals brute force", async () => {
  await useBackend("cpu");
  const rng = new Rng(13);
  for (const bits of [1, 2, 3, 6, 9, 12]) {
    const tokens = 41;
    const data = correlatedLogits(rng, tokens, bits);
    const expected = bruteForceCodebookEntropy(matrix(data, tokens, bits));
    const x = tf.tensor2d(data, [tokens, bits]);
    assertClose(scalarValue(exactCodebookEntropy(x)), expected, `exact, d = ${bits}`);
    assertClose(
      codebookEntropyRef(matrix(data, tokens, bits)),
      expected,
      `float64 split, d = ${bits}`,
      1e-10,
      1e-10,
    );
    x.dispose();
  }
});

Deno.test("exactCodebookEntropy chunked equals unchunked", async () => {
  await useBackend("cpu");
  // d = 10 splits into 2^5 x 2^5 tables; 96-element chunks contain 3 rows, so
  // the 32 rows take 11 chunks and the last one is short.
  const rng = new Rng(14);
  const tokens = 17;
  const bits = 10;
  const data = correlatedLogits(rng, tokens, bits);
  const expected = bruteForceCodebookEntropy(matrix(data, tokens, bits));
  const x = tf.tensor2d(data, [tokens, bits]);
  assertClose(
    scalarValue(exactCodebookEntropy(x, { chunkElements: 96 })),
    expected,
    "exact in 11 chunks",
  );
  x.dispose();
});

Deno.test("group-sum with one group equals exact", async () => {
  await useBackend("cpu");
  const rng = new Rng(15);
  const tokens = 29;
  const bits = 8;
  const data = correlatedLogits(rng, tokens, bits);
  const x = tf.tensor2d(data, [tokens, bits]);
  const expected = bruteForceCodebookEntropy(matrix(data, tokens, bits));
  assertClose(scalarValue(groupSumCodebookEntropy(x, 1)), expected, "group-sum, g = 1");
  x.dispose();
});

Deno.test("group-sum with d groups equals bitwise", async () => {
  await useBackend("cpu");
  const rng = new Rng(16);
  const tokens = 33;
  const bits = 10;
  const data = correlatedLogits(rng, tokens, bits);
  const x = tf.tensor2d(data, [tokens, bits]);
  const expected = bitwiseEntropyRef(matrix(data, tokens, bits));
  assertClose(scalarValue(groupSumCodebookEntropy(x, bits)), expected, "group-sum, g = d");
  assertClose(scalarValue(bitwiseCodebookEntropy(x)), expected, "bitwise estimator");
  x.dispose();
});

Deno.test("group estimators equal brute-force marginals", async () => {
  await useBackend("cpu");
  const rng = new Rng(17);
  const tokens = 23;
  const bits = 6;
  const data = correlatedLogits(rng, tokens, bits);
  const table = bruteForceMeanDistribution(matrix(data, tokens, bits));
  const x = tf.tensor2d(data, [tokens, bits]);
  for (const groups of [2, 3]) {
    const width = bits / groups;
    const marginals = Array.from({ length: groups }, (_, k) => marginal(table, k * width, width));
    const perGroup = groupMarginalEntropies(x, groups);
    const values = perGroup.dataSync();
    perGroup.dispose();
    for (let k = 0; k < groups; k++) {
      assertClose(values[k], entropyOfDistribution(marginals[k]), `H(pbar_${k}), g = ${groups}`);
    }
    const sum = marginals.reduce((s, p) => s + entropyOfDistribution(p), 0);
    assertClose(scalarValue(groupSumCodebookEntropy(x, groups)), sum, `group-sum, g = ${groups}`);
    const pooled = new Float64Array(2 ** width);
    for (const p of marginals) p.forEach((v, c) => (pooled[c] += v / groups));
    const pooledEntropy = entropyOfDistribution(pooled);
    assertClose(
      scalarValue(groupPooledCodebookEntropy(x, groups)),
      pooledEntropy,
      `pooled, g = ${groups}`,
    );
    assertClose(
      pooledGroupEntropyRef(matrix(data, tokens, bits), groups),
      pooledEntropy,
      `float64 pooled, g = ${groups}`,
      1e-10,
      1e-10,
    );
  }
  x.dispose();
});

Deno.test("nested groupings order exact below bitwise", async () => {
  await useBackend("cpu");
  const rng = new Rng(18);
  const tokens = 64;
  const bits = 12;
  const data = correlatedLogits(rng, tokens, bits);
  const x = tf.tensor2d(data, [tokens, bits]);
  const exact = scalarValue(exactCodebookEntropy(x));
  // g = 1, 2, 4, 12: each grouping refines the previous one.
  const estimates = [exact, ...[2, 4, 12].map((g) => scalarValue(groupSumCodebookEntropy(x, g)))];
  const slack = 1e-4;
  for (let i = 0; i + 1 < estimates.length; i++) {
    assertLessOrEqual(estimates[i], estimates[i + 1] + slack, `estimates ${estimates}`);
  }
  for (const value of estimates) {
    assert(value >= -slack, `estimate ${value} below 0`);
    assert(value <= bits * LN2 + slack, `estimate ${value} above d ln 2`);
  }
  const pooled = scalarValue(groupPooledCodebookEntropy(x, 4));
  assert(pooled >= -slack, `pooled ${pooled} below 0`);
  assert(pooled <= 3 * LN2 + slack, `pooled ${pooled} above 3 ln 2`);
  // The correlated generator makes the bitwise over-estimate strictly positive.
  assert(estimates[3] - exact > 0.1, `bitwise error ${estimates[3] - exact} not above 0.1 nats`);
  const partitions = [2, 4, 12].map((g) => consecutiveGroups(bits, g));
  const errors = partitions.map((p) => totalCorrelationRef(matrix(data, tokens, bits), p));
  assert(errors[0] >= 0, `total correlation ${errors[0]} below 0`);
  assertLessOrEqual(errors[0], errors[1] + 1e-12);
  assertLessOrEqual(errors[1], errors[2] + 1e-12);
  x.dispose();
});

Deno.test("non-nested groupings are not ordered", async () => {
  await useBackend("cpu");
  // Bits 2 and 3 are equal and every other bit is a fair coin. {0,1,2 | 3,4,5}
  // separates the equal bits (error ln 2); {0,1 | 2,3 | 4,5} keeps them together (error 0).
  const large = 50;
  const data = new Float32Array([0, 0, large, large, 0, 0, 0, 0, -large, -large, 0, 0]);
  const x = tf.tensor2d(data, [2, 6]);
  assertClose(scalarValue(exactCodebookEntropy(x)), 5 * LN2, "exact H");
  assertClose(scalarValue(groupSumCodebookEntropy(x, 2)), 6 * LN2, "{3,3} sum");
  assertClose(scalarValue(groupSumCodebookEntropy(x, 3)), 5 * LN2, "{2,2,2} sum");
  const m = matrix(data, 2, 6);
  assertClose(totalCorrelationRef(m, consecutiveGroups(6, 2)), LN2, "{3,3} error", 1e-12, 1e-12);
  assertClose(totalCorrelationRef(m, consecutiveGroups(6, 3)), 0, "{2,2,2} error", 1e-12, 1e-12);
  assertClose(
    groupSumEntropyRef(m, [[0, 5], [1, 4], [2, 3]]),
    5 * LN2,
    "non-consecutive partition",
    1e-12,
    1e-12,
  );
  x.dispose();
});
