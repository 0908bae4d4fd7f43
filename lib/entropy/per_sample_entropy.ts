/** Per-sample (token) entropy of the soft code assignment, in nats. */
import { tf } from "../engine/mod.ts";
import { binaryEntropyFromLogits } from "./binary_entropy.ts";
import { checkBitLogits } from "./logits_check.ts";

/**
 * Computes the mean over tokens of `H(q(. | u))`, the entropy of each token's
 * soft assignment over all `2^d` codes, in nats.
 *
 * Because `q(. | u)` is a product of independent bits, its entropy is exactly
 * the sum of the per-bit binary entropies, so no enumeration is needed.
 *
 * @param logits per-bit logits `[tokens, d]`, see `lfqBitLogits`.
 * @returns scalar in [0, d ln 2].
 */
export function perSampleEntropy(logits: tf.Tensor2D): tf.Scalar {
  checkBitLogits(logits, "perSampleEntropy");
  return tf.tidy(() => tf.mean(tf.sum(binaryEntropyFromLogits(logits), 1)) as tf.Scalar);
}
