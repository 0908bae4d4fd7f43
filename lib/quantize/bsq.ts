/**
 * Binary spherical quantization (BSQ, Zhao et al. 2024): the latent is
 * projected onto the unit sphere, the code is `sign(u) / sqrt(d)`, and the
 * per-bit probability of the soft assignment is `sigmoid(4 kappa u_k / sqrt(d))`.
 * Indices come from the sign pattern (bit 1 when `u_k > 0`), never from the
 * scaled code values.
 */
import { tf } from "../engine/mod.ts";
import { bsqBitLogits } from "../entropy/mod.ts";
import { checkFiniteOption, SignQuantizer, type SignQuantizerOptions } from "./_sign_quantizer.ts";

/** Options of {@link BsqQuantizer}. */
export interface BsqOptions extends SignQuantizerOptions {
  /** Index groups `g` (default 1); must divide `dim`. */
  groups?: number;
  /** Inverse temperature `kappa` (default 1). */
  kappa?: number;
}

/** Norm below which a latent is treated as zero when projecting onto the sphere. */
const NORM_FLOOR = 1e-12;

/**
 * BSQ, with the `bitwise` estimator by default. The commitment loss compares
 * the projected latent with its code.
 */
export class BsqQuantizer extends SignQuantizer {
  readonly kind = "bsq" as const;
  /** Inverse temperature `kappa`. */
  readonly kappa: number;

  constructor(options: BsqOptions) {
    super(options, options.groups ?? 1, "bitwise");
    this.kappa = checkFiniteOption("kappa", options.kappa ?? 1, true);
  }

  protected project(z: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const norm = tf.sqrt(tf.sum(tf.square(z), 3, true));
      return tf.div(z, tf.maximum(norm, NORM_FLOOR));
    });
  }

  protected codeScale(): number {
    return 1 / Math.sqrt(this.dim);
  }

  protected bitLogits(projected: tf.Tensor2D): tf.Tensor2D {
    return bsqBitLogits(projected, this.kappa);
  }
}
