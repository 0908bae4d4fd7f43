/**
 * Executor of `entropy-memory` runs: the memory and time of one codebook-entropy
 * estimator (value and gradient) at one codebook size, with no training.
 *
 * Three memory figures are reported, in bytes:
 * - `peakBytes`: the peak of live tensor bytes that `tf.profile` measures during one
 *   forward and backward pass of the estimator in `lib/entropy`, minus the bytes
 *   alive when the pass starts. tfjs starts the profile's peak at the current byte
 *   count, so without the subtraction tensors of earlier runs would be counted.
 * - `estimatedBytes`: the working memory `lib/entropy` predicts for its
 *   chunked enumeration (it runs the pass only when this fits `maxBytes`).
 * - `denseBytes`: an estimate for a dense implementation that materialises the
 *   `[tokens, 2^(d/g)]` probability table per group and its gradient in float32,
 *   `2 * 4 * tokens * g * 2^(d/g)` (the `2^d` softmax of the official LFQ code when `g = 1`).
 */
import { Rng, tf } from "../../engine/mod.ts";
import {
  bitwiseCodebookEntropy,
  exactCodebookEntropy,
  exactEntropyWorkingBytes,
  groupPooledCodebookEntropy,
  groupSumCodebookEntropy,
  lfqBitLogits,
} from "../../entropy/mod.ts";
import type { RunContext, RunOutput } from "../executor.ts";
import type { EntropyMemoryRunConfig } from "../run_config.ts";

/**
 * Estimates the bytes of a dense implementation: the float32 probability table
 * `[tokens, 2^(bits/groups)]` of every group plus its gradient. For the bitwise
 * estimator the table is `[tokens, bits]`.
 */
export function denseEntropyBytes(
  config: Pick<EntropyMemoryRunConfig, "method" | "bits" | "groups" | "tokens">,
): number {
  if (config.method === "bitwise") return 2 * 4 * config.tokens * config.bits;
  return 2 * 4 * config.tokens * config.groups * 2 ** (config.bits / config.groups);
}

/** Estimates the working bytes of the estimator in `lib/entropy` for a run. */
export function estimatedEntropyBytes(config: EntropyMemoryRunConfig): number {
  switch (config.method) {
    case "exact":
      return exactEntropyWorkingBytes(config.tokens, config.bits, 1);
    case "group-sum":
      return exactEntropyWorkingBytes(config.tokens, config.bits / config.groups, config.groups);
    case "group-pooled":
      return exactEntropyWorkingBytes(
        config.tokens * config.groups,
        config.bits / config.groups,
        1,
      );
    case "bitwise":
      // Logits, probabilities and their gradients, [tokens, bits] float32 each.
      return 4 * 4 * config.tokens * config.bits;
  }
}

function codebookEntropy(logits: tf.Tensor2D, config: EntropyMemoryRunConfig): tf.Scalar {
  const options = { maxBytes: config.maxBytes };
  switch (config.method) {
    case "exact":
      return exactCodebookEntropy(logits, options);
    case "group-sum":
      return groupSumCodebookEntropy(logits, config.groups, options);
    case "group-pooled":
      return groupPooledCodebookEntropy(logits, config.groups, options);
    case "bitwise":
      return bitwiseCodebookEntropy(logits);
  }
}

/**
 * Measures one `entropy-memory` run: `repeats` forward and backward passes of
 * the codebook entropy of `tokens` random latents (standard normal, seeded),
 * with LFQ logits at the official temperature. A run whose estimate exceeds
 * `maxBytes` is not executed and reports `outOfMemory = 1`.
 */
export async function runEntropyMemory(context: RunContext): Promise<RunOutput> {
  const config = context.run.config;
  if (config.task !== "entropy-memory") {
    throw new Error(
      `runEntropyMemory: run ${context.run.label} has task "${config.task}", expected "entropy-memory"`,
    );
  }
  const estimatedBytes = estimatedEntropyBytes(config);
  const denseBytes = denseEntropyBytes(config);
  if (estimatedBytes > config.maxBytes) {
    return {
      metrics: { estimatedBytes, denseBytes, outOfMemory: 1 },
      notes: [
        `not executed: needs about ${estimatedBytes} bytes, above the budget of ${config.maxBytes} bytes`,
      ],
    };
  }

  const rng = new Rng(config.seed);
  const latent = rng.normalTensor([config.tokens, config.bits]) as tf.Tensor2D;
  const step = (u: tf.Tensor2D) => codebookEntropy(lfqBitLogits(u), config);
  const valueAndGrad = tf.valueAndGrad(step);
  const progress = context.progress(config.repeats, "pass");

  let peakBytes = 0;
  let entropy = NaN;
  const times: number[] = [];
  try {
    for (let i = 0; i < config.repeats; i++) {
      const started = performance.now();
      const bytesBefore = tf.memory().numBytes;
      const profile = await tf.profile(async () => {
        // Summing the gradient forces the backward pass to run before reading.
        const [value, gradientSum] = tf.tidy(() => {
          const { value, grad } = valueAndGrad(latent);
          return [value, tf.sum(grad)];
        });
        entropy = (await value.data())[0];
        await gradientSum.data();
        value.dispose();
        gradientSum.dispose();
      });
      times.push(performance.now() - started);
      peakBytes = Math.max(peakBytes, profile.peakBytes - bytesBefore);
      progress.update(i + 1);
    }
  } finally {
    latent.dispose();
  }
  times.sort((a, b) => a - b);
  return {
    metrics: {
      peakBytes,
      estimatedBytes,
      denseBytes,
      outOfMemory: 0,
      medianMs: times[Math.floor(times.length / 2)],
      codebookEntropyNats: entropy,
    },
  };
}
