import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { InceptionMetrics } from "../../lib/experiment/executors/inception_metrics.ts";
import { parseExperimentConfig } from "../../lib/experiment/mod.ts";
import { loadNsfwjsInception, perceptualDistance } from "../../lib/metrics/features/mod.ts";
import { edit, trainExperiment } from "./_fixtures.ts";

await initBackend("wasm", { announce: false });

/** Draws a batch of `count` random 80x80 images in [-1, 1]. */
function images(count: number, seed: number): tf.Tensor4D {
  return new Rng(seed).uniformTensor([count, 80, 80, 3], -1, 1) as tf.Tensor4D;
}

Deno.test("InceptionMetrics loads nothing unrequested", async () => {
  assertEquals(await InceptionMetrics.create(["psnr", "ssim"]), null);
});

Deno.test("InceptionMetrics gives zero for identical images", async () => {
  const metrics = (await InceptionMetrics.create(["fd-nsfwjs", "perceptual-nsfwjs"]))!;
  const a = images(3, 1);
  await metrics.add(a, a);
  const result = metrics.results();
  metrics.dispose();
  a.dispose();
  assertEquals(result.perceptualNsfwjs, 0);
  assertAlmostEquals(result.fdNsfwjs, 0, 1e-6);
});

Deno.test("InceptionMetrics matches the direct distance", async () => {
  const metrics = (await InceptionMetrics.create(["fd-nsfwjs", "perceptual-nsfwjs"]))!;
  const a = images(2, 2);
  const b = images(2, 3);
  await metrics.add(a, b);
  const result = metrics.results();
  metrics.dispose();

  const net = await loadNsfwjsInception();
  const direct = perceptualDistance(net, a, b);
  const values = await direct.data();
  net.dispose();
  tf.dispose([a, b, direct]);
  assertAlmostEquals(result.perceptualNsfwjs, (values[0] + values[1]) / 2, 1e-6);
  assert(result.fdNsfwjs > 0, `fdNsfwjs ${result.fdNsfwjs}`);
});

Deno.test("InceptionMetrics rejects results without images", async () => {
  const metrics = (await InceptionMetrics.create(["perceptual-nsfwjs"]))!;
  assertThrows(() => metrics.results(), RangeError, "no images were added");
  metrics.dispose();
});

Deno.test("parseExperimentConfig rejects InceptionV3 metrics on small crops", () => {
  const config = edit(trainExperiment(), (c) => c.defaults.eval.metrics.push("fd-nsfwjs"));
  let message = "";
  try {
    parseExperimentConfig(config, "test.json");
  } catch (err) {
    message = (err as Error).message;
  }
  assert(message.includes("InceptionV3 needs crops of at least 75 pixels"), message);
});
