import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { decodeImage, type RgbImage } from "../../lib/data/image_io.ts";
import {
  imageGrid,
  mimeBundleOf,
  tensorToRgbImages,
  upscaleNearest,
} from "../../lib/notebook/mod.ts";

await initBackend("cpu", { announce: false });

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

Deno.test("tensorToRgbImages maps range to bytes", async () => {
  // [-1, 1] maps to [0, 255]: -1 -> 0, 0 -> 127.5 (rounds to 128), 1 -> 255; out of range clamps.
  const t = tf.tensor4d([-1, 0, 1, -3, 2, 0.5], [1, 1, 2, 3]);
  const [image] = await tensorToRgbImages(t);
  assertEquals([image.width, image.height], [2, 1]);
  assertEquals([...image.data], [0, 128, 255, 0, 255, Math.round(1.5 * 127.5)]);
  t.dispose();
});

Deno.test("tensorToRgbImages honours custom range", async () => {
  const t = tf.tensor3d([0, 0.5, 1], [1, 1, 3]);
  const [image] = await tensorToRgbImages(t, { range: [0, 1] });
  assertEquals([...image.data], [0, 128, 255]);
  t.dispose();
});

Deno.test("tensorToRgbImages shows grey as RGB", async () => {
  const t = tf.tensor4d([-1, 1, 0, 1], [2, 1, 2, 1]);
  const images = await tensorToRgbImages(t);
  assertEquals(images.length, 2);
  assertEquals([...images[0].data], [0, 0, 0, 255, 255, 255]);
  assertEquals([...images[1].data], [128, 128, 128, 255, 255, 255]);
  t.dispose();
});

Deno.test("tensorToRgbImages rejects bad shapes", async () => {
  const twoChannels = tf.zeros([1, 2, 2, 2]);
  const flat = tf.zeros([4]);
  await assertRejects(() => tensorToRgbImages(twoChannels), Error, "expected 1 or 3 channels");
  await assertRejects(() => tensorToRgbImages(flat), Error, "rank 4");
  await assertRejects(
    () => tensorToRgbImages(flat, { range: [1, 1] }),
    Error,
    "invalid pixel range",
  );
  tf.dispose([twoChannels, flat]);
});

Deno.test("upscaleNearest repeats pixels", () => {
  const image: RgbImage = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
  const big = upscaleNearest(image, 2);
  assertEquals([big.width, big.height], [4, 2]);
  const row = [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6];
  assertEquals([...big.data], [...row, ...row]);
  assertThrows(() => upscaleNearest(image, 1.5), Error, "invalid upscale factor 1.5");
});

Deno.test("imageGrid lays out rows with gaps", async () => {
  const red = solid(2, 2, [255, 0, 0]);
  const blue = solid(2, 2, [0, 0, 255]);
  const green = tf.tensor4d([-1, 1, -1], [1, 1, 1, 3]);
  const grid = await imageGrid(
    [{ label: "first", images: [red, blue] }, { label: "second <row>", images: green }],
    { upscale: 1, gap: 1 },
  );
  const bundle = mimeBundleOf(grid);
  const png = await decodeImage(decodeBase64(bundle["image/png"] as string));
  // Two columns of width 2 and a 1-pixel gap; rows of height 2 and 1 with a gap.
  assertEquals([png.width, png.height], [5, 4]);
  const pixel = (
    x: number,
    y: number,
  ) => [...png.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3)];
  assertEquals(pixel(0, 0), [255, 0, 0]);
  assertEquals(pixel(2, 0), [255, 255, 255], "gap is white");
  assertEquals(pixel(3, 1), [0, 0, 255]);
  assertEquals(pixel(0, 3), [0, 255, 0]);
  assertEquals(pixel(1, 3), [255, 255, 255], "cell padding is white");
  const htmlText = bundle["text/html"] as string;
  assert(htmlText.includes("second &lt;row&gt;"), "labels are escaped");
  assertEquals(htmlText.match(/<img /g)?.length, 3);
  assertEquals(
    bundle["text/plain"],
    "first: 2 image(s) of 2x2 pixels\nsecond <row>: 1 image(s) of 1x1 pixels",
  );
  green.dispose();
});

Deno.test("imageGrid upscales small images by default", async () => {
  const grid = await imageGrid([{ label: "tiny", images: [solid(32, 16, [9, 9, 9])] }]);
  const png = await decodeImage(decodeBase64(mimeBundleOf(grid)["image/png"] as string));
  assertEquals([png.width, png.height], [128, 64]);
});

Deno.test("imageGrid rejects empty input", async () => {
  await assertRejects(() => imageGrid([]), Error, "no rows");
  await assertRejects(
    () => imageGrid([{ label: "a", images: [] }]),
    Error,
    'row "a" has no images',
  );
  await assertRejects(
    () =>
      imageGrid([{ label: "a", images: [solid(1, 1, [0, 0, 0])] }], { columnLabels: ["x", "y"] }),
    Error,
    "2 column labels for 1 columns",
  );
});
