/**
 * Lookup-free quantization (LFQ, Yu et al. 2023, MAGVIT-v2) as WeTok uses it
 * (arXiv 2508.05599): `q(u) = sign(u)` in `{-1,+1}^d`, zero mapping to -1,
 * one index of `d` bits per token, and the entropy regulariser with the exact
 * codebook entropy over all `2^d` codes by default.
 */
import {
  TemperatureSignQuantizer,
  type TemperatureSignQuantizerOptions,
} from "./_temperature_sign_quantizer.ts";

/** Options of {@link LfqQuantizer}. */
export type LfqOptions = TemperatureSignQuantizerOptions;

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
export class LfqQuantizer extends TemperatureSignQuantizer {
  readonly kind = "lfq" as const;

  constructor(options: LfqOptions) {
    super(options, 1, "exact");
  }
}
