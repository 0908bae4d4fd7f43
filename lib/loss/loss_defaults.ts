/**
 * Loss weights and constants of every released WeTok configuration (arXiv
 * 2508.05599, with values from the official training configs and loss code),
 * in one place so experiments override them explicitly.
 */

/** Weights and constants of the tokenizer's training losses. */
export interface LossWeights {
  /** Weight of the L1 reconstruction loss. */
  reconstruction: number;
  /** Weight of the perceptual loss (LPIPS-VGG in the official code). */
  perceptual: number;
  /**
   * Fixed weight of the non-saturating generator loss, applied from step 0.
   * When null, the adaptive weight (gradient-norm ratio) is used instead.
   */
  generatorAdversarial: number | null;
  /** Factor on the adaptive generator weight, used only when `generatorAdversarial` is null. */
  adaptiveWeightFactor: number;
  /** Upper clamp of the adaptive weight's gradient-norm ratio (lower clamp 0). */
  adaptiveWeightMax: number;
  /** Added to the adversarial gradient norm in the adaptive weight's denominator. */
  adaptiveWeightEps: number;
  /** Weight of the LeCam regulariser added to the hinge discriminator loss. */
  lecam: number;
  /** Decay of the exponential moving averages of the real and fake logits used by LeCam. */
  lecamEmaDecay: number;
  /** Weight of the entropy loss `w_s * H_tok - w_b * H_cb`. */
  entropy: number;
  /** Weight `w_s` of the per-sample entropy inside the entropy loss. */
  sampleEntropy: number;
  /** Weight `w_b` of the codebook entropy inside the entropy loss. */
  codebookEntropy: number;
  /** Weight of the commitment loss. */
  commitment: number;
}

/** Defaults shared by the released configs CR24, CR48, CR192 and CR768. */
export const LOSS_DEFAULTS: Readonly<LossWeights> = Object.freeze({
  reconstruction: 1.0,
  perceptual: 1.0,
  generatorAdversarial: 0.1,
  adaptiveWeightFactor: 0.8,
  adaptiveWeightMax: 1e4,
  adaptiveWeightEps: 1e-4,
  lecam: 0.05,
  lecamEmaDecay: 0.999,
  entropy: 0.1,
  sampleEntropy: 1.0,
  codebookEntropy: 1.0,
  commitment: 0.25,
});
