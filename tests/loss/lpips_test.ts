/**
 * LPIPS-VGG against PyTorch. tests/fixtures/nn_lpips_reference.py builds a
 * narrow network with VGG16's layout, random weights and random LPIPS channel
 * weights, and computes float64 distances. Tolerance: 1e-4 relative.
 */
import { assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "node:path";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import {
  loadLpipsLinearWeights,
  PerceptualLoss,
  VGG16_WIDTHS,
  Vgg16Features,
} from "../../lib/loss/mod.ts";
import { parseSafetensors } from "../../lib/nn/mod.ts";

await initBackend("cpu", { announce: false });

const FIXTURES = new URL("../fixtures/", import.meta.url);
const WIDTHS = [4, 8, 8, 16, 16];
const weightsPath = new URL("nn_lpips_weights.safetensors", FIXTURES).pathname;
const io =
  parseSafetensors(await Deno.readFile(new URL("nn_lpips_io.safetensors", FIXTURES))).tensors;

function images(name: string): tf.Tensor4D {
  const t = io.get(name)!;
  return tf.tensor4d(t.data, t.shape as [number, number, number, number]);
}

Deno.test("Vgg16Features with LPIPS weights matches PyTorch", async () => {
  const vgg = new Vgg16Features({ widths: WIDTHS });
  vgg.loadWeights(await Deno.readFile(weightsPath));
  const loss = new PerceptualLoss(vgg, {
    channelWeights: await loadLpipsLinearWeights(weightsPath),
  });
  const expected = io.get("distances")!.data;
  tf.tidy(() => {
    const actual = loss.distances(images("images0"), images("images1")).dataSync();
    for (let n = 0; n < 2; n++) {
      assertAlmostEquals(actual[n], expected[n], 1e-4 * expected[n], `image pair ${n}`);
    }
  });
  loss.dispose();
  vgg.dispose();
});

Deno.test("Vgg16Features weights are frozen", () => {
  const vgg = new Vgg16Features({ widths: WIDTHS });
  assertEquals(vgg.store.trainableVariables().length, 0);
  assertEquals(vgg.store.names().length, 26, "13 convs with weight and bias");
  vgg.dispose();
});

Deno.test("Vgg16Features returns five LPIPS taps", () => {
  const vgg = new Vgg16Features({ widths: WIDTHS });
  tf.tidy(() => {
    const taps = vgg.featureMaps(tf.zeros([1, 32, 48, 3]) as tf.Tensor4D);
    assertEquals(taps.map((t) => t.shape), [
      [1, 32, 48, 4],
      [1, 16, 24, 8],
      [1, 8, 12, 8],
      [1, 4, 6, 16],
      [1, 2, 3, 16],
    ]);
  });
  vgg.dispose();
});

Deno.test("Vgg16Features full width has VGG16 size", () => {
  const vgg = new Vgg16Features();
  // torchvision's VGG16 `features` has 14,714,688 parameters.
  const total = vgg.store.entries().reduce((sum, entry) => sum + entry.variable.size, 0);
  assertEquals(total, 14_714_688);
  assertEquals(VGG16_WIDTHS, [64, 128, 256, 512, 512]);
  vgg.dispose();
});

Deno.test("Vgg16Features rejects wrong weight shapes", async () => {
  const vgg = new Vgg16Features({ widths: [4, 8, 8, 16, 32] });
  const bytes = await Deno.readFile(weightsPath);
  assertThrows(
    () => vgg.loadWeights(bytes),
    Error,
    '"features.24.weight" has shape [3,3,16,16] (torch layout), expected [3,3,16,32]',
  );
  vgg.dispose();
});

Deno.test("Vgg16Features rejects four widths", () => {
  assertThrows(
    () => new Vgg16Features({ widths: [4, 8, 8, 16] }),
    RangeError,
    "invalid VGG16 widths [4,8,8,16]",
  );
});

Deno.test("loadLpipsLinearWeights reads fixture layers", async () => {
  const layers = await loadLpipsLinearWeights(weightsPath);
  assertEquals(layers.map((w) => w.length), WIDTHS);
});

Deno.test("loadLpipsLinearWeights names a missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wetok_lpips_" });
  const path = join(dir, "missing.safetensors");
  await assertRejects(
    () => loadLpipsLinearWeights(path),
    Error,
    `failed to read LPIPS weights from ${path}`,
  );
  await Deno.remove(dir, { recursive: true });
});
