/**
 * Finite scalar quantization (FSQ, Mentzer et al. 2023, arXiv 2309.15505).
 *
 * Channel `i` is bounded to `L_i` values and rounded. The bound is
 * `b(z) = tanh(z + s) * h - o` with `h = (L - 1)(1 + 1e-3) / 2`, `o = 0.5` for
 * even `L` (else 0) and `s = atanh(o / h)`. The code is `round(b(z)) / floor(L/2)`,
 * with a straight-through gradient through the rounding. The digit of channel
 * `i` is `round(b(z)) + floor(L/2)` in `[0, L)`, and the token index is the
 * mixed-radix number of the digits, first channel least significant.
 */
import { tf } from "../engine/mod.ts";
import {
  checkLatent,
  type CommonQuantizerOptions,
  DigitQuantizer,
  type QuantizeOptions,
  type QuantizeResult,
  zeroLoss,
} from "./quantizer.ts";
import { straightThrough } from "./straight_through.ts";

/** Options of {@link FsqQuantizer}. */
export interface FsqOptions extends CommonQuantizerOptions {
  /** Levels per channel, each an integer of at least 2, for example [8, 8, 8, 5, 5, 5]; `d` is their count. */
  levels: readonly number[];
}

/** Margin of the bound that keeps `tanh` from reaching the outer rounding edges (1e-3, as in the FSQ paper's code). */
const BOUND_MARGIN = 1e-3;

/** FSQ over `d = levels.length` channels, one mixed-radix index per token. It has no auxiliary loss. */
export class FsqQuantizer extends DigitQuantizer {
  readonly kind = "fsq" as const;
  readonly dim: number;
  readonly groups = 1;
  readonly radices: readonly number[];
  readonly checkFinite: boolean;
  readonly #halfLevels: number[];
  readonly #offsets: number[];
  readonly #shifts: number[];
  readonly #halfWidths: number[];

  constructor(options: FsqOptions) {
    super();
    const levels = options.levels;
    if (!Array.isArray(levels) || levels.length === 0) {
      throw new RangeError(
        `FSQ: invalid levels ${
          JSON.stringify(levels)
        }: expected a non-empty list such as [8, 8, 8, 5, 5, 5]`,
      );
    }
    levels.forEach((level, i) => {
      if (!Number.isInteger(level) || level < 2) {
        throw new RangeError(
          `FSQ: invalid level ${level} for channel ${i}: every level must be an integer of at least 2`,
        );
      }
    });
    this.dim = levels.length;
    this.radices = [...levels];
    this.checkFinite = options.checkFinite ?? true;
    this.#halfLevels = levels.map((l) => ((l - 1) * (1 + BOUND_MARGIN)) / 2);
    this.#offsets = levels.map((l) => (l % 2 === 0 ? 0.5 : 0));
    this.#shifts = levels.map((_, i) => Math.atanh(this.#offsets[i] / this.#halfLevels[i]));
    this.#halfWidths = levels.map((l) => Math.floor(l / 2));
  }

  /** Levels per channel. */
  get levels(): readonly number[] {
    return this.radices;
  }

  /** Bounds each channel to `(-h - o, h - o)` before rounding. */
  #bound(z: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const shifted = tf.add(z, tf.tensor1d(this.#shifts));
      return tf.sub(
        tf.mul(tf.tanh(shifted), tf.tensor1d(this.#halfLevels)),
        tf.tensor1d(this.#offsets),
      );
    });
  }

  quantize(z: tf.Tensor4D, options: QuantizeOptions = {}): QuantizeResult {
    checkLatent(z, this.dim, this.kind, this.checkFinite);
    const training = options.training ?? false;
    const { codes, digits } = tf.tidy(() => {
      const bounded = this.#bound(z);
      const rounded = training ? straightThrough(bounded, (x) => tf.round(x)) : tf.round(bounded);
      const codes = tf.div(rounded, tf.tensor1d(this.#halfWidths)) as tf.Tensor4D;
      const digits = tf.cast(
        tf.add(tf.round(bounded), tf.tensor1d(this.#halfWidths)),
        "int32",
      ) as tf.Tensor4D;
      return { codes, digits };
    });
    if (!training) return { codes, digits, losses: null };
    const losses = {
      commitment: zeroLoss(),
      codebook: zeroLoss(),
      perSampleEntropy: zeroLoss(),
      codebookEntropy: zeroLoss(),
      entropy: zeroLoss(),
      total: zeroLoss(),
    };
    return { codes, digits, losses };
  }

  codesToDigits(codes: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const halfWidths = tf.tensor1d(this.#halfWidths);
      return tf.cast(
        tf.round(tf.add(tf.mul(codes, halfWidths), halfWidths)),
        "int32",
      ) as tf.Tensor4D;
    });
  }

  digitsToCodes(digits: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const halfWidths = tf.tensor1d(this.#halfWidths);
      return tf.div(tf.sub(tf.cast(digits, "float32"), halfWidths), halfWidths) as tf.Tensor4D;
    });
  }
}
