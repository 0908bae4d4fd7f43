/**
 * Lookup-free quantization (LFQ, Yu et al. 2023, MAGVIT-v2) as WeTok uses it
 * (arXiv 2508.05599): `q(u) = sign(u)` in `{-1,+1}^d`, zero mapping to -1,
 * one index of `d` bits per token, and the entropy regulariser with the exact
 * codebook entropy over all `2^d` codes by default.
 */
import { tf } from "../engine/mod.ts";
import { DEFAULT_TEMPERATURE, lfqBitLogits } from "../entropy/mod.ts";
import { checkFiniteOption, SignQuantizer, type SignQuantizerOptions } from "./_sign_quantizer.ts";

/** Options of {@link LfqQuantizer}. */
export interface LfqOptions extends SignQuantizerOptions {
  /** Temperature `tau` of the soft assignment (default 0.01, the official value). */
  temperature?: number;
}

/**
 * LFQ: the latent's signs are the code. In training mode, codes are
 * straight-through and the losses contain the commitment loss and the entropy
 * loss, with the `exact` estimator unless `entropyMethod` selects another.
 *
 * @example
 * ```ts
 * const lfq = new LfqQuantizer({ dim: 16 });
 * const { codes, losses } = lfq.quantize(z, { training: true });
 * const indices = await lfq.codesToIndices(codes);   // 16-bit indices, lsb-first
 * ```
 */
export class LfqQuantizer extends SignQuantizer {
  readonly kind = "lfq" as const;
  /** Temperature `tau` of the soft assignment. */
  readonly temperature: number;

  constructor(options: LfqOptions) {
    super(options, 1, "exact");
    this.temperature = checkFiniteOption(
      "temperature",
      options.temperature ?? DEFAULT_TEMPERATURE,
      true,
    );
  }

  protected project(z: tf.Tensor4D): tf.Tensor4D {
    return z;
  }

  protected codeScale(): number {
    return 1;
  }

  protected bitLogits(projected: tf.Tensor2D): tf.Tensor2D {
    return lfqBitLogits(projected, this.temperature);
  }
}
