/**
 * Shared implementation of the sign quantizers (LFQ, GQ, BSQ): one bit per
 * channel, `u > 0` gives code +1 and bit 1, `u <= 0` gives code -1 and bit 0.
 */
import { tf } from "../engine/mod.ts";
import {
  type CodebookEntropyMethod,
  DEFAULT_CODEBOOK_WEIGHT,
  DEFAULT_SAMPLE_WEIGHT,
  entropyLoss,
  parseCodebookEntropyMethod,
} from "../entropy/mod.ts";
import {
  checkLatent,
  type CommonQuantizerOptions,
  DEFAULT_COMMITMENT_WEIGHT,
  DEFAULT_ENTROPY_WEIGHT,
  DigitQuantizer,
  type QuantizeOptions,
  type QuantizeResult,
  zeroLoss,
} from "./quantizer.ts";
import { stopGradient, straightThrough } from "./straight_through.ts";

/** Options of the sign quantizers. */
export interface SignQuantizerOptions extends CommonQuantizerOptions {
  /** Channels `d` of the latent, one bit each. */
  dim: number;
  /** Codebook-entropy estimator (default depends on the quantizer). */
  entropyMethod?: CodebookEntropyMethod;
  /** Weight `w_s` of the per-sample entropy (default 1.0). */
  sampleWeight?: number;
  /** Weight `w_b` of the codebook entropy (default 1.0). */
  codebookWeight?: number;
  /** Weight of the entropy loss in `total` (default 0.1, the official WeTok value). */
  entropyWeight?: number;
  /** Weight of the commitment loss in `total` (default 0.25, the official WeTok value). */
  commitmentWeight?: number;
  /** Working-memory budget of exact entropy enumerations, in bytes (default 1 GiB). */
  maxBytes?: number;
  /** Widest code an exact entropy enumeration accepts, in bits (default 32). */
  maxCodeBits?: number;
}

/** Throws unless `value` is a finite number, naming the option. */
export function checkFiniteOption(name: string, value: number, positive = false): number {
  if (!Number.isFinite(value) || (positive && value <= 0)) {
    throw new RangeError(
      `invalid ${name} ${value}: expected a finite number${positive ? " above 0" : ""}`,
    );
  }
  return value;
}

/** Sign quantizer over `d` channels in `g` index groups of `d/g` bits. */
export abstract class SignQuantizer extends DigitQuantizer {
  readonly dim: number;
  readonly groups: number;
  readonly radices: readonly number[];
  /** Codebook-entropy estimator used in training mode. */
  readonly entropyMethod: CodebookEntropyMethod;
  readonly sampleWeight: number;
  readonly codebookWeight: number;
  readonly entropyWeight: number;
  readonly commitmentWeight: number;
  readonly maxBytes: number | undefined;
  readonly maxCodeBits: number | undefined;
  readonly checkFinite: boolean;

  constructor(options: SignQuantizerOptions, groups: number, defaultMethod: CodebookEntropyMethod) {
    super();
    const { dim } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new RangeError(`invalid latent channel count d = ${dim}: expected a positive integer`);
    }
    if (!Number.isInteger(groups) || groups < 1 || dim % groups !== 0) {
      throw new RangeError(
        `invalid group count ${groups} for d = ${dim}: d must be divisible by the group count; ` +
          `choose a divisor of ${dim}`,
      );
    }
    this.dim = dim;
    this.groups = groups;
    this.radices = new Array(dim).fill(2);
    this.entropyMethod = parseCodebookEntropyMethod(options.entropyMethod ?? defaultMethod);
    this.sampleWeight = checkFiniteOption(
      "sampleWeight",
      options.sampleWeight ?? DEFAULT_SAMPLE_WEIGHT,
    );
    this.codebookWeight = checkFiniteOption(
      "codebookWeight",
      options.codebookWeight ?? DEFAULT_CODEBOOK_WEIGHT,
    );
    this.entropyWeight = checkFiniteOption(
      "entropyWeight",
      options.entropyWeight ?? DEFAULT_ENTROPY_WEIGHT,
    );
    this.commitmentWeight = checkFiniteOption(
      "commitmentWeight",
      options.commitmentWeight ?? DEFAULT_COMMITMENT_WEIGHT,
    );
    this.maxBytes = options.maxBytes;
    this.maxCodeBits = options.maxCodeBits;
    this.checkFinite = options.checkFinite ?? true;
  }

  /** Maps the latent to the point whose signs are taken (identity for LFQ). */
  protected abstract project(z: tf.Tensor4D): tf.Tensor4D;

  /** Magnitude of every code entry (1 for LFQ and GQ, `1/sqrt(d)` for BSQ). */
  protected abstract codeScale(): number;

  /** Per-bit logits `[tokens, d]` of the soft assignment of projected latents `[tokens, d]`. */
  protected abstract bitLogits(projected: tf.Tensor2D): tf.Tensor2D;

  quantize(z: tf.Tensor4D, options: QuantizeOptions = {}): QuantizeResult {
    checkLatent(z, this.dim, this.kind, this.checkFinite);
    if (!(options.training ?? false)) {
      const { codes, digits } = tf.tidy(() => {
        const digits = this.codesToDigits(this.project(z));
        return { codes: this.digitsToCodes(digits), digits };
      });
      return { codes, digits, losses: null };
    }
    const result = tf.tidy(() => {
      const projected = this.project(z);
      const digits = this.codesToDigits(projected);
      const codes = straightThrough(projected, (x) => this.digitsToCodes(this.codesToDigits(x)));
      const terms = entropyLoss(this.bitLogits(tf.reshape(projected, [-1, this.dim])), {
        method: this.entropyMethod,
        groups: this.entropyMethod === "exact" || this.entropyMethod === "bitwise"
          ? 1
          : this.groups,
        sampleWeight: this.sampleWeight,
        codebookWeight: this.codebookWeight,
        maxBytes: this.maxBytes,
        maxCodeBits: this.maxCodeBits,
      });
      // The straight-through codes have the hard codes' values, and their tape path has a gradient;
      // codes computed directly from `projected` pass through Greater, which has none.
      const commitment = tf.mean(tf.squaredDifference(projected, stopGradient(codes))) as tf.Scalar;
      const total = tf.add(
        tf.mul(terms.loss, this.entropyWeight),
        tf.mul(commitment, this.commitmentWeight),
      );
      return {
        codes,
        digits,
        losses: {
          commitment,
          codebook: zeroLoss(),
          perSampleEntropy: terms.perSampleEntropy,
          codebookEntropy: terms.codebookEntropy,
          entropy: terms.loss,
          total,
        },
      };
    });
    return result as unknown as QuantizeResult;
  }

  codesToDigits(codes: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.cast(tf.greater(codes, 0), "int32"));
  }

  digitsToCodes(digits: tf.Tensor4D): tf.Tensor4D {
    const scale = this.codeScale();
    return tf.tidy(() => tf.mul(tf.sub(tf.mul(tf.cast(digits, "float32"), 2), 1), scale));
  }
}
