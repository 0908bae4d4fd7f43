import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import {
  ExecutorUnavailableError,
  type ResolvedRun,
  type RunContext,
  type TrainRunConfig,
} from "../../lib/experiment/mod.ts";
import {
  emaDecayFor,
  toTrainConfig,
  toUint8Images,
  trainExecutor,
  UnfinishedCheckpointError,
} from "../../lib/experiment/executors/train_run.ts";
import { imagesToTensor } from "../../lib/data/batch.ts";
import { Progress } from "../../lib/io/progress.ts";
import { fakeCorpus } from "./_fake_corpus.ts";

await initBackend("wasm", { announce: false });

const run: TrainRunConfig = {
  task: "train",
  quantizer: { kind: "gq", bits: 8, groups: 2, entropyMethod: "group-sum" },
  architecture: { ch: 32, chMult: [1, 2], numResBlocks: 1 },
  schedule: { kind: "constant", learningRate: 0.001 },
  stages: { stage1Steps: 2, stage2Steps: 1 },
  data: { set: "ci", cropSize: 24, evalImages: 2 },
  batchSize: 2,
  seed: 5,
  eval: {
    metrics: ["psnr", "ssim", "rfid"],
    decodeTiming: true,
    noiseSamples: 2,
    encodeDecodeRounds: 2,
  },
};

function context(config: TrainRunConfig, checkpointDir: string): RunContext {
  const resolved: ResolvedRun = {
    experiment: "test",
    label: "gq",
    scale: "smoke",
    seed: config.seed,
    config,
  };
  return {
    run: resolved,
    runId: "0000000000000000",
    checkpointDir,
    backend: "wasm",
    progress: (total) => new Progress({ label: "test", total, intervalMs: 60_000 }),
  };
}

Deno.test("toTrainConfig maps a run config", () => {
  const config = toTrainConfig("test/gq", {
    ...run,
    schedule: { kind: "warmup-cosine", learningRate: 0.001, warmupSteps: 1 },
    stages: { stage1Steps: 10, stage2Steps: 0 },
  });
  assertEquals(config.quantizer, "gq");
  assertEquals(config.stage1.steps, 10);
  assertEquals(config.stage1.schedule, {
    kind: "warmup-cosine",
    learningRate: 0.001,
    warmupSteps: 1,
    totalSteps: 10,
    minLearningRate: 0,
  });
  assertEquals(config.stage2.adversarial, false);
  assertEquals(config.weights.perceptual, 0);
  assertEquals(config.seed, 5);
  assertEquals(config.cropSize, 24);
});

Deno.test("toTrainConfig passes quantizer loss weights", () => {
  const config = toTrainConfig("x", {
    ...run,
    quantizerLossWeights: { commitment: 0, entropy: 0.5 },
  });
  assertEquals(config.weights.quantizer.commitment, 0);
  assertEquals(config.weights.quantizer.entropy, 0.5);
  assertEquals(config.weights.quantizer.codebook, 1);
});

Deno.test("toTrainConfig defaults to official quantizer weights", () => {
  const config = toTrainConfig("x", run);
  assertEquals(config.weights.quantizer, { commitment: 0.25, entropy: 0.1, codebook: 1 });
});

Deno.test("toTrainConfig maps FSQ and VQ", () => {
  const fsq: TrainRunConfig = {
    ...run,
    quantizer: { kind: "fsq", bits: 6, groups: 1, levels: [8, 8] },
  };
  assertEquals(toTrainConfig("x", fsq).quantizer, { kind: "fsq", levels: [8, 8] });
  const vq: TrainRunConfig = {
    ...run,
    quantizer: { kind: "vq", bits: 6, groups: 1, codebookSize: 64 },
  };
  assertEquals(toTrainConfig("x", vq).quantizer, { kind: "vq", codebookSize: 64 });
});

Deno.test("toTrainConfig rejects quantizers the trainer lacks", () => {
  const other = {
    ...run,
    quantizer: { kind: "rvq", bits: 6, groups: 1 },
  } as unknown as TrainRunConfig;
  assertThrows(() => toTrainConfig("x", other), ExecutorUnavailableError, "not rvq");
});

