import { assert, assertEquals, assertThrows } from "@std/assert";
import { initBackend, Rng } from "../../lib/engine/mod.ts";
import { ImageCropData, shrinkToShortSide } from "../../lib/train/image_crops.ts";

await initBackend("cpu", { announce: false });

/** Image whose value at (x, y, c) is (y * width + x) * 3 + c, scaled into [0, 1]. */
function ramp(width: number, height: number) {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = i / (data.length - 1);
  return { width, height, data };
}

Deno.test("ImageCropData crops come from the images", () => {
  const image = ramp(20, 12);
  const data = new ImageCropData([image]);
  const batch = data.sampleBatch(3, 5, new Rng(1));
  assertEquals(batch.shape, [3, 5, 5, 3]);
  const values = batch.dataSync();
  for (let b = 0; b < 3; b++) {
    // Recover the crop's corner from its first value, then check every pixel against the image.
    const first = Math.round(((values[b * 75] + 1) / 2) * (image.data.length - 1)) / 3;
    const top = Math.floor(first / 20);
    const left = first % 20;
    assert(top + 5 <= 12, `crop ${b} at row ${top} leaves the image`);
    assert(left + 5 <= 20, `crop ${b} at column ${left} leaves the image`);
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 15; x++) {
        const expected = image.data[((top + y) * 20 + left) * 3 + x] * 2 - 1;
        assertEquals(values[b * 75 + y * 15 + x], Math.fround(expected));
      }
    }
  }
});

Deno.test("ImageCropData same seed gives same batch", () => {
  const data = new ImageCropData([ramp(30, 30), ramp(25, 40)]);
  const a = data.sampleBatch(4, 8, new Rng(9)).dataSync();
  const b = data.sampleBatch(4, 8, new Rng(9)).dataSync();
  assertEquals(Array.from(a), Array.from(b));
});

Deno.test("ImageCropData rejects oversized crop", () => {
  const data = new ImageCropData([ramp(30, 30), ramp(40, 10)]);
  assertThrows(
    () => data.sampleBatch(1, 11, new Rng(0)),
    RangeError,
    "smallest image side (10 px)",
  );
  assertThrows(() => new ImageCropData([]), RangeError, "at least one image");
});

Deno.test("ImageCropData centerCrops takes the middle", () => {
  const image = ramp(6, 4);
  const crop = new ImageCropData([image]).centerCrops(2).dataSync();
  // Rows 1-2, columns 2-3.
  assertEquals(crop[0], Math.fround(image.data[(1 * 6 + 2) * 3] * 2 - 1));
  assertEquals(crop[crop.length - 1], Math.fround(image.data[(2 * 6 + 3) * 3 + 2] * 2 - 1));
});

Deno.test("shrinkToShortSide averages blocks", () => {
  const image = { width: 4, height: 2, data: new Float32Array(24) };
  for (let i = 0; i < 24; i++) image.data[i] = i;
  const small = shrinkToShortSide(image, 1);
  assertEquals([small.width, small.height], [2, 1]);
  // Block of pixels (0,0), (1,0), (0,1), (1,1), red channel: values 0, 3, 12, 15.
  assertEquals(small.data[0], (0 + 3 + 12 + 15) / 4);
  assertEquals(shrinkToShortSide(image, 2), image);
});
