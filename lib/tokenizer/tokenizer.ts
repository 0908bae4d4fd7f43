/**
 * Inference with a trained WeTok tokenizer (arXiv 2508.05599): images to
 * per-group token indices and back, with the deterministic or the generative
 * decoder, at a fixed size or at the image's original resolution.
 */
import { type Rng, tf } from "../engine/mod.ts";
import { type CropRegion, cropToRegion, padToMultiple } from "../data/eval_protocol.ts";
import {
  compressionRatio,
  Decoder,
  downsamplingFactor,
  Encoder,
  ParameterStore,
  type TokenizerConfig,
  validateImageSize,
} from "../nn/mod.ts";
import type { CodeIndices } from "../quantize/code_indices.ts";
import type { Quantizer } from "../quantize/quantizer.ts";
import { buildQuantizer } from "../train/build.ts";
import type { QuantizerChoice } from "../train/config.ts";

/** Everything needed to rebuild a tokenizer's networks before loading its weights. */
export interface TokenizerSpec {
  /** Name of the network config in `lib/nn` (`findConfig`), such as "CR48-small". */
  network: string;
  /** Encoder and decoder shape. */
  architecture: TokenizerConfig;
  /** Quantizer: a kind name, or FSQ levels or a VQ codebook size. */
  quantizer: QuantizerChoice;
  /** Quantizer groups `g` of the network config; LFQ ignores it and packs one index per token. */
  groups: number;
  /** "generative" once stage 2 has widened the decoder's first conv to read noise. */
  decoder: "deterministic" | "generative";
}

/**
 * Noise of the generative decoder: `"zero"` for deterministic decoding
 * (z = 0) or an `Rng` drawing N(0, 1) noise of the latent's shape.
 */
export type TokenizerNoise = "zero" | Rng;

/** Options of {@link Tokenizer.reconstruct}. */
export interface ReconstructOptions {
  /** Decoder noise (default "zero"); an `Rng` needs a generative decoder. */
  noise?: TokenizerNoise;
  /**
   * Pads the images with mid grey to a multiple of the downsampling factor
   * and crops the reconstruction back to the input size (default false, in
   * which case the size must already be a multiple).
   */
  originalResolution?: boolean;
}

/** Output of {@link Tokenizer.reconstruct}. */
export interface Reconstruction {
  /** Per-group indices `[B, h, w, g]` of the (padded) images. */
  indices: CodeIndices;
  /** Reconstructed images `[B, H, W, 3]`, unclamped, at the input size. */
  images: tf.Tensor4D;
  /** Position of the input in the padded grid; null without padding. */
  region: CropRegion | null;
}

/**
 * Encoder, quantizer and decoder of a trained tokenizer, for inference only.
 * Encoder and decoder weights share one {@link ParameterStore} under the
 * official state-dict names (`encoder.*`, `decoder.*`).
 */
export class Tokenizer {
  readonly spec: TokenizerSpec;
  readonly store: ParameterStore;
  readonly encoder: Encoder;
  readonly decoder: Decoder;
  readonly quantizer: Quantizer;

  /**
   * Builds the networks of `spec` with random weights drawn from `rng`; load
   * trained weights into {@link store} afterwards.
   *
   * @throws RangeError when the quantizer kind or the architecture is invalid.
   */
  constructor(spec: TokenizerSpec, rng: Rng) {
    this.spec = spec;
    this.store = new ParameterStore();
    this.encoder = new Encoder(spec.architecture, { rng, store: this.store });
    this.decoder = new Decoder(spec.architecture, {
      rng,
      store: this.store,
      generative: spec.decoder === "generative",
    });
    // VQ draws a placeholder codebook here; the checkpoint loader overwrites it.
    this.quantizer = buildQuantizer(
      spec.quantizer,
      spec.architecture.zChannels,
      spec.groups,
      rng,
    );
  }

  /** Spatial downsampling factor `f`: a token covers `f x f` pixels. */
  get downsamplingFactor(): number {
    return downsamplingFactor(this.spec.architecture);
  }

  /** Latent channels `d`, the bits per token. */
  get bits(): number {
    return this.spec.architecture.zChannels;
  }

  /** Index groups per token (`g` for GQ and BSQ, 1 for LFQ). */
  get indexGroups(): number {
    return this.quantizer.groups;
  }

  /** Bits of an 8-bit RGB image over the bits of its tokens: `24 f^2 / d`. */
  get compressionRatio(): number {
    return compressionRatio(this.spec.architecture);
  }

