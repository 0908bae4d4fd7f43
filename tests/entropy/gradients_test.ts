/**
 * Gradients of every entropy estimator on the cpu backend (float32) against
 * float64 central differences of the references in `lib/entropy/reference.ts`.
 * Tolerance: 2e-4 absolute plus 2e-3 relative, from float32 rounding of
 * entropies of order 1 nat and a central-difference step of 1e-4.
 */
import { assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  bitwiseCodebookEntropy,
  type CodebookEntropyMethod,
  entropyLoss,
  exactCodebookEntropy,
  groupPooledCodebookEntropy,
  groupSumCodebookEntropy,
  perSampleEntropy,
} from "../../lib/entropy/mod.ts";
import {
  bitwiseEntropyRef,
  codebookEntropyRef,
  consecutiveGroups,
  groupSumEntropyRef,
  type LogitMatrix,
  perSampleEntropyRef,
  pooledGroupEntropyRef,
} from "../../lib/entropy/reference.ts";
import { assertClose, correlatedLogits, finiteDifferences, useBackend } from "./_helpers.ts";

const TOKENS = 5;
const BITS = 6;

function checkGradient(
  label: string,
  estimator: (x: tf.Tensor2D) => tf.Scalar,
  reference: (m: LogitMatrix) => number,
  seed: number,
): void {
  const data = correlatedLogits(new Rng(seed), TOKENS, BITS, 1.5);
  const x = tf.tensor2d(data, [TOKENS, BITS]);
  const gradient = tf.grad((y) => estimator(y as tf.Tensor2D))(x);
  const actual = gradient.dataSync();
  const expected = finiteDifferences(
    (p) => reference({ data: p, tokens: TOKENS, bits: BITS }),
    data,
  );
  for (let i = 0; i < expected.length; i++) {
    assertClose(actual[i], expected[i], `${label} gradient[${i}]`, 2e-4, 2e-3);
  }
  tf.dispose([x, gradient]);
}

Deno.test("perSampleEntropy gradient matches differences", async () => {
  await useBackend("cpu");
  checkGradient("per-sample", perSampleEntropy, perSampleEntropyRef, 21);
});

Deno.test("exactCodebookEntropy gradient matches differences", async () => {
  await useBackend("cpu");
  checkGradient("exact", (x) => exactCodebookEntropy(x), (m) => codebookEntropyRef(m), 22);
});

Deno.test("exactCodebookEntropy chunked gradient matches differences", async () => {
  await useBackend("cpu");
  // 2^3 x 2^3 table in 8-element chunks: one row per chunk.
  checkGradient(
    "exact chunked",
    (x) => exactCodebookEntropy(x, { chunkElements: 8 }),
    (m) => codebookEntropyRef(m),
    23,
  );
});

Deno.test("groupSumCodebookEntropy gradient matches differences", async () => {
  await useBackend("cpu");
  for (const groups of [2, 3, 6]) {
    checkGradient(
      `group-sum g = ${groups}`,
      (x) => groupSumCodebookEntropy(x, groups),
      (m) => groupSumEntropyRef(m, consecutiveGroups(BITS, groups)),
      24 + groups,
    );
  }
});

Deno.test("groupPooledCodebookEntropy gradient matches differences", async () => {
  await useBackend("cpu");
  checkGradient(
    "pooled g = 3",
    (x) => groupPooledCodebookEntropy(x, 3),
    (m) => pooledGroupEntropyRef(m, 3),
    31,
  );
});

Deno.test("bitwiseCodebookEntropy gradient matches differences", async () => {
  await useBackend("cpu");
  checkGradient("bitwise", bitwiseCodebookEntropy, bitwiseEntropyRef, 32);
});

Deno.test("entropyLoss gradient matches differences", async () => {
  await useBackend("cpu");
  const sampleWeight = 0.7;
  const codebookWeight = 1.3;
  const groups = 2;
  const codebookRefs: Record<CodebookEntropyMethod, (m: LogitMatrix) => number> = {
    exact: (m) => codebookEntropyRef(m),
    "group-sum": (m) => groupSumEntropyRef(m, consecutiveGroups(BITS, groups)),
    "group-pooled": (m) => pooledGroupEntropyRef(m, groups),
    bitwise: bitwiseEntropyRef,
  };
  for (
    const [method, codebookRef] of Object.entries(codebookRefs) as [
      CodebookEntropyMethod,
      (m: LogitMatrix) => number,
    ][]
  ) {
    const sampleScale = method === "group-pooled" ? 1 / groups : 1;
    checkGradient(
      `entropyLoss ${method}`,
      (x) => entropyLoss(x, { method, groups, sampleWeight, codebookWeight }).loss,
      (m) => sampleWeight * sampleScale * perSampleEntropyRef(m) - codebookWeight * codebookRef(m),
      40,
    );
  }
});

Deno.test("exactCodebookEntropy gradient leaks no tensors", async () => {
  await useBackend("cpu");
  const x = tf.tensor2d(correlatedLogits(new Rng(41), 9, 7), [9, 7]);
  const before = tf.memory().numTensors;
  for (const chunkElements of [4, 1 << 22]) {
    const { value, grad } = tf.valueAndGrad((y: tf.Tensor) =>
      groupSumCodebookEntropy(y as tf.Tensor2D, 1, { chunkElements })
    )(x);
    tf.dispose([value, grad]);
  }
  assertEquals(tf.memory().numTensors, before);
  x.dispose();
});
