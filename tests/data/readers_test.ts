import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { gzipSync } from "node:zlib";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { imagesToTensor, tensorToImages } from "../../lib/data/batch.ts";
import { cropImage, flipHorizontal, randomCrop, randomCropBatch } from "../../lib/data/crops.ts";
import {
  centreCrop,
  cropToRegion,
  evalTransform,
  loadEvalBatch,
  padToMultiple,
  resizeBilinear,
} from "../../lib/data/eval_protocol.ts";
import { parseIdx, readIdx } from "../../lib/data/idx.ts";
import { greyBatch, loadGreyDataset } from "../../lib/data/grey_datasets.ts";
import { loadManifest } from "../../lib/data/manifest.ts";
import { decodeImage, ImageDecodeError, type RgbImage } from "../../lib/data/image_io.ts";
import { buildCorpus } from "../../lib/data/corpus_builder.ts";
import { decodeBase64 } from "../../lib/data/_base64.ts";
import { CORPUS_CACHE } from "./_cache.ts";

await initBackend("cpu", { announce: false });

/** Returns an image whose pixel (x, y) is (x, y, 7), so positions can be read back from values. */
function coordinateImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  }
  return { width, height, data };
}

Deno.test("randomCrop is seeded and deterministic", () => {
  const image = coordinateImage(50, 40);
  const a = Array.from(
    { length: 20 },
    (_, i) => randomCrop(image, 16, new Rng(i)).data.subarray(0, 2).join(),
  );
  const b = Array.from(
    { length: 20 },
    (_, i) => randomCrop(image, 16, new Rng(i)).data.subarray(0, 2).join(),
  );
  assertEquals(a, b);
  assert(new Set(a).size > 10, `only ${new Set(a).size} distinct corners in 20 seeds`);
});

Deno.test("randomCrop copies the window", () => {
  const image = coordinateImage(50, 40);
  const crop = randomCrop(image, 16, new Rng(9));
  const [x0, y0] = crop.data;
  assert(x0 <= 50 - 16, `corner x ${x0}`);
  assert(y0 <= 40 - 16, `corner y ${y0}`);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const i = (y * 16 + x) * 3;
      assertEquals([crop.data[i], crop.data[i + 1], crop.data[i + 2]], [x0 + x, y0 + y, 7]);
    }
  }
});

Deno.test("randomCrop reaches every corner", () => {
  const image = coordinateImage(20, 18);
  const rng = new Rng(1);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(randomCrop(image, 16, rng).data.subarray(0, 2).join());
  // (20 - 16 + 1) x (18 - 16 + 1) = 15 possible corners.
  assertEquals(seen.size, 15);
});

Deno.test("randomCrop rejects a small image", () => {
  assertThrows(() => randomCrop(coordinateImage(10, 40), 16, new Rng(0)), RangeError, "10x40");
});

Deno.test("randomCropBatch is seeded and in range", async () => {
  const images = [coordinateImage(40, 30), coordinateImage(33, 60)];
  const a = randomCropBatch(images, 8, 6, new Rng(42), { flip: true });
  const b = randomCropBatch(images, 8, 6, new Rng(42), { flip: true });
  assertEquals(a.shape, [6, 8, 8, 3]);
  assertEquals(Array.from(await a.data()), Array.from(await b.data()));
  const values = await a.data();
  assert(Math.min(...values) >= -1, `minimum ${Math.min(...values)}`);
  assert(Math.max(...values) <= 1, `maximum ${Math.max(...values)}`);
  tf.dispose([a, b]);
});

Deno.test("flipHorizontal mirrors columns", () => {
  const flipped = flipHorizontal(coordinateImage(5, 2));
  assertEquals(Array.from(flipped.data.subarray(0, 3)), [4, 0, 7]);
  assertEquals(Array.from(flipped.data.subarray(12, 15)), [0, 0, 7]);
});

Deno.test("imagesToTensor scales to [-1, 1]", async () => {
  const t = imagesToTensor([{ width: 1, height: 1, data: new Uint8Array([0, 255, 51]) }]);
  const values = Array.from(await t.data());
  assertEquals(values.slice(0, 2), [-1, 1]);
  assert(Math.abs(values[2] - (51 / 127.5 - 1)) < 1e-7);
  const back = await tensorToImages(t);
  assertEquals(Array.from(back[0].data), [0, 255, 51]);
  t.dispose();
});

