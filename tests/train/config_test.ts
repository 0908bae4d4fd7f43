import { assertEquals, assertThrows } from "@std/assert";
import {
  DEFAULT_TRAIN_CONFIG,
  differingFields,
  mergeTrainConfig,
  namedTrainConfig,
  parseTrainConfig,
  TRAIN_CONFIGS,
  validateTrainConfig,
} from "../../lib/train/config.ts";
import { findConfig } from "../../lib/nn/mod.ts";

Deno.test("TRAIN_CONFIGS all validate", () => {
  for (const name of Object.keys(TRAIN_CONFIGS)) {
    const config = namedTrainConfig(name);
    validateTrainConfig(config);
    // Every named config names a network that lib/nn defines.
    assertEquals(findConfig(config.network).name, config.network);
  }
});

Deno.test("DEFAULT_TRAIN_CONFIG has official hyperparameters", () => {
  const d = DEFAULT_TRAIN_CONFIG;
  assertEquals(d.adam, { beta1: 0.5, beta2: 0.9, epsilon: 1e-8 });
  assertEquals(d.stage1.schedule, { kind: "constant", learningRate: 1e-4 });
  assertEquals(d.weights.reconstruction, 1);
  assertEquals(d.weights.perceptual, 1);
  assertEquals(d.weights.generatorAdversarial, 0.1);
  assertEquals(d.weights.lecam, 0.05);
  assertEquals(d.weights.quantizer.commitment, 0.25);
  assertEquals(d.weights.quantizer.entropy, 0.1);
  assertEquals(d.emaDecay, 0.999);
  assertEquals(d.lecamDecay, 0.999);
});

Deno.test("parseTrainConfig merges over extends", () => {
  const config = parseTrainConfig({ extends: "small", seed: 3, stage1: { steps: 7 } });
  assertEquals(config.seed, 3);
  assertEquals(config.stage1.steps, 7);
  assertEquals(config.stage1.schedule, { kind: "constant", learningRate: 1e-3 });
  assertEquals(config.network, "CR24-small");
});

Deno.test("parseTrainConfig replaces schedule of another kind", () => {
  const config = parseTrainConfig({
    stage1: {
      schedule: { kind: "warmup-cosine", learningRate: 1e-4, warmupSteps: 10, totalSteps: 100 },
    },
  });
  assertEquals(config.stage1.schedule, {
    kind: "warmup-cosine",
    learningRate: 1e-4,
    warmupSteps: 10,
    totalSteps: 100,
  });
});

Deno.test("parseTrainConfig rejects invalid fields", () => {
  const cases: [unknown, string][] = [
    [[], "must be a JSON object, got []"],
    [{ batchsize: 4 }, 'unknown config field "batchsize"'],
    [{ stage1: { step: 4 } }, 'unknown config field "stage1.step"'],
    [{ batchSize: 0 }, "invalid batchSize 0: expected an integer >= 1"],
    [{ batchSize: 2.5 }, "invalid batchSize 2.5"],
    [{ cropSize: "32" }, 'invalid cropSize "32"'],
    [{ adam: { beta1: 1 } }, "invalid adam.beta1 1: expected a number in [0, 1)"],
    [{ adam: { epsilon: 0 } }, "invalid adam.epsilon 0"],
    [{ emaDecay: -0.1 }, "invalid emaDecay -0.1"],
    [{ weights: { lecam: -1 } }, "invalid weights.lecam -1"],
    [{ weights: { generatorAdversarial: "auto" } }, 'invalid weights.generatorAdversarial "auto"'],
    [{ weights: { generatorAdversarial: -0.1 } }, "invalid weights.generatorAdversarial -0.1"],
    [{ weights: { quantizer: { entropy: "x" } } }, 'invalid weights.quantizer.entropy "x"'],
    [{ stage1: { steps: 0 }, stage2: { steps: 0 } }, "both 0"],
    [{ stage1: { adversarial: "yes" } }, 'invalid stage1.adversarial "yes"'],
    [
      { stage1: { schedule: { kind: "step", learningRate: 1 } } },
      'invalid stage1.schedule.kind "step"',
    ],
    [
      {
        stage1: {
          schedule: { kind: "warmup-cosine", learningRate: 1, warmupSteps: 10, totalSteps: 5 },
        },
      },
      "invalid stage1.schedule.totalSteps 5: expected an integer >= 11",
    ],
    [{ quantizer: "vq" }, 'invalid quantizer "vq"'],
    [{ extends: "huge" }, 'invalid extends "huge"'],
    [{ name: "" }, 'invalid name ""'],
  ];
  for (const [value, message] of cases) {
    assertThrows(() => parseTrainConfig(value), RangeError, message);
  }
});

Deno.test("namedTrainConfig rejects unknown name", () => {
  assertThrows(
    () => namedTrainConfig("cr9"),
    RangeError,
    'unknown training config "cr9": expected one of cr24',
  );
});

Deno.test("validateTrainConfig checks network names", () => {
  assertThrows(
    () => validateTrainConfig(DEFAULT_TRAIN_CONFIG, ["CR24"]),
    RangeError,
    'invalid network "CR24-small": expected one of CR24',
  );
});

Deno.test("differingFields ignores resumable fields", () => {
  const a = namedTrainConfig("small");
  const b = mergeTrainConfig(a, { checkpointEvery: 7, keepCheckpoints: 9, logEvery: 2 });
  assertEquals(differingFields(a, b), []);
  const c = mergeTrainConfig(a, { seed: 1, weights: { quantizer: { entropy: 0.2 } } });
  assertEquals(differingFields(a, c), ["seed", "weights.quantizer.entropy"]);
});

Deno.test("namedTrainConfig merges overrides over defaults", () => {
  const config = namedTrainConfig("small", { weights: { quantizer: { entropy: 0 } }, seed: 5 });
  assertEquals(config.weights.quantizer, { commitment: 0.25, entropy: 0, codebook: 1 });
  assertEquals(config.weights.perceptual, 0);
  assertEquals(config.seed, 5);
});
