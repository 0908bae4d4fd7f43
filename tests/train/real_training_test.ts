/**
 * Real training, not a mock: CR24-small trained on 32x32 crops of the `ci`
 * corpus photos on the wasm backend, then evaluated on the held-out photos.
 * Measured on a 2-core AMD EPYC at load average 2 to 3: 3 min 6 s for the whole
 * file, with a held-out PSNR of 9.45 dB untrained and 15.17 dB after 240 updates.
 * For scale, a grey image scores 10.92 dB and the 32x32 tile means 17.78 dB.
 */
import { assertEquals, assertGreater } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { buildCorpus, loadCorpus } from "../../lib/data/corpus_builder.ts";
import { loadManifest } from "../../lib/data/manifest.ts";
import { splitIntoTiles } from "../../lib/data/tiles.ts";
import {
  buildWetokComponents,
  ImageCropData,
  imagePaths,
  namedTrainConfig,
  reconstructionPsnr,
  runStreams,
  Trainer,
} from "../../lib/train/mod.ts";

const CACHE = Deno.env.get("WETOK_CACHE") ?? ".cache/wetok";
const STAGE1_STEPS = 240;
const STAGE2_STEPS = 4;
/** Held-out PSNR (dB) the trained model must reach: 2.6 dB above a grey image. */
const PSNR_THRESHOLD_DB = 13.5;
/** Minimum gain (dB) over the untrained model. */
const PSNR_GAIN_DB = 4;

await initBackend("wasm", { announce: false });

Deno.test("Trainer learns CR24-small on photos", async () => {
  try {
    await loadCorpus(CACHE, "ci");
  } catch {
    await buildCorpus({ manifest: await loadManifest(), set: "ci", cacheDir: CACHE });
  }
  // The quantizer's commitment and entropy terms are off here: with the official weights
  // (0.25, 0.1) this setup measured 11.1 dB after 240 updates, barely above a grey image
  // (10.9 dB), against 15.2 dB without them. The same models differ by 1.2 dB under the
  // harness's evaluation (EMA weights, 25 held-out photos), and the harness's f4 network
  // narrows the gap to 2.1 dB (bench/quantizer_loss_weights.ts, record in bench/README.md).
  // The terms themselves are tested on the same networks in wetok_networks_test.ts.
  const config = namedTrainConfig("small", {
    weights: { quantizer: { commitment: 0, entropy: 0 } },
    stage1: { steps: STAGE1_STEPS },
    stage2: { steps: STAGE2_STEPS },
    checkpointEvery: 10_000,
    logEvery: 25,
  });
  const train = await ImageCropData.fromFiles(
    await imagePaths("ci", "train", CACHE),
    4 * config.cropSize,
  );
  const test = await ImageCropData.fromFiles(
    await imagePaths("ci", "test", CACHE),
    4 * config.cropSize,
  );
  // Evaluation at the training crop size: the 128x128 centre of each held-out photo as 16 tiles.
  const heldOut = splitIntoTiles(test.centerCrops(4 * config.cropSize), config.cropSize);
  const components = buildWetokComponents(config, runStreams(config.seed), train);
  const runDir = await Deno.makeTempDir({ prefix: "train_real_" });
  const trainer = await Trainer.create(config, components, { runDir });
  const tokenizer = components.tokenizer;

  const untrained = await reconstructionPsnr(tokenizer, heldOut);
  await trainer.run(STAGE1_STEPS);
  const trained = await reconstructionPsnr(tokenizer, heldOut);
  console.log(
    `held-out PSNR: untrained ${untrained.toFixed(2)} dB, after ${STAGE1_STEPS} updates ${
      trained.toFixed(2)
    } dB`,
  );
  assertGreater(trained, PSNR_THRESHOLD_DB);
  assertGreater(trained - untrained, PSNR_GAIN_DB);

  // A short stage 2 on the real networks: encoder unchanged, and the noise now matters.
  const encoderBefore = await Promise.all(
    Object.values(tokenizer.parameters("encoder")).map((v) => v.data()),
  );
  await trainer.run();
  const encoderAfter = await Promise.all(
    Object.values(tokenizer.parameters("encoder")).map((v) => v.data()),
  );
  encoderAfter.forEach((values, i) =>
    assertEquals(values, encoderBefore[i], `encoder variable ${i} changed in stage 2`)
  );
  const crops = heldOut.slice([0, 0, 0, 0], [1, 32, 32, 3]);
  const codes = tokenizer.quantize(tokenizer.encode(crops)).codes;
  const noise = runStreams(99).noise;
  const first = tokenizer.decode(codes, noise.normalTensor(codes.shape) as tf.Tensor4D);
  const second = tokenizer.decode(codes, noise.normalTensor(codes.shape) as tf.Tensor4D);
  assertGreater(tf.max(tf.abs(tf.sub(first, second))).dataSync()[0], 1e-4);

  trainer.dispose();
  tf.dispose([heldOut, crops, codes, first, second]);
  await Deno.remove(runDir, { recursive: true });
});
