/**
 * FSQ and VQ through the trainer: config validation, a few updates of a real
 * WeTok network (CR48-small, d = 32) on synthetic images, the VQ codebook's
 * gradient and stage-2 freeze, and the codebook's checkpoint round trip, on the
 * wasm backend (whose float32 OneHot kernel once zeroed the codebook gradient).
 */
import {
  assert,
  assertEquals,
  assertGreater,
  assertInstanceOf,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { l1Loss } from "../../lib/loss/mod.ts";
import { FsqQuantizer } from "../../lib/quantize/fsq.ts";
import { VqQuantizer } from "../../lib/quantize/vq.ts";
import { loadCheckpoint } from "../../lib/train/checkpoint.ts";
import { readMetrics } from "../../lib/train/metrics_log.ts";
import {
  buildQuantizer,
  buildWetokComponents,
  mergeTrainConfig,
  parseTrainConfig,
  type QuantizerChoice,
  runStreams,
  type TrainConfig,
  Trainer,
} from "../../lib/train/mod.ts";
import { exportBundle, loadTokenizerFromCheckpoint } from "../../lib/tokenizer/mod.ts";
import { sinusoidData, sinusoidImages } from "../tokenizer/_trained_run.ts";

await initBackend("wasm", { announce: false });

/** 32 FSQ levels for CR48-small's 32 latent channels: 4^16 * 3^16 codes, about 57 bits. */
const FSQ_LEVELS = Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? 4 : 3));

function runConfig(quantizer: QuantizerChoice, stage2Steps: number): TrainConfig {
  return parseTrainConfig({
    name: "quantizer-choice-test",
    network: "CR48-small",
    quantizer,
    seed: 5,
    batchSize: 2,
    cropSize: 16,
    data: "synthetic",
    stage1: { steps: 2, schedule: { kind: "constant", learningRate: 1e-2 }, adversarial: false },
    stage2: {
      steps: stage2Steps,
      schedule: { kind: "constant", learningRate: 1e-2 },
      adversarial: false,
    },
    weights: { perceptual: 0 },
    emaDecay: 0.5,
    checkpointEvery: 100,
    keepCheckpoints: 5,
    logEvery: 1,
  });
}

async function values(variable: tf.Tensor): Promise<number[]> {
  return Array.from(await variable.data());
}

Deno.test("parseTrainConfig accepts FSQ and VQ choices", () => {
  const fsq = parseTrainConfig({ quantizer: { kind: "fsq", levels: [8, 5, 5] } });
  assertEquals(fsq.quantizer, { kind: "fsq", levels: [8, 5, 5] });
  const vq = parseTrainConfig({ quantizer: { kind: "vq", codebookSize: 4096 } });
  assertEquals(vq.quantizer, { kind: "vq", codebookSize: 4096 });
  const back = mergeTrainConfig(vq, { quantizer: "gq" });
  assertEquals(back.quantizer, "gq");
});

Deno.test("parseTrainConfig rejects invalid quantizer choices", () => {
  const cases: [unknown, string][] = [
    ["fsq", 'invalid quantizer "fsq"'],
    [{ kind: "fsq", levels: [8, 1, 5] }, "invalid quantizer.levels[1] 1"],
    [{ kind: "fsq", levels: [8, 2.5] }, "invalid quantizer.levels[1] 2.5"],
    [{ kind: "fsq", levels: [] }, "invalid quantizer.levels []"],
    [{ kind: "fsq" }, "invalid quantizer.levels (missing)"],
    [{ kind: "fsq", levels: [8], codebookSize: 4 }, 'invalid quantizer field "quantizer.codebookSize"'],
    [{ kind: "vq", codebookSize: 0 }, "invalid quantizer.codebookSize 0"],
    [{ kind: "vq", codebookSize: 1 }, "invalid quantizer.codebookSize 1"],
    [{ kind: "vq", codebookSize: 12.5 }, "invalid quantizer.codebookSize 12.5"],
    [{ kind: "vq", codebookSize: "64" }, 'invalid quantizer.codebookSize "64"'],
    [{ kind: "vq", codebookSize: 2 ** 24 + 1 }, "invalid quantizer.codebookSize 16777217"],
    [{ kind: "vq", codebookSize: 64, beta: 0.25 }, 'invalid quantizer field "quantizer.beta"'],
    [{ kind: "rq", codebookSize: 64 }, "invalid quantizer"],
  ];
  for (const [quantizer, message] of cases) {
    const error = assertThrows(() => parseTrainConfig({ quantizer }), RangeError);
    assertStringIncludes((error as Error).message, message, JSON.stringify(quantizer));
  }
});

