/**
 * PerceptualLoss over the project's frozen InceptionV3 trunk (nsfwjs 4.3.0,
 * loaded offline), the feature net available without user weights.
 */
import { assert, assertEquals } from "@std/assert";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { PerceptualLoss } from "../../lib/loss/mod.ts";
import { loadNsfwjsInception } from "../../lib/metrics/mod.ts";

// The wasm backend computes this trunk's gradients about 30x faster than cpu.
await initBackend("wasm", { announce: false });

const inception = await loadNsfwjsInception();
const loss = new PerceptualLoss(inception);
const rng = new Rng(81);
// 75x75 is the smallest input the trunk accepts.
const target = tf.keep(rng.uniformTensor([1, 80, 80, 3], -1, 1) as tf.Tensor4D);
const output = tf.keep(rng.uniformTensor([1, 80, 80, 3], -1, 1) as tf.Tensor4D);

Deno.test("PerceptualLoss over Inception is zero for identical images", () => {
  tf.tidy(() => assertEquals(loss.apply(target, target).dataSync()[0], 0));
});

Deno.test("PerceptualLoss over Inception has directional derivative", () => {
  // Compare <grad, v> with a central difference along a random direction v.
  const direction = rng.normalTensor(output.shape) as tf.Tensor4D;
  const f = (x: tf.Tensor) => loss.apply(target, x as tf.Tensor4D);
  const analytic = tf.tidy(() => tf.sum(tf.mul(tf.grad(f)(output), direction)).dataSync()[0]);
  // ReLU kinks spoil larger steps: measured 13% off at h = 1e-2 and 0.35% at 1e-3.
  const h = 1e-3;
  const plus = tf.tidy(() => f(tf.add(output, tf.mul(direction, h))).dataSync()[0]);
  const minus = tf.tidy(() => f(tf.sub(output, tf.mul(direction, h))).dataSync()[0]);
  const numeric = (plus - minus) / (2 * h);
  assert(Math.abs(analytic) > 0, "gradient reaches the images");
  assert(
    Math.abs(analytic - numeric) <= 0.02 * Math.abs(numeric),
    `analytic ${analytic}, numeric ${numeric}`,
  );
  direction.dispose();
});