Deno.test("evalTransform resizes the short side", async () => {
  const out = await evalTransform(coordinateImage(120, 60), 32);
  assertEquals([out.width, out.height], [32, 32]);
  const lanczos = await evalTransform(coordinateImage(60, 120), 32, { kernel: "lanczos3" });
  assertEquals([lanczos.width, lanczos.height], [32, 32]);
});

Deno.test("evalTransform centre-crops without resize", async () => {
  // Short side already S: only the centre crop, offset floor((40 - 32) / 2) = 4.
  const out = await evalTransform(coordinateImage(40, 32), 32);
  assertEquals(Array.from(out.data.subarray(0, 3)), [4, 0, 7]);
});

Deno.test("loadEvalBatch reads corpus photos", async () => {
  const index = await buildCorpus({
    manifest: await loadManifest(),
    set: "ci",
    cacheDir: CORPUS_CACHE,
  });
  const files = index.photos.slice(0, 3).map((photo) => photo.file);
  const batch = await loadEvalBatch(files, 64);
  assertEquals(batch.shape, [3, 64, 64, 3]);
  // The first image equals decode + evalTransform + scaling done step by step.
  const expected = imagesToTensor([await evalTransform(await decodeImage(files[0]), 64)]);
  const first = tf.slice(batch, [0, 0, 0, 0], [1, -1, -1, -1]);
  assertEquals(Array.from(await first.data()), Array.from(await expected.data()));
  tf.dispose([batch, expected, first]);
  await assertRejects(
    () => loadEvalBatch([files[0], "/nonexistent/x.png"], 64),
    ImageDecodeError,
    "/nonexistent/x.png",
  );
});

Deno.test("resizeBilinear matches OpenCV geometry", () => {
  // Halving a ramp 0, 2, 4, ... with INTER_LINEAR: output x samples source
  // (x + 0.5) * 2 - 0.5 = 2x + 0.5, i.e. the mean of columns 2x and 2x + 1.
  const src = { width: 8, height: 1, data: new Uint8Array(24) };
  for (let x = 0; x < 8; x++) src.data.set([x * 20, 0, 0], x * 3);
  const out = resizeBilinear(src, 4, 1);
  assertEquals([0, 1, 2, 3].map((x) => out.data[x * 3]), [10, 50, 90, 130]);
  // Doubling: output x samples (x + 0.5) / 2 - 0.5; x = 0 clamps to column 0, x = 7 to column 3.
  const up = resizeBilinear(
    { width: 4, height: 1, data: Uint8Array.from([0, 0, 0, 40, 0, 0, 80, 0, 0, 120, 0, 0]) },
    8,
    1,
  );
  assertEquals([0, 1, 2, 3, 4, 5, 6, 7].map((x) => up.data[x * 3]), [
    0,
    10,
    30,
    50,
    70,
    90,
    110,
    120,
  ]);
});

// OpenCV 4.6 results from tests/fixtures/data_make_resize_reference.py.
const RESIZE = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/data_resize_reference.json", import.meta.url)),
);

for (const c of RESIZE.resize) {
  Deno.test(`resizeBilinear matches OpenCV (${c.name})`, () => {
    const out = resizeBilinear(
      { width: c.width, height: c.height, data: decodeBase64(c.input) },
      c.outWidth,
      c.outHeight,
    );
    const expected = decodeBase64(c.output);
    let worst = 0;
    let differing = 0;
    for (let i = 0; i < expected.length; i++) {
      const diff = Math.abs(out.data[i] - expected[i]);
      worst = Math.max(worst, diff);
      if (diff > 0) differing++;
    }
    // OpenCV interpolates uint8 in 11-bit fixed point, this code in float64, so
    // values may differ by 1 (measured: up to 13% of them on noise images).
    assert(worst <= 1, `max difference ${worst}`);
    assert(differing <= 0.2 * expected.length, `${differing} of ${expected.length} values differ`);
  });
}

for (const c of RESIZE.eval) {
  Deno.test(`evalTransform matches the official pipeline (${c.size})`, async () => {
    const out = await evalTransform({
      width: c.width,
      height: c.height,
      data: decodeBase64(c.input),
    }, c.size);
    const expected = decodeBase64(c.output);
    assertEquals([out.width, out.height], [c.size, c.size]);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(out.data[i] - expected[i]));
    }
    assert(worst <= 1, `max difference ${worst}`);
  });
}

Deno.test("centreCrop rejects a larger window", () => {
  assertThrows(() => centreCrop(coordinateImage(10, 10), 12, 8), RangeError, "does not fit");
  assertThrows(() => cropImage(coordinateImage(10, 10), 5, 5, 6, 1), RangeError, "at (5, 5)");
});

