/**
 * The main forward checks of the entropy estimators on the wasm backend,
 * against the same float64 references as the cpu tests.
 */
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  CODEBOOK_ENTROPY_METHODS,
  entropyLoss,
  exactCodebookEntropy,
} from "../../lib/entropy/mod.ts";
import { codebookEntropyRef, perSampleEntropyRef } from "../../lib/entropy/reference.ts";
import {
  assertClose,
  codebookEntropyReferences,
  correlatedLogits,
  matrix,
  scalarValue,
  useBackend,
} from "./_helpers.ts";

Deno.test("entropyLoss on wasm matches references", async () => {
  await useBackend("wasm");
  try {
    const tokens = 48;
    const bits = 10;
    const groups = 2;
    const data = correlatedLogits(new Rng(61), tokens, bits);
    const m = matrix(data, tokens, bits);
    const expected = codebookEntropyReferences(m, groups);
    const x = tf.tensor2d(data, [tokens, bits]);
    for (const method of CODEBOOK_ENTROPY_METHODS) {
      const terms = entropyLoss(x, { method, groups });
      const sample = perSampleEntropyRef(m) / (method === "group-pooled" ? groups : 1);
      assertClose(scalarValue(terms.perSampleEntropy), sample, `wasm ${method} per-sample`);
      assertClose(scalarValue(terms.codebookEntropy), expected[method], `wasm ${method} codebook`);
      assertClose(scalarValue(terms.loss), sample - expected[method], `wasm ${method} loss`);
    }
    x.dispose();
  } finally {
    await useBackend("cpu");
  }
});

Deno.test("exactCodebookEntropy on wasm sums accurately", async () => {
  await useBackend("wasm");
  try {
    // 2^18 terms in one chunk: a plain float32 sum on wasm was 3e-3 nats off here.
    const tokens = 32;
    const bits = 18;
    const data = new Rng(62).normalArray(tokens * bits, 0, 4);
    const expected = codebookEntropyRef(matrix(data, tokens, bits));
    const x = tf.tensor2d(data, [tokens, bits]);
    assertClose(scalarValue(exactCodebookEntropy(x)), expected, "wasm exact, d = 18", 1e-4, 1e-5);
    x.dispose();
  } finally {
    await useBackend("cpu");
  }
});
