/** Training config of the tiny test model: both stages, adversarial in stage 2. */
import { mergeTrainConfig, parseTrainConfig, type TrainConfig } from "../../lib/train/config.ts";

/** Returns the tiny config with `overrides` merged in. */
export function tinyConfig(overrides: Record<string, unknown> = {}): TrainConfig {
  const base = parseTrainConfig({
    name: "tiny",
    network: "tiny",
    seed: 7,
    batchSize: 4,
    cropSize: 16,
    data: "synthetic",
    stage1: { steps: 20, schedule: { kind: "constant", learningRate: 3e-3 }, adversarial: true },
    stage2: { steps: 10, schedule: { kind: "constant", learningRate: 3e-3 }, adversarial: true },
    weights: { perceptual: 0, quantizer: { commitment: 0.25 } },
    discriminatorSchedule: { kind: "constant", learningRate: 1e-3 },
    checkpointEvery: 5,
    keepCheckpoints: 2,
    logEvery: 1,
  });
  return mergeTrainConfig(base, overrides);
}
