/**
 * Vector quantization (VQ, van den Oord et al. 2017): a learned codebook of
 * `K` vectors, nearest-neighbour assignment in Euclidean distance, a codebook
 * loss and a commitment loss, and straight-through gradients to the encoder.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { checkFiniteOption } from "./_sign_quantizer.ts";
import {
  checkLatent,
  type CommonQuantizerOptions,
  DEFAULT_COMMITMENT_WEIGHT,
  DigitQuantizer,
  type QuantizeOptions,
  type QuantizeResult,
  zeroLoss,
} from "./quantizer.ts";
import { stopGradient, straightThrough } from "./straight_through.ts";

/**
 * Gathers codebook rows `[tokens, d]` with a float32 zero gradient for the
 * indices. Stock `gather` fails in backprop when its int32 indices depend on a
 * differentiated variable, as they do here through the nearest-neighbour
 * search, because tfjs 4.22 requires a float32 gradient for every input.
 */
function gatherCodewords(codebook: tf.Tensor2D, index: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [table, rows] = args as [tf.Tensor2D, tf.Tensor1D];
    const value = tf.gather(table, rows);
    const gradFunc = (dy: tf.Tensor) => {
      // The wasm backend's OneHot kernel (tfjs 4.22) ignores the dtype and writes int32
      // bits into a float32 output, so the one-hot matrix is built as int32 and cast.
      const selector = tf.cast(tf.oneHot(rows, table.shape[0]), "float32") as tf.Tensor2D;
      return [tf.matMul(selector, dy as tf.Tensor2D, true, false), tf.zeros(rows.shape, "float32")];
    };
    return { value, gradFunc };
  });
  return op(codebook, index) as tf.Tensor2D;
}

/** Options of {@link VqQuantizer}. */
export interface VqOptions extends CommonQuantizerOptions {
  /** Channels `d` of the latent and of each codeword. */
  dim: number;
  /** Codewords `K`, at least 2. */
  codebookSize: number;
  /** Seeded source of the codebook initialisation. */
  rng: Rng;
  /** Weight `beta` of the commitment loss in `total` (default 0.25). */
  commitmentWeight?: number;
  /** Name of the codebook variable, unique among live variables (default: a name tfjs generates). */
  name?: string;
}

/**
 * VQ with a codebook initialised uniformly in `[-1/K, 1/K]`, the
 * initialisation of VQGAN's quantizer. The token index is the codeword index
 * (one digit of radix `K`). `total = codebook + beta * commitment`.
 */
export class VqQuantizer extends DigitQuantizer {
  readonly kind = "vq" as const;
  readonly dim: number;
  readonly groups = 1;
  readonly radices: readonly number[];
  readonly commitmentWeight: number;
  readonly checkFinite: boolean;
  /** Codebook `[K, d]`. */
  readonly codebook: tf.Variable<tf.Rank.R2>;

  constructor(options: VqOptions) {
    super();
    const { dim, codebookSize } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new RangeError(
        `VQ: invalid latent channel count d = ${dim}: expected a positive integer`,
      );
    }
    if (!Number.isInteger(codebookSize) || codebookSize < 2 || codebookSize > 2 ** 31 - 1) {
      throw new RangeError(
        `VQ: invalid codebook size ${codebookSize}: expected an integer in [2, 2^31)`,
      );
    }
    this.dim = dim;
    this.radices = [codebookSize];
    this.commitmentWeight = checkFiniteOption(
      "commitmentWeight",
      options.commitmentWeight ?? DEFAULT_COMMITMENT_WEIGHT,
    );
    this.checkFinite = options.checkFinite ?? true;
    const bound = 1 / codebookSize;
    const init = options.rng.uniformArray(codebookSize * dim, -bound, bound);
    // The variable keeps its own reference to the data, so the initial tensor is freed.
    const initial = tf.tensor2d(init, [codebookSize, dim]);
    this.codebook = tf.variable(initial, true, options.name);
    initial.dispose();
  }

  /** Codewords `K`. */
  get codebookSize(): number {
    return this.radices[0];
  }

  /** Returns the index `[tokens]` (int32) of the nearest codeword of each row of `flat` `[tokens, d]`. */
  #nearest(flat: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      // |z - e|^2 = |z|^2 - 2 z.e + |e|^2; |z|^2 is the same for every codeword and is left out.
      const cross = tf.matMul(flat, this.codebook, false, true);
      const norms = tf.sum(tf.square(this.codebook), 1);
      return tf.argMin(tf.sub(norms, tf.mul(cross, 2)), 1) as tf.Tensor1D;
    });
  }

  quantize(z: tf.Tensor4D, options: QuantizeOptions = {}): QuantizeResult {
    checkLatent(z, this.dim, this.kind, this.checkFinite);
    const [b, h, w] = z.shape;
    if (!(options.training ?? false)) {
      const { codes, digits } = tf.tidy(() => {
        const digits = this.codesToDigits(z);
        return { codes: this.digitsToCodes(digits), digits };
      });
      return { codes, digits, losses: null };
    }
    const result = tf.tidy(() => {
      const flat = tf.reshape(z, [-1, this.dim]) as tf.Tensor2D;
      const index = this.#nearest(flat);
      const chosen = tf.reshape(gatherCodewords(this.codebook, index), [
        b,
        h,
        w,
        this.dim,
      ]) as tf.Tensor4D;
      const codes = straightThrough(
        z,
        () => tf.reshape(tf.gather(this.codebook, index), [b, h, w, this.dim]),
      );
      const codebook = tf.mean(tf.squaredDifference(stopGradient(z), chosen)) as tf.Scalar;
      const commitment = tf.mean(tf.squaredDifference(z, stopGradient(chosen))) as tf.Scalar;
      return {
        codes,
        digits: tf.reshape(index, [b, h, w, 1]) as tf.Tensor4D,
        losses: {
          commitment,
          codebook,
          perSampleEntropy: zeroLoss(),
          codebookEntropy: zeroLoss(),
          entropy: zeroLoss(),
          total: tf.add(codebook, tf.mul(commitment, this.commitmentWeight)) as tf.Scalar,
        },
      };
    });
    return result as unknown as QuantizeResult;
  }

  codesToDigits(codes: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = codes.shape;
    return tf.tidy(() =>
      tf.reshape(this.#nearest(tf.reshape(codes, [-1, this.dim])), [b, h, w, 1])
    );
  }

  digitsToCodes(digits: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = digits.shape;
    return tf.tidy(() =>
      tf.reshape(tf.gather(this.codebook, tf.reshape(digits, [-1])), [b, h, w, this.dim])
    );
  }

  override trainableVariables(): tf.Variable[] {
    return [this.codebook];
  }

  /** Releases the codebook variable. */
  dispose(): void {
    this.codebook.dispose();
  }
}
