/**
 * The interface every quantizer implements (LFQ, GQ, BSQ, FSQ, VQ), and the
 * shared code that maps codes to integer digits and packed indices.
 *
 * Shapes are NHWC: a latent is `[B, h, w, d]`. A token's code is described by
 * `D` integer digits with fixed radices (one bit per channel for the binary
 * quantizers, one level index per channel for FSQ, one codeword index for VQ),
 * grouped into `g` per-group indices, see `code_indices.ts`.
 */
import { tf } from "../engine/mod.ts";
import { type CodeIndices, packGroupIndices, unpackGroupIndices } from "./code_indices.ts";

/** Names of the quantizers. */
export type QuantizerKind = "lfq" | "gq" | "bsq" | "fsq" | "vq";

/** Options of {@link Quantizer.quantize}. */
export interface QuantizeOptions {
  /**
   * Training mode (default false): straight-through codes and the auxiliary
   * losses. Evaluation mode returns the plain codes and no losses.
   */
  training?: boolean;
}

/** The auxiliary losses of one quantization, each a scalar; entropies in nats. */
export interface QuantizerLosses {
  /** Commitment loss `mean((z - stopGradient(code))^2)` before its weight. */
  commitment: tf.Scalar;
  /** VQ codebook loss `mean((stopGradient(z) - code)^2)`; 0 for the other quantizers. */
  codebook: tf.Scalar;
  /** Per-sample entropy `H_tok`; 0 for quantizers without an entropy term. */
  perSampleEntropy: tf.Scalar;
  /** Codebook entropy estimate `H_cb`; 0 for quantizers without an entropy term. */
  codebookEntropy: tf.Scalar;
  /** Entropy loss `w_s H_tok - w_b H_cb`; 0 for quantizers without an entropy term. */
  entropy: tf.Scalar;
  /** `entropyWeight * entropy + commitmentWeight * commitment + codebook`, the term added to the training loss. */
  total: tf.Scalar;
}

/** Output of {@link Quantizer.quantize}. */
export interface QuantizeResult {
  /** Quantized latent `[B, h, w, d]`; straight-through in training mode. */
  codes: tf.Tensor4D;
  /** Integer digits `[B, h, w, D]` (int32) of each token's code. */
  digits: tf.Tensor4D;
  /** Auxiliary losses in training mode, null in evaluation mode. */
  losses: QuantizerLosses | null;
}

/** A quantizer of NHWC latents with exact integer indices. */
export interface Quantizer {
  readonly kind: QuantizerKind;
  /** Channels `d` of the latent. */
  readonly dim: number;
  /** Index groups `g` per token. */
  readonly groups: number;
  /** Radix of each of the `D` digits of a token. */
  readonly radices: readonly number[];
  /** Quantizes a latent `[B, h, w, d]`. */
  quantize(z: tf.Tensor4D, options?: QuantizeOptions): QuantizeResult;
  /** Computes the digits `[B, h, w, D]` (int32) of quantized codes. */
  codesToDigits(codes: tf.Tensor4D): tf.Tensor4D;
  /** Computes the codes `[B, h, w, d]` of digits; exact inverse of {@link codesToDigits}. */
  digitsToCodes(digits: tf.Tensor4D): tf.Tensor4D;
  /** Packs digits into per-group indices on the host. */
  digitsToIndices(digits: tf.Tensor4D): Promise<CodeIndices>;
  /** Packs the codes of a quantized latent into per-group indices on the host. */
  codesToIndices(codes: tf.Tensor4D): Promise<CodeIndices>;
  /** Decodes per-group indices into codes `[B, h, w, d]`, exactly the quantized output. */
  indicesToCodes(indices: CodeIndices): tf.Tensor4D;
  /** Trainable variables (the VQ codebook); empty for the other quantizers. */
  trainableVariables(): tf.Variable[];
}