Deno.test("buildQuantizer builds FSQ and VQ", () => {
  const fsq = buildQuantizer({ kind: "fsq", levels: [8, 5, 5] }, 3, 1);
  assertInstanceOf(fsq, FsqQuantizer);
  assertEquals(fsq.radices, [8, 5, 5]);
  const vq = buildQuantizer({ kind: "vq", codebookSize: 16 }, 4, 1, new Rng(1));
  assertInstanceOf(vq, VqQuantizer);
  assertEquals(vq.trainableVariables()[0].shape, [16, 4]);
  vq.trainableVariables()[0].dispose();
});

Deno.test("buildQuantizer rejects FSQ level count mismatch", () => {
  const error = assertThrows(
    () => buildQuantizer({ kind: "fsq", levels: [8, 5, 5] }, 4, 1),
    RangeError,
  );
  assertStringIncludes((error as Error).message, "zChannels = 4");
});

Deno.test("buildQuantizer rejects VQ without Rng", () => {
  assertThrows(() => buildQuantizer({ kind: "vq", codebookSize: 16 }, 4, 1), RangeError, "Rng");
});

Deno.test("Trainer trains FSQ with finite losses", async () => {
  const config = runConfig({ kind: "fsq", levels: FSQ_LEVELS }, 0);
  const runDir = await Deno.makeTempDir({ prefix: "fsq_run_" });
  const components = buildWetokComponents(config, runStreams(config.seed), sinusoidData);
  const encoderWeight = Object.values(components.tokenizer.parameters("encoder"))[0];
  const before = await values(encoderWeight);
  const trainer = await Trainer.create(config, components, { runDir, progressIntervalMs: 60_000 });
  try {
    await trainer.run();
    assertNotEquals(await values(encoderWeight), before, "encoder weights changed");
    const metrics = await readMetrics(join(runDir, "metrics.jsonl"));
    assertEquals(metrics.length, 2);
    for (const row of metrics) {
      assert(Number.isFinite(row.total), `total loss ${row.total} at step ${row.step}`);
      assert(
        Number.isFinite(row.reconstruction),
        `reconstruction loss ${row.reconstruction} at step ${row.step}`,
      );
    }
  } finally {
    trainer.dispose();
    await Deno.remove(runDir, { recursive: true });
  }
});

Deno.test("VQ codebook gets a stage-1 gradient", () => {
  const config = runConfig({ kind: "vq", codebookSize: 64 }, 0);
  const { tokenizer } = buildWetokComponents(config, runStreams(config.seed), sinusoidData);
  const codebook = tokenizer.quantizer.trainableVariables()[0];
  assertEquals(Object.values(tokenizer.parameters("quantizer")), [codebook]);
  const images = sinusoidImages(2, 16, 16, new Rng(3));
  const norm = tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const output = tokenizer.quantize(tokenizer.encode(images));
      const reconstruction = l1Loss(images, tokenizer.decode(output.codes, null));
      return tf.addN([
        reconstruction,
        output.terms.codebook,
        tf.mul(output.terms.commitment, 0.25),
      ]) as tf.Scalar;
    }, [codebook]);
    return tf.norm(grads[codebook.name]).dataSync()[0];
  });
  assertGreater(norm, 0);
  images.dispose();
  for (const variable of Object.values(tokenizer.stateVariables())) variable.dispose();
});

