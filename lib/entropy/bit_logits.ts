/**
 * Per-bit logits of the soft code assignment used by the entropy regulariser
 * of lookup-free quantizers (WeTok, arXiv 2508.05599, following MAGVIT-v2).
 *
 * The soft assignment of a token `u` over the codes `c in {-1,+1}^d` is
 * `q(c | u) = softmax_c(2 <u, c> / tau)`. The logit is linear in the bits, so
 * `q` factorises into independent bits with
 * `P(c_k = +1 | u) = sigmoid(4 u_k / tau)`. Every estimator in this folder takes
 * these per-bit logits `a = log P(c_k = +1) - log P(c_k = -1)` as input.
 */
import { tf } from "../engine/mod.ts";

/** Temperature of the soft code assignment in the official WeTok code (0.01). */
export const DEFAULT_TEMPERATURE = 0.01;

/** Weight of the per-sample entropy in the entropy loss in the official WeTok code (1.0). */
export const DEFAULT_SAMPLE_WEIGHT = 1.0;

/** Weight of the codebook entropy in the entropy loss in the official WeTok code (1.0). */
export const DEFAULT_CODEBOOK_WEIGHT = 1.0;

/**
 * Computes LFQ per-bit logits `4 u / tau` of the soft assignment
 * `softmax_c(2 <u, c> / tau)` over `c in {-1,+1}^d`.
 *
 * @param u latent of any shape; the last axis contains the bits.
 * @param temperature `tau` (default 0.01, the official value); must be positive.
 * @returns logits of the same shape as `u`.
 */
export function lfqBitLogits<T extends tf.Tensor>(u: T, temperature = DEFAULT_TEMPERATURE): T {
  checkPositive("temperature", temperature);
  return tf.mul(u, 4 / temperature) as T;
}

/**
 * Computes BSQ per-bit logits `4 kappa u_k / sqrt(d)` (Zhao et al. 2024) for a
 * latent already projected onto the unit sphere.
 *
 * @param unitLatent unit-norm latent; the last axis contains the `d` bits.
 * @param kappa inverse temperature (default 1); must be positive.
 */
export function bsqBitLogits<T extends tf.Tensor>(unitLatent: T, kappa = 1): T {
  checkPositive("kappa", kappa);
  const d = unitLatent.shape[unitLatent.rank - 1];
  return tf.mul(unitLatent, (4 * kappa) / Math.sqrt(d)) as T;
}

function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`invalid ${name} ${value}: expected a finite number above 0`);
  }
}