  /**
   * Encodes images `[B, H, W, 3]` in [-1, 1] into per-group indices
   * `[B, H/f, W/f, g]`, packed least-significant bit first. Non-finite values
   * are rejected, but the range [-1, 1] is not checked.
   *
   * @throws RangeError when the shape is not `[B, H, W, 3]` with H and W multiples of `f`,
   *   the token grid has a single token, or the encoder output is not finite.
   */
  async encode(images: tf.Tensor4D): Promise<CodeIndices> {
    this.#checkImages(images);
    const latent = this.encoder.apply(images);
    const digits = tf.tidy(() => {
      const result = this.quantizer.quantize(latent, { training: false });
      result.codes.dispose();
      return result.digits;
    });
    // The quantizers built for training skip their finite check, and a NaN would silently become bit 0.
    const finite = tf.tidy(() => tf.all(tf.isFinite(latent)));
    try {
      if (!(await finite.data())[0]) {
        throw new RangeError(
          "the encoder output is not finite; check that the images contain only finite values in [-1, 1]",
        );
      }
      return await this.quantizer.digitsToIndices(digits);
    } finally {
      tf.dispose([latent, digits, finite]);
    }
  }

  /**
   * Decodes per-group indices into images `[B, h f, w f, 3]`, unclamped.
   *
   * @param noise "zero" (default) or an `Rng`; an `Rng` needs a generative decoder.
   * @throws RangeError when the indices do not suit the quantizer or the noise does not suit the decoder.
   */
  decode(indices: CodeIndices, noise: TokenizerNoise = "zero"): tf.Tensor4D {
    checkTokenGrid(indices.shape[1], indices.shape[2]);
    if (noise !== "zero" && !this.decoder.generative) {
      throw new RangeError(
        "this tokenizer's decoder is deterministic (trained in stage 1 only), so it takes no " +
          'random noise; decode with noise "zero" or export a checkpoint from stage 2',
      );
    }
    return tf.tidy(() => {
      const codes = this.quantizer.indicesToCodes(indices);
      return this.decoder.generative ? this.decoder.apply(codes, noise) : this.decoder.apply(codes);
    });
  }

  /**
   * Encodes and decodes images `[B, H, W, 3]` in [-1, 1]. The decoder reads
   * the codes rebuilt from the returned indices, so decoding those indices
   * later with the same noise gives the same images.
   *
   * @throws RangeError as {@link encode} and {@link decode}.
   */
  async reconstruct(
    images: tf.Tensor4D,
    options: ReconstructOptions = {},
  ): Promise<Reconstruction> {
    const noise = options.noise ?? "zero";
    if (!options.originalResolution) {
      const indices = await this.encode(images);
      return { indices, images: this.decode(indices, noise), region: null };
    }
    this.#checkShape(images);
    // NOTE: the whole image goes through the networks at once (no tiling), so memory grows with its pixel count.
    const { padded, region } = padToMultiple(images, this.downsamplingFactor);
    try {
      const indices = await this.encode(padded);
      const decoded = this.decode(indices, noise);
      const cropped = cropToRegion(decoded, region);
      decoded.dispose();
      return { indices, images: cropped, region };
    } finally {
      padded.dispose();
    }
  }

  /** Frees the weights, a VQ codebook included. */
  dispose(): void {
    this.store.dispose();
    for (const variable of this.quantizer.trainableVariables()) variable.dispose();
  }

  #checkShape(images: tf.Tensor): void {
    if (images.rank !== 4 || images.shape[3] !== 3) {
      throw new RangeError(
        `images must have shape [B, H, W, 3] (NHWC RGB in [-1, 1]), got [${images.shape}]`,
      );
    }
  }

  #checkImages(images: tf.Tensor4D): void {
    this.#checkShape(images);
    const [, height, width] = images.shape;
    validateImageSize(this.spec.architecture, height, width);
    const f = this.downsamplingFactor;
    checkTokenGrid(height / f, width / f);
  }
}

/**
 * Rejects a grid of one token: the decoder's adaptive group norm takes the
 * variance of the latent over the grid, which needs at least two tokens.
 */
function checkTokenGrid(h: number, w: number): void {
  if (h * w < 2) {
    throw new RangeError(
      `a ${h}x${w} token grid is too small: the decoder needs at least 2 tokens, so use an ` +
        "image at least twice the downsampling factor along one side",
    );
  }
}