Deno.test("Trainer trains VQ codebook, freezes it in stage 2", async () => {
  const config = runConfig({ kind: "vq", codebookSize: 64 }, 2);
  const runDir = await Deno.makeTempDir({ prefix: "vq_run_" });
  const components = buildWetokComponents(config, runStreams(config.seed), sinusoidData);
  const codebook = components.tokenizer.quantizer.trainableVariables()[0];
  const initial = await values(codebook);
  const trainer = await Trainer.create(config, components, { runDir, progressIntervalMs: 60_000 });
  try {
    await trainer.run();
    const final = await values(codebook);
    const stage1 = await loadCheckpoint(join(runDir, "ckpt-00000002.wtk"));
    const afterStage1 = Array.from(stage1.tensors["model/quantizer.0"].values);
    assertNotEquals(afterStage1, initial, "stage 1 changed the codebook");
    assertEquals(final, afterStage1, "stage 2 left the codebook unchanged");

    const metrics = await readMetrics(join(runDir, "metrics.jsonl"));
    assertEquals(metrics.length, 4);
    for (const row of metrics) {
      assert(Number.isFinite(row.total), `total loss ${row.total} at step ${row.step}`);
    }
    for (const row of metrics.slice(0, 2)) {
      const loss = Number(row["quantizer.codebook"]);
      assert(Number.isFinite(loss), `stage-1 codebook loss ${loss} at step ${row.step}`);
      assertGreater(loss, 0, `stage-1 codebook loss at step ${row.step}`);
    }

    // The raw and EMA codebooks of the last checkpoint load into an inference tokenizer exactly.
    const raw = await loadTokenizerFromCheckpoint(runDir, { weights: "raw" });
    assertEquals(await values(raw.tokenizer.quantizer.trainableVariables()[0]), final);

    // Inference tokens are codeword indices of the trained codebook.
    const images = sinusoidImages(1, 16, 16, new Rng(4));
    const indices = await raw.tokenizer.encode(images);
    images.dispose();
    const tokens = Array.from(indices.values as ArrayLike<number>);
    assertEquals(tokens.length, 4);
    for (const token of tokens) {
      assert(Number.isInteger(token) && token >= 0 && token < 64, `token ${token}`);
    }

    // A bundle cannot store the codebook, so exporting one is rejected.
    const bundleDir = join(runDir, "bundle");
    await assertRejects(
      () => exportBundle(raw.tokenizer, bundleDir, raw.provenance),
      RangeError,
      "learned codebook",
    );
    raw.tokenizer.dispose();
    const ema = await loadTokenizerFromCheckpoint(runDir, { weights: "ema" });
    const emaExpected = await trainer.ema.withAveragedWeights(() => values(codebook));
    assertEquals(await values(ema.tokenizer.quantizer.trainableVariables()[0]), emaExpected);
    ema.tokenizer.dispose();
  } finally {
    trainer.dispose();
    for (const variable of Object.values(components.tokenizer.stateVariables())) {
      variable.dispose();
    }
    await Deno.remove(runDir, { recursive: true });
  }
});

Deno.test("Trainer resume restores VQ codebook exactly", async () => {
  const config = runConfig({ kind: "vq", codebookSize: 64 }, 0);
  const runDir = await Deno.makeTempDir({ prefix: "vq_resume_" });
  const first = buildWetokComponents(config, runStreams(config.seed), sinusoidData);
  const trainer = await Trainer.create(config, first, { runDir, progressIntervalMs: 60_000 });
  await trainer.run();
  const saved = await values(first.tokenizer.quantizer.trainableVariables()[0]);
  trainer.dispose();

  // A fresh build with another seed's codebook, then resumed from the run folder.
  const second = buildWetokComponents(config, runStreams(config.seed + 1), sinusoidData);
  const resumed = await Trainer.create(config, second, { runDir, progressIntervalMs: 60_000 });
  try {
    const restored = await values(second.tokenizer.quantizer.trainableVariables()[0]);
    assertEquals(restored, saved);
  } finally {
    resumed.dispose();
    for (const components of [first, second]) {
      for (const variable of Object.values(components.tokenizer.stateVariables())) {
        variable.dispose();
      }
    }
    await Deno.remove(runDir, { recursive: true });
  }
});