/** Options every quantizer accepts. */
export interface CommonQuantizerOptions {
  /**
   * Check that latents are finite before quantizing (default true). The check
   * reads one value back synchronously, which the webgpu backend does not
   * support; turn it off there.
   */
  checkFinite?: boolean;
}

/** Official WeTok weight of the commitment loss (0.25). */
export const DEFAULT_COMMITMENT_WEIGHT = 0.25;

/** Official WeTok weight of the entropy loss in the total loss (0.1). */
export const DEFAULT_ENTROPY_WEIGHT = 0.1;

/**
 * Throws unless `z` is a rank-4 `[B, h, w, d]` tensor with `d = dim` and, when
 * `checkFinite` is set, only finite values. The message names the quantizer
 * and the shape, or the first non-finite value and its position.
 */
export function checkLatent(
  z: tf.Tensor,
  dim: number,
  name: string,
  checkFinite: boolean,
): asserts z is tf.Tensor4D {
  if (z.rank !== 4 || z.shape[3] !== dim) {
    throw new RangeError(
      `${name}: invalid latent of shape [${z.shape}]: expected rank 4 [B, h, w, d] with d = ${dim} (NHWC)`,
    );
  }
  if (!checkFinite) return;
  // Any NaN or infinity turns the sum of z * 0 into NaN, so one value is read back.
  // NOTE: dataSync fails on the webgpu backend; callers there pass checkFinite: false.
  const probe = tf.tidy(() => tf.sum(tf.mul(z, 0)));
  const ok = Number.isFinite(probe.dataSync()[0]);
  probe.dispose();
  if (ok) return;
  const values = z.dataSync();
  const at = values.findIndex((v) => !Number.isFinite(v));
  const [, h, w, d] = z.shape;
  const position = [
    Math.floor(at / (h * w * d)),
    Math.floor(at / (w * d)) % h,
    Math.floor(at / d) % w,
    at % d,
  ];
  throw new RangeError(
    `${name}: latent value ${
      values[at]
    } at [${position}] is not finite; check the encoder output ` +
      `(a diverged training step or a bad input image)`,
  );
}

/** Shared host-side packing of digits into indices, for every quantizer. */
export abstract class DigitQuantizer implements Quantizer {
  abstract readonly kind: QuantizerKind;
  abstract readonly dim: number;
  abstract readonly groups: number;
  abstract readonly radices: readonly number[];
  abstract quantize(z: tf.Tensor4D, options?: QuantizeOptions): QuantizeResult;
  abstract codesToDigits(codes: tf.Tensor4D): tf.Tensor4D;
  abstract digitsToCodes(digits: tf.Tensor4D): tf.Tensor4D;

  async digitsToIndices(digits: tf.Tensor4D): Promise<CodeIndices> {
    const [b, h, w, count] = digits.shape;
    if (count !== this.radices.length) {
      throw new RangeError(
        `${this.kind}: digits have ${count} per token, expected ${this.radices.length}`,
      );
    }
    return packGroupIndices(await digits.data(), [b, h, w], this.radices, this.groups);
  }

  async codesToIndices(codes: tf.Tensor4D): Promise<CodeIndices> {
    const digits = this.codesToDigits(codes);
    try {
      return await this.digitsToIndices(digits);
    } finally {
      digits.dispose();
    }
  }

  indicesToCodes(indices: CodeIndices): tf.Tensor4D {
    if (indices.groups !== this.groups) {
      throw new RangeError(
        `${this.kind}: indices have ${indices.groups} groups per token, but this quantizer has ${this.groups}; ` +
          `decode them with the quantizer that encoded them`,
      );
    }
    const digits = unpackGroupIndices(indices, this.radices);
    const [b, h, w] = indices.shape;
    return tf.tidy(() =>
      this.digitsToCodes(tf.tensor4d(digits, [b, h, w, this.radices.length], "int32"))
    );
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }
}

/** Returns a scalar zero, for losses a quantizer does not have. */
export function zeroLoss(): tf.Scalar {
  return tf.scalar(0);
}
