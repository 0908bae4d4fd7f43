/** Bitwise codebook entropy (the BSQ estimator), in nats. */
import { tf } from "../engine/mod.ts";
import { logSigmoid } from "./binary_entropy.ts";
import { checkBitLogits } from "./logits_check.ts";

/**
 * Computes `sum_k H(pbar_k)`, where `pbar_k` is the mean over tokens of
 * `P(c_k = +1 | u)`: the codebook entropy approximated as if the bits were
 * independent (Zhao et al. 2024, BSQ). In nats, in [0, d ln 2].
 *
 * The log of each mean probability is a log-sum-exp of log-sigmoids over the
 * tokens, so probabilities of exactly 0 or 1 give finite values and gradients.
 *
 * @param logits per-bit logits `[tokens, d]`.
 */
export function bitwiseCodebookEntropy(logits: tf.Tensor2D): tf.Scalar {
  checkBitLogits(logits, "bitwiseCodebookEntropy");
  return tf.tidy(() => {
    const logTokens = Math.log(logits.shape[0]);
    const logMeanOne = tf.sub(tf.logSumExp(logSigmoid(logits), 0), logTokens);
    const logMeanZero = tf.sub(tf.logSumExp(logSigmoid(tf.neg(logits)), 0), logTokens);
    const plogp = tf.add(
      tf.mul(tf.exp(logMeanOne), logMeanOne),
      tf.mul(tf.exp(logMeanZero), logMeanZero),
    );
    return tf.neg(tf.sum(plogp)) as tf.Scalar;
  });
}
