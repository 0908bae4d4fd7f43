import { assert, assertEquals, assertGreater, assertThrows } from "@std/assert";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import {
  buildWetokComponents,
  namedTrainConfig,
  runStreams,
  type TrainData,
  Trainer,
} from "../../lib/train/mod.ts";
import { assertStage1ReachesEveryParameter } from "./_parameter_gradients.ts";

// The project's wasm training kernels were checked against the cpu backend where they are defined.
await initBackend("wasm", { announce: false });

const noiseData: TrainData = {
  sampleBatch: (batchSize, cropSize, rng) =>
    rng.uniformTensor([batchSize, cropSize, cropSize, 3], -1, 1) as tf.Tensor4D,
};

Deno.test("stage1Objective reaches every WeTok parameter", () => {
  const config = namedTrainConfig("small", { batchSize: 2, stage1: { adversarial: true } });
  const parts = buildWetokComponents(config, runStreams(config.seed), noiseData);
  const context = { ...parts, weights: config.weights };
  const images = noiseData.sampleBatch(2, config.cropSize, new Rng(1));
  const generatorNames = assertStage1ReachesEveryParameter(context, images);
  assertGreater(generatorNames.length, 50);
});

Deno.test("WetokTokenizer enableNoise keeps outputs", () => {
  const config = namedTrainConfig("small");
  const { tokenizer } = buildWetokComponents(config, runStreams(3), noiseData);
  const images = noiseData.sampleBatch(2, config.cropSize, new Rng(2));
  const codes = tokenizer.quantize(tokenizer.encode(images)).codes;
  const before = tokenizer.decode(codes, null).dataSync();
  const names = Object.keys(tokenizer.parameters("decoder"));
  tokenizer.enableNoise();
  assert(tokenizer.noiseEnabled);
  assertEquals(Object.keys(tokenizer.parameters("decoder")), names);
  assertEquals(
    tokenizer.parameters("decoder")["decoder.conv_in.weight"].shape[2],
    2 * codes.shape[3],
  );
  const noise = new Rng(4).normalTensor(codes.shape) as tf.Tensor4D;
  const after = tokenizer.decode(codes, noise).dataSync();
  let maxDiff = 0;
  for (let i = 0; i < before.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(before[i] - after[i]));
  }
  assertEquals(maxDiff, 0);
  assertThrows(() => tokenizer.enableNoise(), Error, "already generative");
});

Deno.test("buildWetokComponents rejects bad crop size", () => {
  const config = namedTrainConfig("small", { cropSize: 36 });
  assertThrows(
    () => buildWetokComponents(config, runStreams(0), noiseData),
    RangeError,
    "multiple of the downsampling factor 8",
  );
  const needsFeatures = namedTrainConfig("small", { weights: { perceptual: 1 } });
  assertThrows(
    () => buildWetokComponents(needsFeatures, runStreams(0), noiseData),
    RangeError,
    "no perceptual feature network was given",
  );
});

Deno.test("Trainer updates leak no tensors", async () => {
  const config = namedTrainConfig("small", {
    batchSize: 2,
    stage1: { steps: 3, adversarial: true },
    stage2: { steps: 3 },
    checkpointEvery: 1,
  });
  const runDir = await Deno.makeTempDir({ prefix: "train_leak_" });
  const trainer = await Trainer.create(
    config,
    buildWetokComponents(config, runStreams(0), noiseData),
    { runDir },
  );
  for (const [first, second] of [[1, 2], [4, 5]]) {
    await trainer.run(first);
    const before = tf.memory().numTensors;
    await trainer.run(second);
    assertEquals(tf.memory().numTensors, before, `tensors leaked by update ${second}`);
  }
  trainer.dispose();
  await Deno.remove(runDir, { recursive: true });
});
