/**
 * A tiny two-stage training run of a real WeTok network (CR48-small: f = 8,
 * d = 32 in 4 groups of 8 bits) on synthetic images, for the tokenizer tests.
 * It runs two updates per stage, about 2 s on the wasm backend. The EMA decay is
 * 0.5, so that the EMA weights differ clearly from the trained ones.
 */
import type { Rng } from "../../lib/engine/mod.ts";
import { tf } from "../../lib/engine/mod.ts";
import {
  buildWetokComponents,
  mergeTrainConfig,
  parseTrainConfig,
  runStreams,
  type TrainConfig,
  type TrainData,
  Trainer,
  type WetokComponents,
} from "../../lib/train/mod.ts";

/** Smooth random colour images: one sinusoid per channel with seeded frequency and phase. */
export const sinusoidData: TrainData = {
  sampleBatch(batchSize: number, cropSize: number, rng: Rng): tf.Tensor4D {
    return sinusoidImages(batchSize, cropSize, cropSize, rng);
  },
};

/** Returns `[n, height, width, 3]` sinusoid images in [-0.8, 0.8] drawn from `rng`. */
export function sinusoidImages(n: number, height: number, width: number, rng: Rng): tf.Tensor4D {
  const values = new Float32Array(n * height * width * 3);
  let i = 0;
  for (let b = 0; b < n; b++) {
    const params = Array.from(
      { length: 3 },
      () => [rng.uniform() * 3, rng.uniform() * 3, rng.uniform() * 6.3],
    );
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (const [fy, fx, phase] of params) {
          values[i++] = 0.8 *
            Math.sin(((fy * y) / height + (fx * x) / width) * 2 * Math.PI + phase);
        }
      }
    }
  }
  return tf.tensor4d(values, [n, height, width, 3]);
}

/**
 * Returns the config of the tiny run (2 + 2 updates, no adversarial or
 * perceptual loss) with `overrides` merged in.
 */
export function tinyRunConfig(overrides: Record<string, unknown> = {}): TrainConfig {
  const base = parseTrainConfig({
    name: "tokenizer-test",
    network: "CR48-small",
    quantizer: "gq",
    seed: 11,
    batchSize: 2,
    cropSize: 32,
    data: "synthetic",
    stage1: { steps: 2, schedule: { kind: "constant", learningRate: 1e-3 }, adversarial: false },
    stage2: { steps: 2, schedule: { kind: "constant", learningRate: 1e-3 }, adversarial: false },
    weights: { perceptual: 0 },
    emaDecay: 0.5,
    checkpointEvery: 100,
    keepCheckpoints: 5,
    logEvery: 1,
  });
  return mergeTrainConfig(base, overrides);
}

/** A finished tiny run: its folder, the trainer (for the in-memory weights) and its components. */
export interface TinyRun {
  runDir: string;
  trainer: Trainer;
  components: WetokComponents;
}

/**
 * Trains `config` on sinusoid images into `runDir`, by default the tiny run
 * into a new temporary folder. With the default config it checkpoints after
 * steps 2 (stage 1) and 4 (stage 2).
 */
export async function trainTinyRun(
  config: TrainConfig = tinyRunConfig(),
  runDir?: string,
): Promise<TinyRun> {
  runDir ??= await Deno.makeTempDir({ prefix: "tokenizer_run_" });
  const components = buildWetokComponents(config, runStreams(config.seed), sinusoidData);
  const trainer = await Trainer.create(config, components, { runDir, progressIntervalMs: 60_000 });
  await trainer.run();
  return { runDir, trainer, components };
}
