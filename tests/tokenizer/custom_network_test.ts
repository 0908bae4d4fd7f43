/**
 * Checkpoints of the experiment harness name their networks with
 * `customNetworkName`; the tokenizer loader must rebuild those shapes.
 */
import { assertEquals, assertThrows } from "@std/assert";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { customNetworkName, findConfig } from "../../lib/nn/mod.ts";
import { loadTokenizerFromCheckpoint } from "../../lib/tokenizer/mod.ts";
import { buildWetokComponents, parseTrainConfig, runStreams, Trainer } from "../../lib/train/mod.ts";
import { sinusoidData, sinusoidImages } from "./_trained_run.ts";

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
  const config = parseTrainConfig({
    name: "custom-network-test",
    network: customNetworkName({ ch: 32, chMult: [1, 2], numResBlocks: 1, zChannels: 16 }, 2),
    quantizer: "gq",
    seed: 5,
    batchSize: 2,
    cropSize: 16,
    data: "synthetic",
    stage1: { steps: 2, schedule: { kind: "constant", learningRate: 1e-3 }, adversarial: false },
    stage2: { steps: 0, schedule: { kind: "constant", learningRate: 1e-3 }, adversarial: false },
    weights: { perceptual: 0 },
    emaDecay: 0.5,
    checkpointEvery: 100,
    keepCheckpoints: 2,
    logEvery: 1,
  });
  const runDir = await Deno.makeTempDir({ prefix: "custom_network_" });
  try {
    const components = buildWetokComponents(config, runStreams(config.seed), sinusoidData);
    const trainer = await Trainer.create(config, components, { runDir, progressIntervalMs: 60_000 });
    await trainer.run();
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
