import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "node:path";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import {
  type FeatureMapExtractor,
  l1Loss,
  loadLpipsLinearWeights,
  PerceptualLoss,
} from "../../lib/loss/mod.ts";
import type { NsfwjsInception } from "../../lib/metrics/mod.ts";
import { ParameterStore, saveWeights } from "../../lib/nn/mod.ts";
import { finiteDifferenceGradient } from "./_finite_difference.ts";

await initBackend("cpu", { announce: false });

/**
 * A small fixed random conv net standing in for a frozen feature extractor:
 * the image itself, then two 3x3 conv + ReLU layers (8 and 16 channels, the
 * second with stride 2).
 */
class RandomConvFeatures implements FeatureMapExtractor {
  readonly #kernels: tf.Tensor4D[];

  constructor(seed: number) {
    const rng = new Rng(seed);
    this.#kernels = [
      tf.keep(rng.normalTensor([3, 3, 3, 8], 0, 0.3) as tf.Tensor4D),
      tf.keep(rng.normalTensor([3, 3, 8, 16], 0, 0.2) as tf.Tensor4D),
    ];
  }

  featureMaps(images: tf.Tensor4D): tf.Tensor4D[] {
    const first = tf.relu(tf.conv2d(images, this.#kernels[0], 1, "same"));
    const second = tf.relu(tf.conv2d(first, this.#kernels[1], 2, "same"));
    return [images, first, second];
  }

  dispose(): void {
    tf.dispose(this.#kernels);
  }
}

/** Float64 reference of the LPIPS form over already computed feature maps. */
function referenceDistance(a: tf.Tensor4D[], b: tf.Tensor4D[], weights?: Float32Array[]): number[] {
  const batch = a[0].shape[0];
  const out = new Array(batch).fill(0);
  a.forEach((fa, layer) => {
    const [, h, w, c] = fa.shape;
    const x = fa.dataSync();
    const y = b[layer].dataSync();
    for (let n = 0; n < batch; n++) {
      let sum = 0;
      for (let p = 0; p < h * w; p++) {
        const base = (n * h * w + p) * c;
        let nx = 0;
        let ny = 0;
        for (let k = 0; k < c; k++) {
          nx += x[base + k] ** 2;
          ny += y[base + k] ** 2;
        }
        nx = Math.sqrt(nx) + 1e-10;
        ny = Math.sqrt(ny) + 1e-10;
        for (let k = 0; k < c; k++) {
          const weight = weights === undefined ? 1 : weights[layer][k];
          sum += weight * (x[base + k] / nx - y[base + k] / ny) ** 2;
        }
      }
      out[n] += sum / (h * w);
    }
  });
  return out;
}

// Type check only: the project's InceptionV3 trunk plugs into PerceptualLoss.
const _inceptionPlugsIn = (inception: NsfwjsInception): FeatureMapExtractor => inception;

const extractor = new RandomConvFeatures(51);
const rng = new Rng(52);
const target = tf.keep(rng.uniformTensor([2, 8, 8, 3], -1, 1) as tf.Tensor4D);
const output = tf.keep(rng.uniformTensor([2, 8, 8, 3], -1, 1) as tf.Tensor4D);

Deno.test("l1Loss at known values", () => {
  const a = tf.tensor([1, -2, 3, 0.5]);
  const b = tf.tensor([0, 0, 3, -0.5]);
  const loss = l1Loss(a, b);
  assertAlmostEquals(loss.dataSync()[0], (1 + 2 + 0 + 1) / 4, 1e-7);
  tf.dispose([a, b, loss]);
});

Deno.test("l1Loss rejects different shapes", () => {
  const a = tf.zeros([2, 3]);
  const b = tf.zeros([3, 2]);
  assertThrows(() => l1Loss(a, b), Error, "shapes differ, [2,3] vs [3,2]");
  tf.dispose([a, b]);
});

Deno.test("l1Loss gradient matches finite differences", () => {
  // Entries at least 0.05 apart, away from the kink of |x|.
  const fixed = tf.tensor([0.3, -0.7, 1.2, 0.05, -0.4, 0.9]);
  const x = tf.tensor([0.1, -0.2, 1.5, -0.3, -0.9, 0.5]);
  const f = (t: tf.Tensor) => l1Loss(fixed, t);
  const analytic = tf.tidy(() => tf.grad(f)(x).dataSync());
  const numeric = finiteDifferenceGradient(f, x, 1e-2);
  for (let i = 0; i < numeric.length; i++) {
    assertAlmostEquals(analytic[i], numeric[i], 1e-4, `element ${i}`);
  }
  tf.dispose([fixed, x]);
});

Deno.test("PerceptualLoss matches float64 reference", () => {
  const loss = new PerceptualLoss(extractor);
  tf.tidy(() => {
    const expected = referenceDistance(
      extractor.featureMaps(target),
      extractor.featureMaps(output),
    );
    const actual = loss.distances(target, output).dataSync();
    assertEquals(actual.length, 2);
    for (let n = 0; n < 2; n++) {
      assertAlmostEquals(actual[n], expected[n], 1e-5 * expected[n], `image ${n}`);
    }
    assertAlmostEquals(
      loss.apply(target, output).dataSync()[0],
      (expected[0] + expected[1]) / 2,
      1e-5,
    );
  });
});

Deno.test("PerceptualLoss applies channel weights", () => {
  const weights = [
    new Float32Array([0.5, 0, 2]),
    new Float32Array(8).fill(0.25),
    new Float32Array(16).fill(1),
  ];
  weights[2][3] = 3;
  const loss = new PerceptualLoss(extractor, { channelWeights: weights });
  tf.tidy(() => {
    const expected = referenceDistance(
      extractor.featureMaps(target),
      extractor.featureMaps(output),
      weights,
    );
    const actual = loss.distances(target, output).dataSync();
    for (let n = 0; n < 2; n++) {
      assertAlmostEquals(actual[n], expected[n], 1e-5 * expected[n], `image ${n}`);
    }
  });
  loss.dispose();
});

Deno.test("PerceptualLoss is zero for identical images", () => {
  const loss = new PerceptualLoss(extractor);
  tf.tidy(() => assertEquals(Array.from(loss.distances(target, target).dataSync()), [0, 0]));
});

Deno.test("PerceptualLoss gradient matches finite differences", () => {
  const loss = new PerceptualLoss(extractor);
  const small = tf.tidy(() => tf.slice(output, [0, 0, 0, 0], [1, 4, 4, 3]));
  const reference = tf.tidy(() => tf.slice(target, [0, 0, 0, 0], [1, 4, 4, 3]));
  const f = (x: tf.Tensor) => loss.apply(reference, x as tf.Tensor4D);
  const analytic = tf.tidy(() => tf.grad(f)(small).dataSync());
  const numeric = finiteDifferenceGradient(f, small, 1e-3);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < numeric.length; i++) {
    worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]));
    scale = Math.max(scale, Math.abs(numeric[i]));
  }
  // Float32 differences with h = 1e-3 carry errors near 1e-4 (measured 1.9e-4
  // against a largest entry of 0.48 on the cpu backend).
  assert(worst <= 0.002 * scale, `max gradient error ${worst}, largest entry ${scale}`);
  tf.dispose([small, reference]);
});

