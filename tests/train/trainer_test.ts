import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertRejects,
  assertStringIncludes,
} from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { listCheckpoints } from "../../lib/train/checkpoint.ts";
import { discriminatorObjective } from "../../lib/train/objectives.ts";
import {
  ConfigMismatchError,
  NonFiniteLossError,
  runStreams,
  Trainer,
} from "../../lib/train/trainer.ts";
import type { TrainData } from "../../lib/train/model.ts";
import { syntheticData, tinyComponents, tinyLosses, TinyTokenizer } from "./_tiny.ts";
import { tinyConfig } from "./_tiny_config.ts";
import { assertStage1ReachesEveryParameter } from "./_parameter_gradients.ts";
import { assertSameLosses, trainWholeAndInParts } from "./_resume.ts";

await initBackend("cpu", { announce: false });

async function snapshot(variables: Record<string, tf.Variable>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, v] of Object.entries(variables)) out[name] = Array.from(await v.data());
  return out;
}

Deno.test("stage1Objective reaches every parameter", () => {
  const config = tinyConfig();
  const context = { ...tinyComponents(config.seed), weights: config.weights };
  const images = syntheticData.sampleBatch(4, 16, runStreams(1).data);
  assertStage1ReachesEveryParameter(context, images);
});

Deno.test("Trainer stage 2 freezes encoder and quantizer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_stage2_" });
  const config = tinyConfig({ stage1: { steps: 3 }, stage2: { steps: 3 } });
  const parts = tinyComponents(config.seed);
  const trainer = await Trainer.create(config, parts, { runDir: dir });
  await trainer.run(3);
  const frozen = {
    ...parts.tokenizer.parameters("encoder"),
    ...parts.tokenizer.parameters("quantizer"),
  };
  const before = await snapshot(frozen);
  const decoderBefore = await snapshot(parts.tokenizer.parameters("decoder"));
  await trainer.run();
  assertEquals(trainer.stage, 2);
  assertEquals(await snapshot(frozen), before);
  const decoderAfter = await snapshot(parts.tokenizer.parameters("decoder"));
  assert(
    JSON.stringify(decoderAfter["decoder.conv_out.weight"]) !==
      JSON.stringify(decoderBefore["decoder.conv_out.weight"]),
    "stage 2 did not update the decoder",
  );
  trainer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Trainer stage 2 output depends on noise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_noise_" });
  const config = tinyConfig({ stage1: { steps: 5 }, stage2: { steps: 15 } });
  const parts = tinyComponents(config.seed);
  const trainer = await Trainer.create(config, parts, { runDir: dir });
  await trainer.run(6);
  const images = syntheticData.sampleBatch(2, 16, runStreams(3).data);
  const codes = parts.tokenizer.quantize(parts.tokenizer.encode(images)).codes;
  const rng = runStreams(5).noise;
  const noiseA = rng.normalTensor(codes.shape) as tf.Tensor4D;
  const noiseB = rng.normalTensor(codes.shape) as tf.Tensor4D;
  const gap = () =>
    tf.max(
      tf.abs(tf.sub(parts.tokenizer.decode(codes, noiseA), parts.tokenizer.decode(codes, noiseB))),
    ).dataSync()[0];
  // One stage-2 update has moved the zero-initialised noise weights only slightly.
  const early = gap();
  await trainer.run();
  const late = gap();
  assertGreater(late, 1e-3, `two noise draws give outputs at most ${late} apart`);
  assertGreater(late, early);
  trainer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Trainer resume reproduces the loss curve", async () => {
  // Interrupted run: stop after 12 updates (last checkpoint 10, stage 1) and after 23 (last
  // checkpoint 20, stage 2). Each part resumes with freshly built components.
  const { whole, parts } = await trainWholeAndInParts(tinyConfig(), [12, 23, 30], "train");
  assertEquals(parts.length, 30);
  assertSameLosses(parts, whole);
});

