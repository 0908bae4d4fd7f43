/**
 * Group-wise lookup-free quantization (GQ, WeTok, arXiv 2508.05599): LFQ whose
 * `d` bits split into `g` consecutive groups of `d/g` bits, one index per
 * group (channels `[k d/g, (k+1) d/g)` form group `k`, bits lsb-first), and
 * whose codebook entropy is estimated group by group.
 */
import { tf } from "../engine/mod.ts";
import { DEFAULT_TEMPERATURE, lfqBitLogits } from "../entropy/mod.ts";
import { checkFiniteOption, SignQuantizer, type SignQuantizerOptions } from "./_sign_quantizer.ts";

/** Options of {@link GqQuantizer}. */
export interface GqOptions extends SignQuantizerOptions {
  /** Groups `g`; must divide `dim`. The released WeTok models use 8-bit groups. */
  groups: number;
  /** Temperature `tau` of the soft assignment (default 0.01, the official value). */
  temperature?: number;
}

/**
 * GQ. The default estimator is `group-sum`, `sum_k H(pbar_k)`, the paper's
 * equation; `group-pooled` reproduces what the released code computes.
 *
 * @example
 * ```ts
 * const gq = new GqQuantizer({ dim: 32, groups: 4 });          // 4 groups of 8 bits
 * const { codes, losses } = gq.quantize(z, { training: true });
 * ```
 */
export class GqQuantizer extends SignQuantizer {
  readonly kind = "gq" as const;
  /** Temperature `tau` of the soft assignment. */
  readonly temperature: number;

  constructor(options: GqOptions) {
    super(options, options.groups, "group-sum");
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