Deno.test("PerceptualLoss rejects negative channel weight", () => {
  assertThrows(
    () => new PerceptualLoss(extractor, { channelWeights: [new Float32Array([1, -0.5])] }),
    RangeError,
    "channel weight -0.5 of layer 0, channel 1 is invalid",
  );
});

Deno.test("PerceptualLoss rejects wrong layer count", () => {
  const loss = new PerceptualLoss(extractor, { channelWeights: [new Float32Array(3)] });
  assertThrows(
    () => loss.apply(target, output),
    Error,
    "channel weights for 1 layers but the extractor returns 3",
  );
  loss.dispose();
});

Deno.test("loadLpipsLinearWeights reads lin layers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wetok_loss_" });
  const path = join(dir, "lpips.safetensors");
  const store = new ParameterStore();
  // 1x1 kernels [1, 1, C, 1] in this project's layout are LPIPS's [1, C, 1, 1] in PyTorch's.
  store.add("lin0.model.1.weight", tf.tensor4d([0.1, 0.2, 0.3], [1, 1, 3, 1]));
  store.add("lin1.model.1.weight", tf.tensor4d([1, 2], [1, 1, 2, 1]));
  await saveWeights(path, store, { layout: "torch" });
  const weights = await loadLpipsLinearWeights(path);
  assertEquals(weights.length, 2);
  assertEquals(Array.from(weights[1]), [1, 2]);
  store.dispose();
  const empty = new ParameterStore();
  empty.add("other", tf.zeros([1]));
  await saveWeights(path, empty);
  await assertRejects(() => loadLpipsLinearWeights(path), Error, "no LPIPS weights found");
  empty.dispose();
  await Deno.remove(dir, { recursive: true });
});
