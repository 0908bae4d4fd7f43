/** Entropy estimators at saturated logits, and their errors on bad input. */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  CODEBOOK_ENTROPY_METHODS,
  entropyLoss,
  exactCodebookEntropy,
  exactEntropyWorkingBytes,
  formatBytes,
  groupSumCodebookEntropy,
  lfqBitLogits,
} from "../../lib/entropy/mod.ts";
import { codebookEntropyRef } from "../../lib/entropy/reference.ts";
import { assertClose, matrix, scalarValue, useBackend } from "./_helpers.ts";

const LN2 = Math.LN2;

/** Asserts that every method gives finite terms and a finite loss gradient on `x`. */
function assertFiniteEverywhere(x: tf.Tensor2D, groups: number, label: string): void {
  for (const method of CODEBOOK_ENTROPY_METHODS) {
    const terms = entropyLoss(x, { method, groups });
    for (const [name, value] of Object.entries(terms)) {
      const v = scalarValue(value as tf.Tensor);
      assert(Number.isFinite(v), `${label}, ${method}: ${name} = ${v}`);
    }
    const gradient = tf.grad((y) => entropyLoss(y as tf.Tensor2D, { method, groups }).loss)(x);
    const values = gradient.dataSync();
    gradient.dispose();
    const bad = values.findIndex((v) => !Number.isFinite(v));
    assert(bad < 0, `${label}, ${method}: gradient[${bad}] = ${values[bad]}`);
  }
}

Deno.test("entropyLoss finite for latents times 1e3", async () => {
  await useBackend("cpu");
  const rng = new Rng(51);
  const tokens = 16;
  const bits = 8;
  const u = tf.tensor2d(rng.normalArray(tokens * bits, 0, 1000), [tokens, bits]);
  const logits = lfqBitLogits(u, 0.01);
  assertFiniteEverywhere(logits, 2, "u ~ N(0, 1e3^2), tau 0.01");
  const expected = codebookEntropyRef(matrix(logits.dataSync(), tokens, bits));
  assertClose(
    scalarValue(exactCodebookEntropy(logits)),
    expected,
    "exact entropy of saturated tokens",
  );
  tf.dispose([u, logits]);
});

Deno.test("entropyLoss exact at probabilities 0 and 1", async () => {
  await useBackend("cpu");
  // sigmoid(+-1e4) is exactly 1 and 0 in float32. Bits 0-4 are all 1 in even
  // tokens and all 0 in odd tokens, and bit 5 is a fair coin.
  const bits = 6;
  const tokens = 4;
  const data = new Float32Array(tokens * bits);
  for (let t = 0; t < tokens; t++) {
    for (let k = 0; k < bits; k++) data[t * bits + k] = k === 5 ? 0 : (t % 2 === 0 ? 1e4 : -1e4);
  }
  const x = tf.tensor2d(data, [tokens, bits]);
  assertFiniteEverywhere(x, 3, "logits +-1e4 and 0");
  const exact = entropyLoss(x, { method: "exact" });
  assertClose(scalarValue(exact.codebookEntropy), 2 * LN2, "exact H_cb");
  assertClose(scalarValue(exact.perSampleEntropy), LN2, "per-sample entropy");
  assertClose(scalarValue(exact.loss), -LN2, "exact loss");
  assertClose(
    scalarValue(entropyLoss(x, { method: "bitwise" }).codebookEntropy),
    6 * LN2,
    "bitwise H_cb",
  );
  assertClose(
    scalarValue(entropyLoss(x, { method: "group-sum", groups: 3 }).codebookEntropy),
    4 * LN2,
    "group-sum g = 3",
  );
  // Pooled over 3 groups of 2 bits (index = first bit + 2 * second bit): even
  // tokens give sub-codes 3, 3 and {1 or 3}; odd tokens 0, 0 and {0 or 2}.
  const pooled = new Float64Array(4);
  for (
    const [code, weight] of [[3, 1 / 3], [0, 1 / 3], [1, 1 / 12], [3, 1 / 12], [0, 1 / 12], [
      2,
      1 / 12,
    ]] as const
  ) {
    pooled[code] += weight;
  }
  const pooledEntropy = -pooled.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);
  assertClose(
    scalarValue(entropyLoss(x, { method: "group-pooled", groups: 3 }).codebookEntropy),
    pooledEntropy,
    "pooled g = 3",
  );
  x.dispose();
});

