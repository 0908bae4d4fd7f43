/**
 * The interface every feature extractor for Frechet distances implements, and
 * the loop that turns image batches into Gaussian statistics.
 */
import type { tf } from "../../engine/mod.ts";
import { featureStatistics, type GaussianStats } from "../frechet.ts";

/** A frozen network that maps images to one feature vector each. */
export interface FeatureExtractor {
  /**
   * Name of the Frechet distance on these features, as tables must show it,
   * e.g. "FD-InceptionV3-mixed5 (nsfwjs)"; only the FID Inception weights give "rFID".
   */
  readonly metricName: string;
  /** Feature length. */
  readonly dim: number;
  /**
   * Returns `B * dim` features, row-major, for `[B, H, W, 3]` images in [-1, 1];
   * the extractor resizes to its own input size.
   */
  extract(images: tf.Tensor4D): Promise<Float32Array>;
  /** Releases weights and sessions. */
  dispose(): void | Promise<void>;
}

/**
 * Extracts features of every batch and returns their mean and covariance.
 * Batches are not disposed.
 */
export async function extractStatistics(
  extractor: FeatureExtractor,
  batches: Iterable<tf.Tensor4D> | AsyncIterable<tf.Tensor4D>,
): Promise<GaussianStats> {
  const parts: Float32Array[] = [];
  let count = 0;
  for await (const batch of batches) {
    const features = await extractor.extract(batch);
    parts.push(features);
    count += batch.shape[0];
  }
  const all = new Float32Array(count * extractor.dim);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return featureStatistics(all, count, extractor.dim);
}
