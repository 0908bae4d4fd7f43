/**
 * Perceptual loss through a frozen feature extractor, in the form of LPIPS
 * (Zhang et al., CVPR 2018). For every layer, each position's feature vector
 * is unit-normalised over channels, and the squared difference of the two
 * images' vectors is weighted per channel and summed over channels. The
 * distance averages this over positions, sums over layers and averages over
 * the batch.
 *
 * WeTok (arXiv 2508.05599) trains with LPIPS-VGG at weight 1.0. Neither VGG16
 * nor the LPIPS weights are in any package reachable here, so the extractor
 * is pluggable: the project's InceptionV3 feature maps (`NsfwjsInception` in
 * lib/metrics), a small test net, or `Vgg16Features` with user-supplied
 * weights and LPIPS channel weights ({@link loadLpipsLinearWeights}).
 * Without channel weights every channel weighs 1, which is not LPIPS: name
 * results accordingly.
 */
import { tf } from "../engine/mod.ts";
import { parseSafetensors } from "../nn/mod.ts";
import { assertSameShape } from "./reconstruction_loss.ts";

/** A frozen network mapping images to a list of feature maps. */
export interface FeatureMapExtractor {
  /**
   * Returns feature maps `[B, h_l, w_l, C_l]` for images `[B, H, W, 3]` in
   * [-1, 1]. It must be differentiable with respect to the images, and its
   * own weights are constants that no optimizer updates.
   */
  featureMaps(images: tf.Tensor4D): tf.Tensor4D[];
}

/** Options of {@link PerceptualLoss}. */
export interface PerceptualLossOptions {
  /**
   * Non-negative weight per channel for every layer (LPIPS's learned `lin`
   * layers). When unset, every channel weighs 1.
   */
  channelWeights?: Float32Array[];
  /** Added to the feature norm before dividing (default 1e-10, as in LPIPS). */
  eps?: number;
}

/** LPIPS-form distance between images through a frozen {@link FeatureMapExtractor}. */
export class PerceptualLoss {
  readonly extractor: FeatureMapExtractor;
  readonly eps: number;
  readonly #channelWeights: tf.Tensor1D[] | null;

  /** @throws RangeError when a channel weight is negative or not finite. */
  constructor(extractor: FeatureMapExtractor, options: PerceptualLossOptions = {}) {
    this.extractor = extractor;
    this.eps = options.eps ?? 1e-10;
    if (options.channelWeights === undefined) {
      this.#channelWeights = null;
    } else {
      options.channelWeights.forEach((weights, layer) => {
        const bad = weights.findIndex((w) => !(w >= 0 && Number.isFinite(w)));
        if (bad >= 0) {
          throw new RangeError(
            `perceptual channel weight ${weights[bad]} of layer ${layer}, channel ${bad} is ` +
              "invalid: LPIPS weights are finite and non-negative",
          );
        }
      });
      this.#channelWeights = options.channelWeights.map((w) => tf.keep(tf.tensor1d(w)));
    }
  }

  /**
   * Returns the per-image distances `[B]`.
   *
   * @throws Error when the images' shapes differ, or the extractor's layers or
   *   channels do not match the channel weights.
   */
  distances(target: tf.Tensor4D, output: tf.Tensor4D): tf.Tensor1D {
    assertSameShape(target, output, "perceptual loss");
    return tf.tidy(() => {
      const a = this.extractor.featureMaps(target);
      const b = this.extractor.featureMaps(output);
      const weights = this.#channelWeights;
      if (weights !== null && weights.length !== a.length) {
        throw new Error(
          `perceptual loss has channel weights for ${weights.length} layers but the extractor ` +
            `returns ${a.length} feature maps`,
        );
      }
      let total: tf.Tensor = tf.zeros([target.shape[0]]);
      a.forEach((fa, layer) => {
        const fb = b[layer];
        const diff = tf.square(tf.sub(this.#unitNormalize(fa), this.#unitNormalize(fb)));
        let perPosition: tf.Tensor;
        if (weights === null) {
          perPosition = tf.sum(diff, 3);
        } else {
          const w = weights[layer];
          if (w.shape[0] !== fa.shape[3]) {
            throw new Error(
              `perceptual feature map ${layer} has ${fa.shape[3]} channels but ` +
                `${w.shape[0]} channel weights`,
            );
          }
          perPosition = tf.sum(tf.mul(diff, w), 3);
        }
        total = tf.add(total, tf.mean(perPosition, [1, 2]));
      });
      return total as tf.Tensor1D;
    });
  }

  /** Returns the batch mean of {@link distances}, the training loss. */
  apply(target: tf.Tensor4D, output: tf.Tensor4D): tf.Scalar {
    return tf.tidy(() => tf.mean(this.distances(target, output)) as tf.Scalar);
  }

  /** Frees the channel weights. */
  dispose(): void {
    this.#channelWeights?.forEach((w) => w.dispose());
  }

  #unitNormalize(features: tf.Tensor4D): tf.Tensor4D {
    const norm = tf.sqrt(tf.sum(tf.square(features), 3, true));
    return tf.div(features, tf.add(norm, this.eps));
  }
}

/**
 * Reads LPIPS channel weights from a safetensors file holding the official
 * LPIPS state dict's `lin<k>.model.1.weight` tensors (shape `[1, C, 1, 1]`),
 * converted to float32. Returns one array per layer, in order of `k`.
 *
 * @throws Error naming the path when the file cannot be read, no `lin<k>`
 *   tensor is found, or a shape is invalid.
 */
export async function loadLpipsLinearWeights(path: string): Promise<Float32Array[]> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`failed to read LPIPS weights from ${path}: ${(err as Error).message}`);
  }
  const { tensors } = parseSafetensors(bytes);
  const layers: Float32Array[] = [];
  for (let k = 0;; k++) {
    const tensor = tensors.get(`lin${k}.model.1.weight`);
    if (tensor === undefined) break;
    if (
      tensor.shape.length !== 4 || tensor.shape[0] !== 1 || tensor.shape[2] !== 1 ||
      tensor.shape[3] !== 1
    ) {
      throw new Error(
        `${path}: lin${k}.model.1.weight has shape [${tensor.shape}], expected [1, C, 1, 1]`,
      );
    }
    layers.push(tensor.data);
  }
  if (layers.length === 0) {
    throw new Error(
      `${path}: no LPIPS weights found. Expected tensors named lin0.model.1.weight, lin1...`,
    );
  }
  return layers;
}
