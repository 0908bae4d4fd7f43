import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { fileURLToPath } from "node:url";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { loadOnnxExtractor } from "../../lib/metrics/features/onnx_extractor.ts";
import { loadLpipsOnnx } from "../../lib/metrics/features/lpips_onnx.ts";
import {
  meanSquaredDistanceModel,
  poolingLinearModel,
} from "../../lib/metrics/features/onnx_builder.ts";
import { extractStatistics } from "../../lib/metrics/features/feature_extractor.ts";
import {
  loadNsfwjsInception,
  loadNsfwjsLayersModel,
  NSFWJS_MIXED5_METRIC,
  readNsfwjsWeights,
} from "../../lib/metrics/features/nsfwjs_inception.ts";
import { buildCorpus } from "../../lib/data/corpus_builder.ts";
import { loadManifest } from "../../lib/data/manifest.ts";
import { decodeImage } from "../../lib/data/image_io.ts";
import { evalTransform } from "../../lib/data/eval_protocol.ts";
import { imagesToTensor } from "../../lib/data/batch.ts";
import { perceptualDistance } from "../../lib/metrics/features/perceptual_distance.ts";
import { CORPUS_CACHE } from "../data/_cache.ts";

await initBackend("wasm", { announce: false });

async function withModel(bytes: Uint8Array, run: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".onnx" });
  try {
    await Deno.writeFile(path, bytes);
    await run(path);
  } finally {
    await Deno.remove(path);
  }
}

const WEIGHT = Float32Array.from([1, 2, 3, 4, -1, 0.5, 0, 0.25, -2, 1, 1, 1]); // [3, 4]
const BIAS = Float32Array.from([0.1, -0.2, 0.3, 0]);

/** mean_hw((x + 1) / 2) @ WEIGHT + BIAS, computed directly. */
function expectedFeatures(values: Float32Array, batch: number, h: number, w: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    const mean = [0, 0, 0];
    for (let i = 0; i < h * w; i++) {
      for (let c = 0; c < 3; c++) mean[c] += (values[(b * h * w + i) * 3 + c] + 1) / 2 / (h * w);
    }
    for (let j = 0; j < 4; j++) {
      out.push(BIAS[j] + mean[0] * WEIGHT[j] + mean[1] * WEIGHT[4 + j] + mean[2] * WEIGHT[8 + j]);
    }
  }
  return out;
}

Deno.test("loadOnnxExtractor runs a built model", async () => {
  await withModel(poolingLinearModel(WEIGHT, BIAS), async (path) => {
    const extractor = await loadOnnxExtractor({
      path,
      inputSize: 0,
      metricName: "FD (test model)",
    });
    assertEquals(extractor.dim, 4);
    assertEquals(extractor.metricName, "FD (test model)");
    const images = new Rng(2).uniformTensor([3, 5, 7, 3], -1, 1) as tf.Tensor4D;
    const features = await extractor.extract(images);
    const expected = expectedFeatures((await images.data()) as Float32Array, 3, 5, 7);
    assertEquals(features.length, expected.length);
    for (let i = 0; i < expected.length; i++) assertAlmostEquals(features[i], expected[i], 1e-5);
    images.dispose();
    await extractor.dispose();
  });
});

Deno.test("loadOnnxExtractor resizes to 299 by default", async () => {
  await withModel(poolingLinearModel(WEIGHT, BIAS), async (path) => {
    const extractor = await loadOnnxExtractor({ path });
    assertStringIncludes(extractor.metricName, "FD (ONNX");
    // A flat colour stays flat under resizing, so its features are known.
    const images = tf.fill([2, 40, 60, 3], 0.5) as tf.Tensor4D;
    const features = await extractor.extract(images);
    const expected = expectedFeatures(new Float32Array(2 * 3).fill(0.5), 2, 1, 1);
    for (let i = 0; i < expected.length; i++) assertAlmostEquals(features[i], expected[i], 1e-5);
    images.dispose();
    const stats = await extractStatistics(extractor, [
      new Rng(1).uniformTensor([4, 8, 8, 3], -1, 1) as tf.Tensor4D,
    ]);
    assertEquals([stats.count, stats.dim], [4, 4]);
    await extractor.dispose();
  });
});

Deno.test("loadOnnxExtractor names a missing file", async () => {
  await assertRejects(
    () => loadOnnxExtractor({ path: "/nonexistent/inception.onnx" }),
    Error,
    "/nonexistent/inception.onnx not found",
  );
});

Deno.test("loadOnnxExtractor names an invalid file", async () => {
  await withModel(new TextEncoder().encode("not a model"), async (path) => {
    await assertRejects(() => loadOnnxExtractor({ path }), Error, `${path} cannot be loaded`);
  });
});

