import { assertAlmostEquals, assertRejects } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { meanTensorPsnr } from "../../lib/metrics/tensor_psnr.ts";

await initBackend("wasm", { announce: false });

Deno.test("meanTensorPsnr averages per-image 8-bit PSNR", async () => {
  // Image 0: pixels 0 against 255, so MSE 255^2 and 0 dB. Image 1: 0 against
  // trunc(127.5) = 127, so 20 log10(255 / 127) dB.
  const original = tf.fill([2, 2, 2, 3], -1) as tf.Tensor4D;
  const reconstructed = tf.concat([
    tf.fill([1, 2, 2, 3], 1),
    tf.fill([1, 2, 2, 3], 0),
  ]) as tf.Tensor4D;
  const expected = (0 + 20 * Math.log10(255 / 127)) / 2;
  assertAlmostEquals(await meanTensorPsnr(original, reconstructed), expected, 1e-9);
  tf.dispose([original, reconstructed]);
});

Deno.test("meanTensorPsnr rejects different shapes", async () => {
  const a = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
  const b = tf.zeros([1, 2, 4, 3]) as tf.Tensor4D;
  await assertRejects(() => meanTensorPsnr(a, b), RangeError, "differ in shape");
  tf.dispose([a, b]);
});
