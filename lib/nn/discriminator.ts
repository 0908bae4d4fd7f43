/**
 * PatchGAN discriminator (Isola et al., 2017) as used by WeTok (arXiv
 * 2508.05599): 4x4 convs with one pixel of padding,
 *
 *     3 -> 64 (stride 2, bias), LeakyReLU 0.2
 *     64 -> 128 (stride 2), BatchNorm, LeakyReLU 0.2
 *     128 -> 256 (stride 2), BatchNorm, LeakyReLU 0.2
 *     256 -> 512 (stride 1), BatchNorm, LeakyReLU 0.2
 *     512 -> 1 (stride 1, bias)
 *
 * for the defaults `ndf = 64`, `nLayers = 3`. Conv kernels start from
 * N(0, 0.02^2) and batch-norm scales from N(1, 0.02^2), as in the official
 * code. Weight names follow its state dict: `<prefix>.main.<index>.weight`,
 * where `index` counts every module of the sequence, activations included.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { BatchNorm } from "./batch_norm.ts";
import { Conv2d } from "./conv2d.ts";
import { ParameterStore } from "./parameter_store.ts";

/** Architecture of a {@link PatchDiscriminator}. */
export interface DiscriminatorConfig {
  /** Image channels (default 3). */
  inChannels?: number;
  /** Channels of the first conv (default 64). */
  ndf?: number;
  /** Number of stride-2 convs (default 3). */
  nLayers?: number;
}

/** Options of the {@link PatchDiscriminator} constructor. */
export interface DiscriminatorOptions {
  /** Seeded source of the initial weights. */
  rng: Rng;
  /** Store to register the weights in (default: a new store). */
  store?: ParameterStore;
  /** State-dict prefix (default "loss.discriminator", as in the official checkpoints). */
  prefix?: string;
}

/** Standard deviation of the discriminator's initial conv kernels and batch-norm scales. */
export const DISCRIMINATOR_INIT_STD = 0.02;

/** Negative slope of the discriminator's LeakyReLUs. */
export const LEAKY_RELU_SLOPE = 0.2;

interface Stage {
  conv: Conv2d;
  norm: BatchNorm | null;
  activation: boolean;
}

/**
 * Returns the filled-in architecture.
 *
 * @throws RangeError naming the invalid field.
 */
export function resolveDiscriminatorConfig(
  config: DiscriminatorConfig = {},
): Required<DiscriminatorConfig> {
  const resolved = {
    inChannels: config.inChannels ?? 3,
    ndf: config.ndf ?? 64,
    nLayers: config.nLayers ?? 3,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`invalid discriminator ${key} ${value}: it must be a positive integer`);
    }
  }
  return resolved;
}

/** PatchGAN discriminator mapping images `[B, H, W, 3]` to logits `[B, h, w, 1]`. */
export class PatchDiscriminator {
  readonly store: ParameterStore;
  readonly prefix: string;
  readonly config: Required<DiscriminatorConfig>;
  readonly #stages: Stage[] = [];

  constructor(config: DiscriminatorConfig, options: DiscriminatorOptions) {
    this.config = resolveDiscriminatorConfig(config);
    this.store = options.store ?? new ParameterStore();
    this.prefix = options.prefix ?? "loss.discriminator";
    const { inChannels, ndf, nLayers } = this.config;
    const { rng } = options;
    const conv = (index: number, cin: number, cout: number, stride: number, bias: boolean) =>
      new Conv2d(this.store, `${this.prefix}.main.${index}`, {
        inChannels: cin,
        outChannels: cout,
        kernelSize: 4,
        stride,
        padding: 1,
        bias,
        initStd: DISCRIMINATOR_INIT_STD,
      }, rng);
    const norm = (index: number, channels: number) =>
      new BatchNorm(this.store, `${this.prefix}.main.${index}`, channels, rng, {
        weightInitStd: DISCRIMINATOR_INIT_STD,
      });

    // Module indices count conv, norm and activation modules, as in nn.Sequential.
    let index = 0;
    this.#stages.push({
      conv: conv(index, inChannels, ndf, 2, true),
      norm: null,
      activation: true,
    });
    index += 2;
    let mult = 1;
    for (let n = 1; n <= nLayers; n++) {
      const previous = mult;
      mult = Math.min(2 ** n, 8);
      const stride = n < nLayers ? 2 : 1;
      const c = conv(index, ndf * previous, ndf * mult, stride, false);
      const bn = norm(index + 1, ndf * mult);
      this.#stages.push({ conv: c, norm: bn, activation: true });
      index += 3;
    }
    this.#stages.push({ conv: conv(index, ndf * mult, 1, 1, true), norm: null, activation: false });
  }

  /**
   * Returns patch logits `[B, h, w, 1]` for images `[B, H, W, inChannels]`.
   * For 256x256 inputs and the defaults, h = w = 30.
   *
   * @param training batch-norm mode: batch statistics and running-statistics
   *   updates when true (default, as during GAN training), running statistics when false.
   * @throws Error when the image is too small for the receptive field.
   */
  apply(images: tf.Tensor4D, training = true): tf.Tensor4D {
    if (images.shape[3] !== this.config.inChannels) {
      throw new Error(
        `discriminator expects ${this.config.inChannels} image channels, got shape [${images.shape}]`,
      );
    }
    const minSide = 2 ** (this.config.nLayers + 1) + 2 ** this.config.nLayers;
    if (images.shape[1] < minSide || images.shape[2] < minSide) {
      throw new Error(
        `discriminator needs images of at least ${minSide}x${minSide} pixels, got ` +
          `${images.shape[1]}x${images.shape[2]}`,
      );
    }
    return tf.tidy(() => {
      let x = images;
      for (const stage of this.#stages) {
        x = stage.conv.apply(x);
        if (stage.norm !== null) x = stage.norm.apply(x, training);
        if (stage.activation) x = tf.leakyRelu(x, LEAKY_RELU_SLOPE);
      }
      return x;
    });
  }

  /** Returns the trainable variables of this discriminator. */
  trainableVariables(): tf.Variable[] {
    return this.store.trainableVariables(`${this.prefix}.`);
  }
}
