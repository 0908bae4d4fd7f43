/** Checks the names, channel counts and registration order of the blocks of resBlockStack. */
import { assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import { ParameterStore, ResBlock, resBlockStack } from "../../lib/nn/mod.ts";
import { initTestBackend } from "./_helpers.ts";

await initTestBackend();

Deno.test("resBlockStack changes channels once", () => {
  const store = new ParameterStore();
  const blocks = resBlockStack(store, "enc.down.0.block", 3, 32, 64, new Rng(1));
  assertEquals(blocks.length, 3);
  const firstConvShapes = blocks.map((b) => b.conv1.weight.shape);
  const expected = [[3, 3, 32, 64], [3, 3, 64, 64], [3, 3, 64, 64]];
  assertEquals(firstConvShapes, expected);
  assertEquals(blocks.map((b) => b.shortcut !== null), [true, false, false]);
  assertEquals(store.has("enc.down.0.block.0.nin_shortcut.weight"), true);
  assertEquals(store.has("enc.down.0.block.2.conv2.weight"), true);
  store.dispose();
});

Deno.test("resBlockStack matches blocks built one by one", () => {
  const stacked = new ParameterStore();
  resBlockStack(stacked, "mid", 2, 32, 32, new Rng(7));
  const single = new ParameterStore();
  const rng = new Rng(7);
  new ResBlock(single, "mid.0", 32, 32, rng);
  new ResBlock(single, "mid.1", 32, 32, rng);
  assertEquals(stacked.names(), single.names());
  for (const name of single.names()) {
    assertEquals(
      tf.tidy(() => tf.max(tf.abs(tf.sub(stacked.get(name), single.get(name)))).dataSync()[0]),
      0,
      name,
    );
  }
  stacked.dispose();
  single.dispose();
});
