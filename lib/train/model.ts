/**
 * The minimal interfaces the trainer needs from a tokenizer, a discriminator,
 * the losses and a data source. `lib/nn`, `lib/quantize`, `lib/loss` and
 * `lib/data` provide implementations; tests may provide small ones.
 *
 * All images are NHWC float32 in [-1, 1].
 */
import type { Rng, tf } from "../engine/mod.ts";

/** Variables by stable name (the official state-dict name where one exists). */
export type NamedVariables = Record<string, tf.Variable>;

/** Groups of generator parameters that the two stages treat differently. */
export type GeneratorGroup = "encoder" | "quantizer" | "decoder";

/** Quantizer output for one batch of encoder outputs. */
export interface QuantizerOutput {
  /** Straight-through codes, same shape as the latent `[B, h, w, d]`. */
  codes: tf.Tensor4D;
  /**
   * Unweighted loss terms by name (for example `commitment` and `entropy`); the
   * trainer multiplies each by its weight from the config.
   */
  terms: Record<string, tf.Scalar>;
}

/** Encoder, quantizer and (deterministic or generative) decoder. */
export interface TrainableTokenizer {
  /**
   * Trainable variables of one group by name. After {@link enableNoise} the
   * decoder group contains the widened first conv, so callers fetch groups again.
   */
  parameters(group: GeneratorGroup): NamedVariables;
  /** Every variable a checkpoint must store (trainable ones and buffers), by unique name. */
  stateVariables(): NamedVariables;
  /** Maps images `[B, H, W, 3]` to the latent `[B, h, w, d]`. */
  encode(images: tf.Tensor4D): tf.Tensor4D;
  /** Quantizes a latent; gradients reach the encoder through the straight-through codes. */
  quantize(latent: tf.Tensor4D): QuantizerOutput;
  /**
   * Decodes codes to images. `noise` has the codes' shape and is used only
   * after {@link enableNoise}; null means zero noise (deterministic decoding).
   */
  decode(codes: tf.Tensor4D, noise: tf.Tensor4D | null): tf.Tensor4D;
  /**
   * Widens the decoder's first conv from `d` to `2d` input channels, with zero
   * weights for the noise channels, so the output is unchanged at first
   * (the generative decoder of WeTok, arXiv 2508.05599). Calling it twice is an error.
   */
  enableNoise(): void;
  /** True after {@link enableNoise}. */
  readonly noiseEnabled: boolean;
  /**
   * Kernel of the decoder's last layer, where the adaptive adversarial weight
   * compares gradient norms; needed only with `weights.generatorAdversarial = "adaptive"`.
   */
  lastLayerWeight?(): tf.Variable;
}

/** Image discriminator for the adversarial losses. */
export interface TrainableDiscriminator {
  /** Trainable variables by name. */
  parameters(): NamedVariables;
  /** Every variable a checkpoint must store (batch-norm statistics included), by unique name. */
  stateVariables(): NamedVariables;
  /** Returns real-versus-fake logits (any shape, for example PatchGAN's `[B, h, w, 1]`). */
  logits(images: tf.Tensor4D): tf.Tensor;
}

/**
 * Loss functions. Weights are not applied here: the trainer multiplies each
 * term by its weight from the config.
 */
export interface TrainLosses {
  /** Reconstruction loss, for example mean absolute error. */
  reconstruction(target: tf.Tensor4D, output: tf.Tensor4D): tf.Scalar;
  /** Perceptual distance through frozen features, or null when no feature network is available. */
  perceptual: ((target: tf.Tensor4D, output: tf.Tensor4D) => tf.Scalar) | null;
  /** Generator adversarial loss from the logits of generated images (non-saturating in WeTok). */
  generatorAdversarial(fakeLogits: tf.Tensor): tf.Scalar;
  /** Discriminator loss from real and generated logits (hinge in WeTok). */
  discriminatorAdversarial(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar;
  /**
   * LeCam regulariser (Tseng et al., 2021) given the running means of the
   * real and fake logits: `mean(relu(real - emaFake)^2) + mean(relu(emaReal - fake)^2)`.
   * The means carry no gradient.
   */
  lecam(
    realLogits: tf.Tensor,
    fakeLogits: tf.Tensor,
    emaReal: number | tf.Scalar,
    emaFake: number | tf.Scalar,
  ): tf.Scalar;
}

/** Source of training batches. */
export interface TrainData {
  /**
   * Draws a batch `[batchSize, cropSize, cropSize, 3]` in [-1, 1]. All
   * randomness must come from `rng`, so that restoring the generator state
   * restores the data order.
   */
  sampleBatch(batchSize: number, cropSize: number, rng: Rng): tf.Tensor4D;
}