Deno.test("loadOnnxExtractor names an unknown output", async () => {
  await withModel(poolingLinearModel(WEIGHT, BIAS), async (path) => {
    await assertRejects(
      () => loadOnnxExtractor({ path, outputName: "pool3" }),
      Error,
      'no output "pool3"; it has: features',
    );
  });
});

Deno.test("loadLpipsOnnx runs a two-input model", async () => {
  await withModel(meanSquaredDistanceModel(), async (path) => {
    const lpips = await loadLpipsOnnx({ path, metricName: "LPIPS (test)" });
    const rng = new Rng(4);
    const a = rng.uniformTensor([2, 6, 6, 3], -1, 1) as tf.Tensor4D;
    const b = rng.uniformTensor([2, 6, 6, 3], -1, 1) as tf.Tensor4D;
    const distances = await lpips.distance(a, b);
    const [av, bv] = [await a.data(), await b.data()];
    for (let n = 0; n < 2; n++) {
      let sum = 0;
      for (let i = 0; i < 108; i++) sum += (av[n * 108 + i] - bv[n * 108 + i]) ** 2;
      assertAlmostEquals(distances[n], sum / 108, 1e-6);
    }
    tf.dispose([a, b]);
    await lpips.dispose();
  });
});

Deno.test("loadLpipsOnnx rejects a one-input model", async () => {
  await withModel(poolingLinearModel(WEIGHT, BIAS), async (path) => {
    await assertRejects(() => loadLpipsOnnx({ path }), Error, "must take two images");
  });
});

const net = await loadNsfwjsInception();

Deno.test("loadNsfwjsInception works without network", async () => {
  const script = fileURLToPath(new URL("../fixtures/metrics_nsfwjs_offline.ts", import.meta.url));
  const deno = Deno.execPath();
  const output = await new Deno.Command(deno, {
    args: ["run", "--allow-read", "--allow-env", "--allow-sys", "--deny-net", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 0, stderr);
  const offline: number[] = JSON.parse(new TextDecoder().decode(output.stdout));
  // The same images in this process give the same features: the weights and the
  // computation are deterministic.
  const images = new Rng(77).uniformTensor([2, 96, 96, 3], -1, 1) as tf.Tensor4D;
  const here = await net.extract(images);
  images.dispose();
  assertEquals(offline.length, 2 * 768);
  assertEquals(Array.from(here), offline);
});

Deno.test("nsfwjs features differ between images", async () => {
  assertEquals(net.metricName, NSFWJS_MIXED5_METRIC);
  const images = new Rng(8).uniformTensor([2, 80, 80, 3], -1, 1) as tf.Tensor4D;
  const features = await net.extract(images);
  images.dispose();
  let diff = 0;
  for (let i = 0; i < 768; i++) diff += Math.abs(features[i] - features[768 + i]);
  assert(diff > 1e-3, `features of two random images differ by only ${diff}`);
  assert(features.every(Number.isFinite));
});

Deno.test("nsfwjs feature maps agree on cpu and wasm", async () => {
  const images = new Rng(9).uniformTensor([1, 80, 80, 3], -1, 1) as tf.Tensor4D;
  const values = await images.data();
  const onWasm = net.featureMaps(images, ["mixed5"])[0];
  const wasm = await onWasm.data();
  tf.dispose([images, onWasm]);
  await initBackend("cpu", { announce: false });
  try {
    const cpuImages = tf.tensor4d(values, [1, 80, 80, 3]);
    const onCpu = net.featureMaps(cpuImages, ["mixed5"])[0];
    const cpu = await onCpu.data();
    tf.dispose([cpuImages, onCpu]);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < cpu.length; i++) {
      worst = Math.max(worst, Math.abs(cpu[i] - wasm[i]));
      scale = Math.max(scale, Math.abs(cpu[i]));
    }
    assert(worst <= 1e-3 * scale, `max difference ${worst} for values up to ${scale}`);
  } finally {
    await initBackend("wasm", { announce: false });
  }
});

Deno.test("perceptualDistance is zero for identical images", async () => {
  const a = new Rng(5).uniformTensor([2, 75, 75, 3], -1, 1) as tf.Tensor4D;
  const same = perceptualDistance(net, a, a);
  const values = await same.data();
  assert(values.every((v) => Math.abs(v) < 1e-6), `got ${values}`);
  tf.dispose([a, same]);
});

Deno.test("perceptualDistance grows with noise", async () => {
  const rng = new Rng(6);
  const a = tf.image.resizeBilinear(rng.uniformTensor([1, 10, 10, 3], -1, 1) as tf.Tensor4D, [
    80,
    80,
  ]) as tf.Tensor4D;
  const noise = rng.normalTensor([1, 80, 80, 3], 0, 1);
  const small = tf.clipByValue(tf.add(a, tf.mul(noise, 0.05)), -1, 1) as tf.Tensor4D;
  const large = tf.clipByValue(tf.add(a, tf.mul(noise, 0.3)), -1, 1) as tf.Tensor4D;
  const dSmall = (await perceptualDistance(net, a, small).data())[0];
  const dLarge = (await perceptualDistance(net, a, large).data())[0];
  const dSwapped = (await perceptualDistance(net, large, a).data())[0];
  assert(dSmall > 0, `small-noise distance ${dSmall}`);
  assert(dLarge > dSmall, `distances ${dSmall} and ${dLarge}`);
  assertAlmostEquals(dSwapped, dLarge, 1e-5);
  tf.dispose([a, noise, small, large]);
});

Deno.test("perceptualDistance gradient matches differences", async () => {
  const rng = new Rng(10);
  const target = rng.uniformTensor([1, 75, 75, 3], -0.8, 0.8) as tf.Tensor4D;
  const start = rng.uniformTensor([1, 75, 75, 3], -0.8, 0.8) as tf.Tensor4D;
  const direction = rng.normalTensor([1, 75, 75, 3]) as tf.Tensor4D;
  const loss = (x: tf.Tensor4D) => tf.sum(perceptualDistance(net, x, target)) as tf.Scalar;
  const grad = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D))(start);
  const analytic = (await tf.sum(tf.mul(grad, direction)).data())[0];
  const eps = 1e-3;
  const plus = (await loss(tf.add(start, tf.mul(direction, eps)) as tf.Tensor4D).data())[0];
  const minus = (await loss(tf.sub(start, tf.mul(direction, eps)) as tf.Tensor4D).data())[0];
  const numeric = (plus - minus) / (2 * eps);
  // float32 rounding and ReLU kinks allow only a loose match (measured: 1.5% apart).
  assert(
    Math.abs(analytic - numeric) <= 0.05 * Math.abs(numeric),
    `analytic ${analytic}, numeric ${numeric}`,
  );
  tf.dispose([target, start, direction, grad]);
});

