/**
 * Frozen VGG16 feature extractor (Simonyan and Zisserman, 2015) with the taps
 * of LPIPS-VGG (Zhang et al., CVPR 2018): the ReLU outputs relu1_2, relu2_2,
 * relu3_3, relu4_3 and relu5_3. WeTok (arXiv 2508.05599) trains with this
 * perceptual loss.
 *
 * Weights use the names of torchvision's `vgg16().features` state dict
 * (`features.0.weight` ... `features.28.bias`). No reachable package ships
 * them, so users load their own file, for example torchvision's ImageNet
 * weights exported as float32 safetensors in PyTorch layout.
 */
import { Rng, tf } from "../engine/mod.ts";
import { Conv2d, deserializeWeights, ParameterStore } from "../nn/mod.ts";
import type { FeatureMapExtractor } from "./perceptual_loss.ts";

/** Channel widths of the five VGG16 blocks. */
export const VGG16_WIDTHS: readonly number[] = [64, 128, 256, 512, 512];

/** Indices in torchvision's `features` of the convs of each VGG16 block. */
const BLOCK_CONV_INDICES = [[0, 2], [5, 7], [10, 12, 14], [17, 19, 21], [24, 26, 28]];

/**
 * Shift of LPIPS's input scaling `(x - shift) / scale` per RGB channel, which
 * maps images in [-1, 1] close to ImageNet normalisation.
 */
export const LPIPS_SHIFT: readonly number[] = [-0.030, -0.088, -0.188];

/** Scale (divisor) of LPIPS's input scaling per RGB channel, see {@link LPIPS_SHIFT}. */
export const LPIPS_SCALE: readonly number[] = [0.458, 0.448, 0.450];

/** Options of {@link Vgg16Features}. */
export interface Vgg16Options {
  /**
   * Channel widths of the five blocks (default {@link VGG16_WIDTHS}). Narrower
   * widths build small networks of the same layout for tests.
   */
  widths?: readonly number[];
  /** Source of the placeholder weights that a weight file replaces (default seed 0). */
  rng?: Rng;
}

/**
 * VGG16 convolutional trunk returning the five LPIPS feature maps. Its
 * weights are registered as non-trainable, so optimizers never update them.
 */
export class Vgg16Features implements FeatureMapExtractor {
  readonly store = new ParameterStore();
  readonly #blocks: Conv2d[][];

  /** @throws RangeError when `widths` does not list five positive integers. */
  constructor(options: Vgg16Options = {}) {
    const widths = options.widths ?? VGG16_WIDTHS;
    if (widths.length !== 5 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
      throw new RangeError(`invalid VGG16 widths [${widths}]: expected five positive integers`);
    }
    const rng = options.rng ?? new Rng(0);
    let channels = 3;
    this.#blocks = BLOCK_CONV_INDICES.map((indices, block) =>
      indices.map((index) => {
        const conv = new Conv2d(this.store, `features.${index}`, {
          inChannels: channels,
          outChannels: widths[block],
          kernelSize: 3,
          padding: 1,
          trainable: false,
        }, rng);
        channels = widths[block];
        return conv;
      })
    );
  }

  /**
   * Loads torchvision VGG16 weights from safetensors bytes. Entries outside
   * `features.` (the classifier) are skipped.
   *
   * @param layout layout of the file's kernels (default: the file's metadata, else PyTorch).
   * @throws Error naming missing or mismatched tensors.
   */
  loadWeights(bytes: Uint8Array, layout?: "tfjs" | "torch"): void {
    deserializeWeights(this.store, bytes, {
      layout,
      ignoreUnexpected: (name) => !name.startsWith("features."),
    });
  }

  /** Returns relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3 for images in [-1, 1]. */
  featureMaps(images: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const taps: tf.Tensor4D[] = [];
      let x = tf.div(
        tf.sub(images, LPIPS_SHIFT as number[]),
        LPIPS_SCALE as number[],
      ) as tf.Tensor4D;
      this.#blocks.forEach((convs, block) => {
        if (block > 0) x = tf.maxPool(x, 2, 2, "valid");
        for (const conv of convs) x = tf.relu(conv.apply(x));
        taps.push(x);
      });
      return taps;
    });
  }

  /** Frees the weights. */
  dispose(): void {
    this.store.dispose();
  }
}
