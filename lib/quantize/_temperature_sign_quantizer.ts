/**
 * Shared implementation of LFQ and GQ: a sign quantizer on the raw latent,
 * with codes in `{-1,+1}^d` and the soft assignment
 * `P(c_k = +1 | u) = sigmoid(4 u_k / tau)` of the entropy regulariser.
 */
import { tf } from "../engine/mod.ts";
import { type CodebookEntropyMethod, DEFAULT_TEMPERATURE, lfqBitLogits } from "../entropy/mod.ts";
import { checkFiniteOption, SignQuantizer, type SignQuantizerOptions } from "./_sign_quantizer.ts";

/** Options of the sign quantizers with a temperature (LFQ and GQ). */
export interface TemperatureSignQuantizerOptions extends SignQuantizerOptions {
  /** Temperature `tau` of the soft assignment (default 0.01, the official value). */
  temperature?: number;
}

/** Sign quantizer without projection, unit codes and a temperature `tau` (LFQ and GQ). */
export abstract class TemperatureSignQuantizer extends SignQuantizer {
  /** Temperature `tau` of the soft assignment. */
  readonly temperature: number;

  /** @throws RangeError naming the option when `temperature` is not a finite number above 0. */
  constructor(
    options: TemperatureSignQuantizerOptions,
    groups: number,
    defaultMethod: CodebookEntropyMethod,
  ) {
    super(options, groups, defaultMethod);
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