Deno.test("nsfwjs folded trunk matches tfjs-layers", async () => {
  const reference = await loadNsfwjsLayersModel(["mixed0", "mixed5"]);
  const images = new Rng(12).uniformTensor([2, 96, 96, 3], -1, 1) as tf.Tensor4D;
  // With the default "imagenet" scaling the trunk takes the [-1, 1] images as they are.
  assertEquals(net.inputScaling, "imagenet");
  const scaled = tf.clone(images);
  const expected = reference.predict(scaled) as tf.Tensor[];
  const actual = net.featureMaps(images, ["mixed0", "mixed5"]);
  for (let k = 0; k < 2; k++) {
    assertEquals(actual[k].shape, expected[k].shape);
    const [a, e] = [await actual[k].data(), await expected[k].data()];
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < e.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - e[i]));
      scale = Math.max(scale, Math.abs(e[i]));
    }
    assert(worst <= 1e-4 * scale, `layer ${k}: max difference ${worst} for values up to ${scale}`);
  }
  tf.dispose([images, scaled, ...expected, ...actual]);
  reference.dispose();
});

Deno.test("nsfwjs batch norm favours [0, 1] inputs", async () => {
  // The first batch norm's moving means record the inputs the network saw in
  // training: compare them with the conv outputs of real photos in each range.
  const index = await buildCorpus({
    manifest: await loadManifest(),
    set: "ci",
    cacheDir: CORPUS_CACHE,
  });
  const photos = [];
  for (const photo of index.photos) {
    photos.push(await evalTransform(await decodeImage(photo.file), 299));
  }
  const weights = await readNsfwjsWeights();
  const movingMean = await weights["batch_normalization_1/moving_mean"].data();
  const images = imagesToTensor(photos);
  const gap = async (input: tf.Tensor4D) => {
    const out = tf.conv2d(input, weights["conv2d_1/kernel"] as tf.Tensor4D, 2, "valid");
    const mean = await tf.mean(out, [0, 1, 2]).data();
    out.dispose();
    let sum = 0;
    for (let c = 0; c < mean.length; c++) sum += Math.abs(mean[c] - movingMean[c]);
    return sum / mean.length;
  };
  const zeroToOne = tf.mul(tf.add(images, 1), 0.5) as tf.Tensor4D;
  const gapZeroToOne = await gap(zeroToOne);
  const gapMinusOneToOne = await gap(images);
  assert(
    gapZeroToOne < 0.5 * gapMinusOneToOne,
    `[0, 1]: ${gapZeroToOne}, [-1, 1]: ${gapMinusOneToOne}`,
  );
  tf.dispose([images, zeroToOne, ...Object.values(weights)]);
});