Deno.test("trainExecutor trains, evaluates and resumes", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const cacheDir = await fakeCorpus();
  const checkpointDir = join(cacheDir, "checkpoints");
  const execute = trainExecutor({ cacheDir, evalBatch: 2 });
  const tensorsBefore = tf.memory().numTensors;
  const first = await execute(context(run, checkpointDir));
  assertEquals(tf.memory().numTensors, tensorsBefore, "tensors left alive by the run");
  const m = first.metrics;
  assert(m.psnr > 5, `psnr ${m.psnr}`);
  assert(m.psnr < 60, `psnr ${m.psnr}`);
  assert(m.ssim > -1, `ssim ${m.ssim}`);
  assert(m.ssim <= 1, `ssim ${m.ssim}`);
  assert(m.usage > 0, `usage ${m.usage}`);
  assert(m.usage <= 1, `usage ${m.usage}`);
  assert(m.decodeMs > 0, `decodeMs ${m.decodeMs}`);
  assert(m.noiseSpread >= 0, `noiseSpread ${m.noiseSpread}`);
  assertEquals(m.compressionRatio, (24 * 2 * 2) / 8);
  assertEquals(m.evaluatedImages, 2);
  assertEquals(first.series?.psnrPerRound.length, 2);
  assertEquals(m.finalPsnr, first.series?.psnrPerRound[1]);
  assertEquals(first.notes, [
    "rfid not computed: its network weights are in no package reachable here",
  ]);

  // A second call finds the final checkpoint, trains nothing and evaluates the same weights.
  const second = await execute(context(run, checkpointDir));
  assertEquals(tf.memory().numTensors, tensorsBefore, "tensors left alive by the resumed run");
  assertAlmostEquals(second.metrics.psnr, m.psnr, 1e-9);
  assertAlmostEquals(second.metrics.ssim, m.ssim, 1e-9);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("trainExecutor records fewer evaluated images", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const cacheDir = await fakeCorpus();
  const execute = trainExecutor({ cacheDir, evalBatch: 2 });
  const asksFive: TrainRunConfig = {
    ...run,
    data: { ...run.data, evalImages: 5 },
    eval: { metrics: ["psnr"] },
  };
  const output = await execute(context(asksFive, join(cacheDir, "checkpoints")));
  assertEquals(output.metrics.evaluatedImages, 2);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("trainExecutor trains FSQ and VQ rows", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const cacheDir = await fakeCorpus();
  const execute = trainExecutor({ cacheDir, evalBatch: 2 });
  const rows: [string, TrainRunConfig["quantizer"]][] = [
    ["fsq", { kind: "fsq", bits: 6, groups: 1, levels: [4, 4, 4] }],
    ["vq", { kind: "vq", bits: 6, groups: 1, codebookSize: 64 }],
  ];
  for (const [label, quantizer] of rows) {
    const config: TrainRunConfig = {
      ...run,
      quantizer,
      stages: { stage1Steps: 2, stage2Steps: 0 },
      eval: { metrics: ["psnr", "usage"] },
    };
    const tensorsBefore = tf.memory().numTensors;
    const output = await execute(context(config, join(cacheDir, `checkpoints-${label}`)));
    assertEquals(tf.memory().numTensors, tensorsBefore, `${label}: tensors left alive`);
    assert(output.metrics.psnr > 5, `${label}: psnr ${output.metrics.psnr}`);
    assert(output.metrics.usage > 0, `${label}: usage ${output.metrics.usage}`);
    assert(output.metrics.usage <= 1, `${label}: usage ${output.metrics.usage}`);
    assertEquals(output.metrics.compressionRatio, (24 * 2 * 2) / 6, label);
  }
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("trainExecutor measures both SSIM windows", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const cacheDir = await fakeCorpus();
  const checkpointDir = join(cacheDir, "checkpoints");
  const trained = await trainExecutor({ cacheDir, evalBatch: 2 })(context(run, checkpointDir));
  const { ssim, ssimGaussian11 } = trained.metrics;
  assert(ssimGaussian11 > -1, `ssimGaussian11 ${ssimGaussian11}`);
  assert(ssimGaussian11 <= 1, `ssimGaussian11 ${ssimGaussian11}`);
  // The two windows weight pixels differently, so their means differ on real reconstructions.
  assertNotEquals(ssimGaussian11, ssim);

  // Evaluating the final checkpoint alone reproduces every metric but the timing.
  const evaluated = await trainExecutor({ cacheDir, evalBatch: 2, evaluateOnly: true })(
    context(run, checkpointDir),
  );
  const { decodeMs: _trainedMs, ...expected } = trained.metrics;
  const { decodeMs: _evaluatedMs, ...actual } = evaluated.metrics;
  assertEquals(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [key, value] of Object.entries(expected)) {
    assertAlmostEquals(actual[key], value, 1e-9, `metric ${key}`);
  }
  assertEquals(evaluated.series, trained.series);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("trainExecutor reports the InceptionV3 metrics", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  // InceptionV3 needs crops of 75 pixels or more, so the photos are larger here.
  const cacheDir = await fakeCorpus(88, 84);
  const config: TrainRunConfig = {
    ...run,
    stages: { stage1Steps: 2, stage2Steps: 0 },
    data: { ...run.data, cropSize: 80 },
    eval: { metrics: ["psnr", "fd-nsfwjs", "perceptual-nsfwjs"] },
  };
  const tensorsBefore = tf.memory().numTensors;
  const output = await trainExecutor({ cacheDir, evalBatch: 2 })(
    context(config, join(cacheDir, "checkpoints")),
  );
  assertEquals(tf.memory().numTensors, tensorsBefore, "tensors left alive");
  const { fdNsfwjs, perceptualNsfwjs } = output.metrics;
  assert(Number.isFinite(fdNsfwjs), `fdNsfwjs ${fdNsfwjs}`);
  assert(fdNsfwjs > 0, `fdNsfwjs ${fdNsfwjs}`);
  assert(perceptualNsfwjs > 0, `perceptualNsfwjs ${perceptualNsfwjs}`);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("trainExecutor evaluateOnly rejects unfinished runs", {
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  const cacheDir = await fakeCorpus();
  const checkpointDir = join(cacheDir, "empty-checkpoints");
  const error = await assertRejects(
    () => trainExecutor({ cacheDir, evaluateOnly: true })(context(run, checkpointDir)),
    UnfinishedCheckpointError,
  );
  assertEquals(error.step, 0);
  assertEquals(error.totalSteps, 3);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("toUint8Images inverts imagesToTensor", async () => {
  const data = new Uint8Array(4 * 3 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
  data[0] = 0;
  data[1] = 255;
  const batch = imagesToTensor([{ width: 4, height: 3, data }, {
    width: 4,
    height: 3,
    data: data.map((v) => 255 - v),
  }]);
  const [first, second] = await toUint8Images(batch);
  batch.dispose();
  for (let i = 0; i < data.length; i++) {
    // Truncation may lose one level to float32 rounding of x / 127.5 - 1.
    assert(data[i] - first[i] >= 0, `pixel ${i}: ${data[i]} became ${first[i]}`);
    assert(data[i] - first[i] <= 1, `pixel ${i}: ${data[i]} became ${first[i]}`);
  }
  assertEquals(first[1], 255);
  assertEquals(first[0], 0);
  assert(Math.abs(second[1] - 0) <= 1, `second[1] ${second[1]}`);
});

Deno.test("emaDecayFor forgets initial weights", () => {
  assertEquals(emaDecayFor(250_000), 0.999);
  assertAlmostEquals(emaDecayFor(300), 1 - 10 / 300, 1e-12);
  assert(emaDecayFor(300) ** 300 < 1e-4, `initial weight ${emaDecayFor(300) ** 300}`);
  assertEquals(emaDecayFor(3), 0.5);
});
