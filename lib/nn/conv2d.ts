/**
 * 2-D convolution with PyTorch-style explicit zero padding.
 *
 * TensorFlow's `'same'` padding puts the extra pixel of an even-sized stride-2
 * conv only at the bottom and right, while PyTorch's `padding=1` pads every
 * side. Padding with `tf.pad` and then convolving with `'valid'` gives the
 * numbers of the official PyTorch modules (WeTok, arXiv 2508.05599).
 */
import { type Rng, tf } from "../engine/mod.ts";
import { normalInit, torchDefaultUniform } from "./init.ts";
import type { ParameterStore } from "./parameter_store.ts";

/** Shape and options of a {@link Conv2d}. */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  /** Square kernel side in pixels. */
  kernelSize: number;
  /** Stride in pixels (default 1). */
  stride?: number;
  /** Zeros added on each of the four sides, in pixels (default 0). */
  padding?: number;
  /** Whether the layer has a bias (default true, as in PyTorch). */
  bias?: boolean;
  /**
   * Standard deviation of a normal initialisation of the kernel. When unset,
   * the kernel gets PyTorch's default uniform initialisation.
   */
  initStd?: number;
  /** Whether optimizers may update the weights (default true). Frozen networks pass false. */
  trainable?: boolean;
}

/**
 * Applies `conv2d` to an NHWC tensor with explicit symmetric padding.
 *
 * @param kernel HWIO kernel.
 * @param bias `[out]` bias, or null.
 * @param stride stride in pixels.
 * @param padding zeros added on each side, in pixels.
 */
export function conv2dPadded(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  stride: number,
  padding: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const padded = padding > 0
      ? tf.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
      : x;
    const y = tf.conv2d(padded, kernel, stride, "valid");
    return bias === null ? y : tf.add(y, bias);
  });
}

/**
 * Conv layer registering `<prefix>.weight` (HWIO) and `<prefix>.bias` in a
 * {@link ParameterStore}.
 */
export class Conv2d {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly stride: number;
  readonly padding: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** State-dict prefix, used in error messages. */
  readonly name: string;

  constructor(store: ParameterStore, prefix: string, options: Conv2dOptions, rng: Rng) {
    const { inChannels, outChannels, kernelSize } = options;
    for (const [key, value] of Object.entries({ inChannels, outChannels, kernelSize })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`${prefix}: ${key} must be a positive integer, got ${value}`);
      }
    }
    this.name = prefix;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const fanIn = inChannels * kernelSize * kernelSize;
    const shape = [kernelSize, kernelSize, inChannels, outChannels];
    const kernel = options.initStd === undefined
      ? torchDefaultUniform(rng, shape, fanIn)
      : normalInit(rng, shape, 0, options.initStd);
    const trainable = options.trainable ?? true;
    this.weight = store.add(`${prefix}.weight`, kernel, trainable);
    kernel.dispose();
    if (options.bias ?? true) {
      const bias = torchDefaultUniform(rng, [outChannels], fanIn);
      this.bias = store.add(`${prefix}.bias`, bias, trainable);
      bias.dispose();
    } else {
      this.bias = null;
    }
  }

  /**
   * Convolves an NHWC tensor.
   *
   * @throws Error when the input's channel count differs from `inChannels`.
   */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    const channels = x.shape[3];
    if (channels !== this.weight.shape[2]) {
      throw new Error(
        `${this.name}: conv expects ${this.weight.shape[2]} input channels, got ${channels} ` +
          `(input shape [${x.shape}])`,
      );
    }
    return conv2dPadded(
      x,
      this.weight as tf.Tensor as tf.Tensor4D,
      this.bias as tf.Tensor as tf.Tensor1D | null,
      this.stride,
      this.padding,
    );
  }
}