Deno.test("padToMultiple pads and crops back", async () => {
  const batch = tf.randomUniform([2, 21, 30, 3], -1, 1) as tf.Tensor4D;
  const { padded, region } = padToMultiple(batch, 16);
  assertEquals(padded.shape, [2, 32, 32, 3]);
  // 11 rows of padding: 5 above, 6 below; 2 columns: 1 left, 1 right.
  assertEquals([region.top, region.left], [5, 1]);
  const back = cropToRegion(padded, region);
  assertEquals(Array.from(await back.data()), Array.from(await batch.data()));
  const corner = await tf.slice(padded, [0, 0, 0, 0], [1, 1, 1, 3]).data();
  assertEquals(Array.from(corner), [0, 0, 0]);
  tf.dispose([batch, padded, back]);
});

function idxBytes(shape: number[], values: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values.length);
  out.set([0, 0, 8, shape.length]);
  const view = new DataView(out.buffer);
  shape.forEach((n, i) => view.setUint32(4 + 4 * i, n, false));
  out.set(values, 4 + 4 * shape.length);
  return out;
}

Deno.test("parseIdx reads raw IDX", () => {
  const parsed = parseIdx(idxBytes([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
  assertEquals(parsed.shape, [2, 2, 3]);
  assertEquals(Array.from(parsed.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

Deno.test("parseIdx reads gzipped IDX", async () => {
  const path = await Deno.makeTempFile({ suffix: ".idx" });
  try {
    await Deno.writeFile(path, new Uint8Array(gzipSync(idxBytes([3], [7, 8, 9]))));
    const parsed = await readIdx(path);
    assertEquals(parsed.shape, [3]);
    assertEquals(Array.from(parsed.data), [7, 8, 9]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("parseIdx rejects invalid files", () => {
  const bytes = idxBytes([4, 4], Array(16).fill(1));
  assertThrows(
    () => parseIdx(bytes.subarray(0, 20), "short.idx"),
    Error,
    "short.idx contains 8 values",
  );
  assertThrows(
    () => parseIdx(new Uint8Array([1, 2, 3, 4]), "bad.idx"),
    Error,
    "bad.idx has an invalid header",
  );
  const floats = idxBytes([1], [0]);
  floats[2] = 0x0d;
  assertThrows(() => parseIdx(floats, "f.idx"), Error, "0xd");
});

Deno.test("readIdx names a missing file", async () => {
  await assertRejects(() => readIdx("/nonexistent/x.idx"), Error, "/nonexistent/x.idx");
});

Deno.test("loadGreyDataset reads MNIST", async () => {
  const mnist = await loadGreyDataset(await loadManifest(), "mnist", CORPUS_CACHE);
  assertEquals([mnist.train.count, mnist.train.height, mnist.train.width], [60000, 28, 28]);
  assertEquals(mnist.test.count, 10000);
  // The first training digit of MNIST is a 5, the first test digit a 7.
  assertEquals(mnist.train.labels[0], 5);
  assertEquals(mnist.test.labels[0], 7);
  const batch = greyBatch(mnist.train, [0, 1], 3);
  assertEquals(batch.shape, [2, 28, 28, 3]);
  const values = await batch.data();
  assertEquals(Math.min(...values), -1);
  batch.dispose();
});

Deno.test("loadGreyDataset reads Fashion-MNIST", async () => {
  const fashion = await loadGreyDataset(await loadManifest(), "fashion-mnist", CORPUS_CACHE);
  assertEquals([fashion.train.count, fashion.test.count], [60000, 10000]);
  // Fashion-MNIST's first training and test items are both class 9 (ankle boot).
  assertEquals(fashion.train.labels[0], 9);
  assertEquals(fashion.test.labels[0], 9);
  const counts = new Array(10).fill(0);
  for (const label of fashion.train.labels) counts[label]++;
  assertEquals(counts, new Array(10).fill(6000));
});

Deno.test("greyBatch rejects a bad index", () => {
  const split = {
    count: 1,
    height: 1,
    width: 1,
    images: new Uint8Array(1),
    labels: new Uint8Array(1),
  };
  assertThrows(() => greyBatch(split, [1]), RangeError, "index 1 is outside [0, 1)");
});

Deno.test("loadGreyDataset names an unknown dataset", async () => {
  const manifest = await loadManifest();
  const err = await assertRejects(() =>
    loadGreyDataset(manifest, "cifar" as "mnist", CORPUS_CACHE)
  );
  assertStringIncludes((err as Error).message, "dataset cifar is not in the manifest");
});
