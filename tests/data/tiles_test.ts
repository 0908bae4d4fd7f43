import { assertEquals, assertThrows } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { splitIntoTiles } from "../../lib/data/tiles.ts";

await initBackend("wasm", { announce: false });

Deno.test("splitIntoTiles orders tiles row by row", () => {
  // Two 4x4 one-channel images holding 0..15 and 16..31 in raster order.
  const images = tf.tensor4d(Array.from({ length: 32 }, (_, i) => i), [2, 4, 4, 1]);
  const tiles = splitIntoTiles(images, 2);
  assertEquals(tiles.shape, [8, 2, 2, 1]);
  const values = Array.from(tiles.dataSync());
  const expected = [
    [0, 1, 4, 5],
    [2, 3, 6, 7],
    [8, 9, 12, 13],
    [10, 11, 14, 15],
    [16, 17, 20, 21],
    [18, 19, 22, 23],
    [24, 25, 28, 29],
    [26, 27, 30, 31],
  ];
  for (let t = 0; t < expected.length; t++) {
    assertEquals(values.slice(4 * t, 4 * t + 4), expected[t], `tile ${t}`);
  }
  tf.dispose([images, tiles]);
});

Deno.test("splitIntoTiles keeps channels together", () => {
  // One 2x2 image with 3 channels: pixel p contains [10p, 10p + 1, 10p + 2].
  const values = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32];
  const images = tf.tensor4d(values, [1, 2, 2, 3]);
  const tiles = splitIntoTiles(images, 1);
  assertEquals(tiles.shape, [4, 1, 1, 3]);
  assertEquals(Array.from(tiles.dataSync()), values);
  tf.dispose([images, tiles]);
});

Deno.test("splitIntoTiles rejects non-dividing sizes", () => {
  const images = tf.zeros([1, 6, 4, 3]) as tf.Tensor4D;
  assertThrows(() => splitIntoTiles(images, 4), RangeError, "invalid tile size 4");
  assertThrows(() => splitIntoTiles(images, 0), RangeError, "invalid tile size 0");
  images.dispose();
});
