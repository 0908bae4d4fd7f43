/** Quantizer errors on bad input: each message names the value and the fix. */
import { assert, assertThrows } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  BsqQuantizer,
  FsqQuantizer,
  GqQuantizer,
  LfqQuantizer,
  VqQuantizer,
} from "../../lib/quantize/mod.ts";
import { useBackend } from "../entropy/_helpers.ts";

Deno.test("GqQuantizer rejects d not divisible by g", () => {
  assertThrows(
    () => new GqQuantizer({ dim: 10, groups: 4 }),
    RangeError,
    "invalid group count 4 for d = 10",
  );
  assertThrows(() => new BsqQuantizer({ dim: 9, groups: 2 }), RangeError, "choose a divisor of 9");
});

Deno.test("quantize rejects non-finite latents", async () => {
  await useBackend("cpu");
  const values = new Float32Array(2 * 2 * 2 * 4);
  values[1 * 16 + 0 * 8 + 1 * 4 + 2] = NaN;
  const z = tf.tensor4d(values, [2, 2, 2, 4]);
  for (
    const quantizer of [new LfqQuantizer({ dim: 4 }), new FsqQuantizer({ levels: [5, 5, 5, 5] })]
  ) {
    assertThrows(
      () => quantizer.quantize(z),
      RangeError,
      "latent value NaN at [1,0,1,2] is not finite",
    );
  }
  const infinite = tf.tensor4d([0, 1, -Infinity, 2], [1, 1, 1, 4]);
  assertThrows(
    () => new GqQuantizer({ dim: 4, groups: 2 }).quantize(infinite, { training: true }),
    RangeError,
    "-Infinity at [0,0,0,2]",
  );
  tf.dispose([z, infinite]);
});

Deno.test("quantize rejects wrong rank and width", async () => {
  await useBackend("cpu");
  const lfq = new LfqQuantizer({ dim: 8 });
  const flat = tf.zeros([4, 8]);
  assertThrows(
    () => lfq.quantize(flat as tf.Tensor4D),
    RangeError,
    "invalid latent of shape [4,8]: expected rank 4",
  );
  const nchw = tf.zeros([1, 8, 4, 4]) as tf.Tensor4D;
  assertThrows(() => lfq.quantize(nchw), RangeError, "with d = 8 (NHWC)");
  tf.dispose([flat, nchw]);
});

Deno.test("FsqQuantizer rejects levels below 2", () => {
  assertThrows(
    () => new FsqQuantizer({ levels: [8, 1, 5] }),
    RangeError,
    "invalid level 1 for channel 1",
  );
  assertThrows(
    () => new FsqQuantizer({ levels: [8, 2.5] }),
    RangeError,
    "invalid level 2.5 for channel 1",
  );
  assertThrows(() => new FsqQuantizer({ levels: [] }), RangeError, "expected a non-empty list");
});

Deno.test("quantizer options reject bad values", () => {
  assertThrows(
    () => new LfqQuantizer({ dim: 0 }),
    RangeError,
    "invalid latent channel count d = 0",
  );
  assertThrows(
    () => new LfqQuantizer({ dim: 4, temperature: 0 }),
    RangeError,
    "invalid temperature 0",
  );
  assertThrows(
    () => new GqQuantizer({ dim: 4, groups: 2, entropyMethod: "pooled" as "group-pooled" }),
    RangeError,
    'invalid codebook entropy method "pooled"',
  );
  assertThrows(
    () => new VqQuantizer({ dim: 4, codebookSize: 1, rng: new Rng(1) }),
    RangeError,
    "invalid codebook size 1",
  );
});

Deno.test("LfqQuantizer training rejects 64-bit enumeration", async () => {
  await useBackend("cpu");
  const lfq = new LfqQuantizer({ dim: 64 });
  const z = tf.ones([1, 2, 2, 64]) as tf.Tensor4D;
  const error = assertThrows(() => lfq.quantize(z, { training: true }), RangeError);
  assert(error.message.includes("2^64 codes exceeds the limit"), error.message);
  const evaluation = lfq.quantize(z);
  tf.dispose([z, evaluation.codes, evaluation.digits]);
});

Deno.test("indicesToCodes rejects foreign indices", async () => {
  await useBackend("cpu");
  const gq = new GqQuantizer({ dim: 8, groups: 2 });
  const indices = await gq.codesToIndices(gq.quantize(tf.ones([1, 1, 1, 8]) as tf.Tensor4D).codes);
  assertThrows(
    () => new GqQuantizer({ dim: 8, groups: 4 }).indicesToCodes(indices),
    RangeError,
    "indices have 2 groups per token",
  );
  assertThrows(
    () => new GqQuantizer({ dim: 4, groups: 2 }).indicesToCodes(indices),
    RangeError,
    "group size 16",
  );
  assertThrows(
    () => gq.indicesToCodes({ ...indices, values: new Float64Array([3, 16]) }),
    RangeError,
    "invalid index 16",
  );
});