Deno.test("exactCodebookEntropy rejects above memory budget", async () => {
  await useBackend("cpu");
  const tokens = 4096;
  const bits = 32;
  const x = tf.zeros([tokens, bits]) as tf.Tensor2D;
  const needed = formatBytes(exactEntropyWorkingBytes(tokens, bits));
  const error = assertThrows(() => exactCodebookEntropy(x), RangeError);
  assert(error.message.includes(`needs about ${needed}`), error.message);
  assert(error.message.includes("2^32 codes for 4096 tokens"), error.message);
  assertThrows(
    () => exactCodebookEntropy(tf.zeros([8, 4]) as tf.Tensor2D, { maxBytes: 10 }),
    RangeError,
    "budget of",
  );
  x.dispose();
});

Deno.test("exactCodebookEntropy rejects codes above 32 bits", async () => {
  await useBackend("cpu");
  const x = tf.zeros([1, 40]) as tf.Tensor2D;
  assertThrows(
    () => exactCodebookEntropy(x),
    RangeError,
    "2^40 codes exceeds the limit of 2^32 codes",
  );
  assertThrows(
    () => exactCodebookEntropy(x, { maxCodeBits: 16 }),
    RangeError,
    "limit of 2^16 codes",
  );
  x.dispose();
});

Deno.test("group estimators reject non-divisor groups", async () => {
  await useBackend("cpu");
  const x = tf.zeros([3, 6]) as tf.Tensor2D;
  assertThrows(() => groupSumCodebookEntropy(x, 4), RangeError, "invalid group count 4 for d = 6");
  assertThrows(
    () => entropyLoss(x, { method: "group-pooled", groups: 0 }),
    RangeError,
    "invalid group count 0",
  );
  x.dispose();
});

Deno.test("entropy estimators reject bad input", async () => {
  await useBackend("cpu");
  const cube = tf.zeros([2, 3, 4]);
  assertThrows(
    () => exactCodebookEntropy(cube as tf.Tensor2D),
    RangeError,
    "shape [2,3,4]: expected rank 2",
  );
  const x = tf.zeros([2, 4]) as tf.Tensor2D;
  assertThrows(
    () => entropyLoss(x, { method: "softmax" as "exact" }),
    RangeError,
    'invalid codebook entropy method "softmax"',
  );
  assertThrows(() => lfqBitLogits(x, 0), RangeError, "invalid temperature 0");
  assertEquals(CODEBOOK_ENTROPY_METHODS.length, 4);
  tf.dispose([cube, x]);
});

Deno.test("exactEntropyWorkingBytes bounds measured peak", async () => {
  await useBackend("cpu");
  for (const [groups, tokens, bits] of [[1, 256, 12], [1, 512, 9], [3, 128, 10]]) {
    const x = new Rng(bits).normalTensor([tokens, groups * bits], 0, 4) as tf.Tensor2D;
    const profile = await tf.profile(() => {
      const { value, grad } = tf.valueAndGrad((y: tf.Tensor) =>
        groupSumCodebookEntropy(y as tf.Tensor2D, groups)
      )(x);
      tf.dispose([value, grad]);
    });
    const estimate = exactEntropyWorkingBytes(tokens, bits, groups);
    const label = `${groups} x ${bits} bits, ${tokens} tokens`;
    assert(
      estimate >= profile.peakBytes,
      `${label}: estimate ${estimate} below peak ${profile.peakBytes}`,
    );
    assert(
      estimate <= 2.5 * profile.peakBytes,
      `${label}: estimate ${estimate} above 2.5 x peak ${profile.peakBytes}`,
    );
    x.dispose();
  }
});