Deno.test("Trainer stops on a NaN loss", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_nan_" });
  const config = tinyConfig();
  let calls = 0;
  const poisoned: TrainData = {
    sampleBatch(batchSize, cropSize, rng) {
      calls += 1;
      const batch = syntheticData.sampleBatch(batchSize, cropSize, rng);
      if (calls < 8) return batch;
      const nan = tf.mul(batch, NaN) as tf.Tensor4D;
      batch.dispose();
      return nan;
    },
  };
  const parts = { ...tinyComponents(config.seed), data: poisoned };
  const trainer = await Trainer.create(config, parts, { runDir: dir });
  const error = await assertRejects(() => trainer.run(), NonFiniteLossError);
  assertEquals(error.step, 8);
  assertEquals(error.term, "reconstruction");
  assertStringIncludes(error.message, 'loss term "reconstruction" is NaN at step 8');
  assertEquals(trainer.step, 7);
  assertEquals((await listCheckpoints(dir)).map((c) => c.step), [5]);
  const weights = await snapshot(parts.tokenizer.stateVariables());
  for (const [name, values] of Object.entries(weights)) {
    assert(values.every(Number.isFinite), `${name} holds non-finite values`);
  }
  trainer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Trainer rejects checkpoint of another config", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_mismatch_" });
  const config = tinyConfig({ stage1: { steps: 5 }, stage2: { steps: 0 } });
  const first = await Trainer.create(config, tinyComponents(config.seed), { runDir: dir });
  await first.run();
  first.dispose();
  const other = tinyConfig({
    batchSize: 2,
    stage1: { steps: 5, schedule: { kind: "constant", learningRate: 1e-2 } },
    stage2: { steps: 0 },
    logEvery: 3,
  });
  const error = await assertRejects(
    () => Trainer.create(other, tinyComponents(config.seed), { runDir: dir }),
    ConfigMismatchError,
  );
  assertEquals(error.fields, ["batchSize", "stage1.schedule.learningRate"]);
  assertStringIncludes(error.message, "batchSize: checkpoint 4, config 2");
  assertStringIncludes(
    error.message,
    "stage1.schedule.learningRate: checkpoint 0.003, config 0.01",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Trainer keeps the last checkpoints", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_keep_" });
  const config = tinyConfig({ stage1: { steps: 17 }, stage2: { steps: 0 } });
  const trainer = await Trainer.create(config, tinyComponents(config.seed), { runDir: dir });
  const summary = await trainer.run();
  assertEquals(summary.step, 17);
  assertEquals((await listCheckpoints(dir)).map((c) => c.step), [15, 17]);
  trainer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Trainer adaptive weight matches gradient ratio", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_adaptive_" });
  const config = tinyConfig({
    stage1: { steps: 1 },
    stage2: { steps: 0 },
    weights: { generatorAdversarial: "adaptive" },
  });

  // Reference: 0.8 * ||d L1 / dW|| / (||d L_adv / dW|| + 1e-4) at the last layer W, before any update.
  const reference = tinyComponents(config.seed);
  const tokenizer = reference.tokenizer as TinyTokenizer;
  const images = syntheticData.sampleBatch(
    config.batchSize,
    config.cropSize,
    runStreams(config.seed).data,
  );
  const decode = () => tokenizer.decode(tokenizer.quantize(tokenizer.encode(images)).codes, null);
  const last = tokenizer.lastLayerWeight();
  const l1Grad =
    tf.variableGrads(() => tinyLosses.reconstruction(images, decode()), [last]).grads[last.name];
  const advGrad = tf.variableGrads(
    () => tinyLosses.generatorAdversarial(reference.discriminator!.logits(decode())),
    [last],
  ).grads[last.name];
  const expected = 0.8 * tf.norm(l1Grad).dataSync()[0] / (tf.norm(advGrad).dataSync()[0] + 1e-4);

  const trainer = await Trainer.create(config, tinyComponents(config.seed), { runDir: dir });
  const summary = await trainer.run();
  const weight = summary.last!.adversarialWeight as number;
  assertGreater(weight, 0);
  assertAlmostEquals(weight, expected, expected * 1e-4);
  trainer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Trainer adaptive weight needs last layer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_adaptive_" });
  const config = tinyConfig({
    stage1: { steps: 1 },
    stage2: { steps: 0 },
    weights: { generatorAdversarial: "adaptive" },
  });
  const parts = tinyComponents(config.seed);
  const tokenizer = parts.tokenizer as TinyTokenizer & { lastLayerWeight?: unknown };
  Object.defineProperty(tokenizer, "lastLayerWeight", { value: undefined });
  const trainer = await Trainer.create(config, parts, { runDir: dir });
  await assertRejects(() => trainer.run(), Error, "does not expose lastLayerWeight()");
  trainer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("discriminatorObjective folds the batch into LeCam first", () => {
  const config = tinyConfig();
  const parts = tinyComponents(config.seed);
  const context = { ...parts, weights: config.weights };
  const images = syntheticData.sampleBatch(2, 16, runStreams(2).data);
  const fake = tf.tidy(() => tf.mul(images, -0.5) as tf.Tensor4D);
  const emaReal = 0.3;
  const emaFake = -0.2;
  const decay = 0.9;
  const objective = discriminatorObjective(context, images, fake, emaReal, emaFake, decay);

  // Independent recomputation: the regulariser with the means updated by this batch.
  const realLogits = parts.discriminator!.logits(images);
  const fakeLogits = parts.discriminator!.logits(fake);
  const meanReal = tf.mean(realLogits).dataSync()[0];
  const meanFake = tf.mean(fakeLogits).dataSync()[0];
  const updatedReal = decay * emaReal + (1 - decay) * meanReal;
  const updatedFake = decay * emaFake + (1 - decay) * meanFake;
  const expected = parts.losses.lecam(realLogits, fakeLogits, updatedReal, updatedFake).dataSync()[0];
  const stale = parts.losses.lecam(realLogits, fakeLogits, emaReal, emaFake).dataSync()[0];

  const lecam = objective.terms["discriminator.lecam"].dataSync()[0];
  assertAlmostEquals(lecam, expected, 1e-6);
  assert(Math.abs(stale - expected) > 1e-4, "test inputs do not tell the two orders apart");
  assertAlmostEquals(objective.meanReal.dataSync()[0], meanReal, 1e-6);
});

