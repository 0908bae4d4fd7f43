/**
 * Group-wise lookup-free quantization (GQ, WeTok, arXiv 2508.05599): LFQ whose
 * `d` bits split into `g` consecutive groups of `d/g` bits, one index per
 * group (channels `[k d/g, (k+1) d/g)` form group `k`, bits lsb-first), and
 * whose codebook entropy is estimated group by group.
 */
import {
  TemperatureSignQuantizer,
  type TemperatureSignQuantizerOptions,
} from "./_temperature_sign_quantizer.ts";

/** Options of {@link GqQuantizer}. */
export interface GqOptions extends TemperatureSignQuantizerOptions {
  /** Groups `g`; must divide `dim`. The released WeTok models use 8-bit groups. */
  groups: number;
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
export class GqQuantizer extends TemperatureSignQuantizer {
  readonly kind = "gq" as const;

  constructor(options: GqOptions) {
    super(options, options.groups, "group-sum");
  }
}
