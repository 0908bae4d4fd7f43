/**
 * Group-wise codebook entropy estimators of GQ (WeTok, arXiv 2508.05599).
 *
 * The `d` bits split into `g` consecutive groups of `m = d/g` bits: group `k`
 * contains bits `[k m, (k+1) m)`, the channel layout of the official code.
 */
import { tf } from "../engine/mod.ts";
import { batchedCodeEntropies, type ExactEntropyOptions } from "./exact_codebook_entropy.ts";
import { checkBitLogits, checkGroups } from "./logits_check.ts";

/**
 * Computes the exact entropy of each group's marginal `pbar_k` over its
 * `2^(d/g)` sub-codes, in nats.
 *
 * @param logits per-bit logits `[tokens, d]`.
 * @param groups `g`, a divisor of `d`.
 * @returns `[g]` entropies, each in [0, (d/g) ln 2].
 */
export function groupMarginalEntropies(
  logits: tf.Tensor2D,
  groups: number,
  options: ExactEntropyOptions = {},
): tf.Tensor1D {
  checkBitLogits(logits, "groupMarginalEntropies");
  const [tokens, bits] = logits.shape;
  const width = checkGroups(bits, groups, "groupMarginalEntropies");
  return tf.tidy(() => {
    const byGroup = tf.transpose(tf.reshape(logits, [tokens, groups, width]), [1, 0, 2]);
    return batchedCodeEntropies(byGroup as tf.Tensor3D, options);
  });
}

/**
 * Computes the per-group sum `sum_k H(pbar_k)`, the codebook entropy as the
 * paper's equation writes it, in nats. It is never below the exact `H(pbar)`:
 * the difference is the total correlation between the groups.
 *
 * @param logits per-bit logits `[tokens, d]`.
 * @param groups `g`, a divisor of `d`; `g = 1` is exact, `g = d` is bitwise.
 * @returns scalar in [0, d ln 2].
 */
export function groupSumCodebookEntropy(
  logits: tf.Tensor2D,
  groups: number,
  options: ExactEntropyOptions = {},
): tf.Scalar {
  return tf.tidy(() => tf.sum(groupMarginalEntropies(logits, groups, options)) as tf.Scalar);
}

/**
 * Computes the pooled estimator of the released WeTok code, `H(mean_k pbar_k)`:
 * one distribution over the `2^(d/g)` sub-codes, averaged over tokens and
 * groups together, in nats.
 *
 * It is a different quantity from the per-group sum, bounded by `(d/g) ln 2`
 * rather than `d ln 2`.
 *
 * @param logits per-bit logits `[tokens, d]`.
 * @param groups `g`, a divisor of `d`.
 * @returns scalar in [0, (d/g) ln 2].
 */
export function groupPooledCodebookEntropy(
  logits: tf.Tensor2D,
  groups: number,
  options: ExactEntropyOptions = {},
): tf.Scalar {
  checkBitLogits(logits, "groupPooledCodebookEntropy");
  const [tokens, bits] = logits.shape;
  const width = checkGroups(bits, groups, "groupPooledCodebookEntropy");
  return tf.tidy(() => {
    const pooled = tf.reshape(logits, [1, tokens * groups, width]) as tf.Tensor3D;
    return tf.reshape(batchedCodeEntropies(pooled, options), []) as tf.Scalar;
  });
}