Deno.test("discriminatorObjective stops gradients at LeCam means", () => {
  const config = tinyConfig();
  const parts = tinyComponents(config.seed);
  const context = { ...parts, weights: { ...config.weights, lecam: 10 } };
  const images = syntheticData.sampleBatch(2, 16, runStreams(3).data);
  const fake = tf.tidy(() => tf.mul(images, -0.5) as tf.Tensor4D);
  const decay = 0.5;
  const variables = Object.values(parts.discriminator!.parameters());
  const viaObjective = tf.variableGrads(
    () => discriminatorObjective(context, images, fake, 0.3, -0.2, decay).total,
    variables,
  ).grads;

  // Reference: the same loss with the updated means passed in as plain numbers.
  const meanReal = tf.mean(parts.discriminator!.logits(images)).dataSync()[0];
  const meanFake = tf.mean(parts.discriminator!.logits(fake)).dataSync()[0];
  const updatedReal = decay * 0.3 + (1 - decay) * meanReal;
  const updatedFake = decay * -0.2 + (1 - decay) * meanFake;
  const reference = tf.variableGrads(() => {
    const realLogits = parts.discriminator!.logits(images);
    const fakeLogits = parts.discriminator!.logits(fake);
    const hinge = parts.losses.discriminatorAdversarial(realLogits, fakeLogits);
    const lecam = parts.losses.lecam(realLogits, fakeLogits, updatedReal, updatedFake);
    return tf.add(hinge, tf.mul(lecam, 10)) as tf.Scalar;
  }, variables).grads;

  for (const variable of variables) {
    const a = viaObjective[variable.name].dataSync();
    const b = reference[variable.name].dataSync();
    for (let i = 0; i < a.length; i++) {
      assertAlmostEquals(a[i], b[i], 1e-5, `${variable.name}[${i}]`);
    }
  }
});
