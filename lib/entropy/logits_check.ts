/** Shape checks shared by the entropy estimators. */
import { tf } from "../engine/mod.ts";

/**
 * Throws unless `logits` is a rank-2 `[tokens, bits]` tensor with at least one
 * token and one bit; `name` is the calling estimator, for the message.
 */
export function checkBitLogits(logits: tf.Tensor, name: string): asserts logits is tf.Tensor2D {
  if (logits.rank !== 2) {
    throw new RangeError(
      `${name}: invalid logits of shape [${logits.shape}]: expected rank 2 [tokens, bits]; ` +
        `reshape the latent to [-1, d] first`,
    );
  }
  const [tokens, bits] = logits.shape;
  if (tokens < 1 || bits < 1) {
    throw new RangeError(
      `${name}: invalid logits of shape [${logits.shape}]: expected at least one token and one bit`,
    );
  }
}

/** Throws unless `groups` is a positive integer dividing `bits`. */
export function checkGroups(bits: number, groups: number, name: string): number {
  if (!Number.isInteger(groups) || groups < 1 || bits % groups !== 0) {
    throw new RangeError(
      `${name}: invalid group count ${groups} for d = ${bits} bits: d must be divisible by ` +
        `the group count; choose a divisor of ${bits}`,
    );
  }
  return bits / groups;
}
