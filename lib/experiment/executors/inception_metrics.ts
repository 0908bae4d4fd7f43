/**
 * The evaluation metrics of a `train` run that use the InceptionV3 trunk of the
 * nsfwjs npm package: a Frechet distance on its mixed5 features and a perceptual
 * distance on its layers. Neither is rFID or LPIPS (their weights are in no
 * package reachable here); tables name them as such.
 */
import { tf } from "../../engine/mod.ts";
import { featureStatistics, frechetDistance } from "../../metrics/frechet.ts";
import {
  loadNsfwjsInception,
  type NsfwjsInception,
} from "../../metrics/features/nsfwjs_inception.ts";
import { perceptualDistance } from "../../metrics/features/perceptual_distance.ts";

/** Accumulates the nsfwjs InceptionV3 metrics over the evaluation batches of one run. */
export class InceptionMetrics {
  readonly #net: NsfwjsInception;
  readonly #frechet: boolean;
  readonly #perceptual: boolean;
  readonly #originals: Float32Array[] = [];
  readonly #reconstructions: Float32Array[] = [];
  #perceptualSum = 0;
  #images = 0;

  private constructor(net: NsfwjsInception, frechet: boolean, perceptual: boolean) {
    this.#net = net;
    this.#frechet = frechet;
    this.#perceptual = perceptual;
  }

  /**
   * Loads the network when `metrics` lists `fd-nsfwjs` or `perceptual-nsfwjs`;
   * returns `null` otherwise, so runs without them load nothing.
   */
  static async create(metrics: readonly string[]): Promise<InceptionMetrics | null> {
    const frechet = metrics.includes("fd-nsfwjs");
    const perceptual = metrics.includes("perceptual-nsfwjs");
    if (!frechet && !perceptual) return null;
    return new InceptionMetrics(await loadNsfwjsInception(), frechet, perceptual);
  }

  /**
   * Adds one batch of originals and reconstructions, both `[B, H, W, 3]` in
   * [-1, 1] with H, W >= 75; reconstructions are clamped to [-1, 1] first, as
   * in the official evaluation. The caller keeps ownership of both tensors.
   */
  async add(originals: tf.Tensor4D, reconstructions: tf.Tensor4D): Promise<void> {
    const clamped = tf.clipByValue(reconstructions, -1, 1) as tf.Tensor4D;
    try {
      if (this.#frechet) {
        this.#originals.push(await this.#net.extract(originals));
        this.#reconstructions.push(await this.#net.extract(clamped));
      }
      if (this.#perceptual) {
        const distances = perceptualDistance(this.#net, originals, clamped);
        for (const value of await distances.data()) this.#perceptualSum += value;
        distances.dispose();
      }
      this.#images += originals.shape[0];
    } finally {
      clamped.dispose();
    }
  }

  /**
   * Returns `fdNsfwjs` (Frechet distance of the mixed5 features) and
   * `perceptualNsfwjs` (mean per-image distance), as requested.
   * @throws RangeError when no batch was added.
   */
  results(): Record<string, number> {
    if (this.#images === 0) {
      throw new RangeError("InceptionMetrics: no images were added; evaluate at least one batch");
    }
    const scalars: Record<string, number> = {};
    if (this.#frechet) {
      const stats = (parts: Float32Array[]) =>
        featureStatistics(concat(parts), this.#images, this.#net.dim);
      scalars.fdNsfwjs = frechetDistance(stats(this.#originals), stats(this.#reconstructions));
    }
    if (this.#perceptual) scalars.perceptualNsfwjs = this.#perceptualSum / this.#images;
    return scalars;
  }

  /** Releases the network's weights. */
  dispose(): void {
    this.#net.dispose();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}
