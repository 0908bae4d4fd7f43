/**
 * Checkpoints of the experiment harness name their networks with
 * `customNetworkName`; the tokenizer loader must rebuild those shapes.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { customNetworkName, findConfig } from "../../lib/nn/mod.ts";
import { loadTokenizerFromCheckpoint } from "../../lib/tokenizer/mod.ts";
import { sinusoidImages, tinyRunConfig, trainTinyRun } from "./_trained_run.ts";

await initBackend("wasm", { announce: false });

Deno.test("customNetworkName round-trips through findConfig", () => {
  const tokenizer = { ch: 32, chMult: [1, 2, 2], numResBlocks: 1, zChannels: 16 };
  const name = customNetworkName(tokenizer, 2);
  assertEquals(name, "custom-ch32-x1-2-2-rb1-d16-g2");
  const config = findConfig(name);
  assertEquals(config.tokenizer, tokenizer);
  assertEquals(config.groups, 2);
  assertEquals(config.bitsPerGroup, 8);
});

Deno.test("findConfig rejects custom groups not dividing d", () => {
  assertThrows(() => findConfig("custom-ch32-x1-2-rb1-d16-g3"), Error, "3 groups do not divide d = 16");
});

Deno.test("loadTokenizerFromCheckpoint rebuilds custom networks", async () => {
  const config = tinyRunConfig({
    name: "custom-network-test",
    network: customNetworkName({ ch: 32, chMult: [1, 2], numResBlocks: 1, zChannels: 16 }, 2),
    seed: 5,
    cropSize: 16,
    stage2: { steps: 0 },
    keepCheckpoints: 2,
  });
  const runDir = await Deno.makeTempDir({ prefix: "custom_network_" });
  try {
    const { trainer, components } = await trainTinyRun(config, runDir);
    const images = sinusoidImages(2, 16, 16, new Rng(3));
    const expected = await trainer.ema.withAveragedWeights(async () => {
      const tokenizer = components.tokenizer;
      const output = tf.tidy(() => tokenizer.decode(tokenizer.quantize(tokenizer.encode(images)).codes, null));
      const values = Array.from(await output.data());
      output.dispose();
      return values;
    });

    const { tokenizer } = await loadTokenizerFromCheckpoint(runDir);
    assertEquals(tokenizer.spec.architecture.zChannels, 16);
    assertEquals(tokenizer.spec.groups, 2);
    const indices = await tokenizer.encode(images);
    const decoded = tokenizer.decode(indices);
    assertEquals(Array.from(await decoded.data()), expected);
    tf.dispose([decoded, images]);
    tokenizer.dispose();
  } finally {
    await Deno.remove(runDir, { recursive: true });
  }
});
