/** PSNR between two image batches held as tensors. */
import type { tf } from "../engine/mod.ts";
import { meanPsnr } from "./psnr.ts";
import { toUint8 } from "./uint8.ts";

/**
 * Returns the mean over images of the 8-bit PSNR, in dB, between two
 * `[N, H, W, C]` batches of values in [-1, 1]. Both are converted to 8 bits by
 * truncation, as in the official WeTok evaluation (arXiv 2508.05599).
 *
 * @throws RangeError when the shapes differ or a pair is identical (see `meanPsnr`).
 */
export async function meanTensorPsnr(
  original: tf.Tensor4D,
  reconstructed: tf.Tensor4D,
): Promise<number> {
  if (original.shape.join() !== reconstructed.shape.join()) {
    throw new RangeError(
      `image batches differ in shape: [${original.shape}] and [${reconstructed.shape}]; ` +
        "pass one reconstruction per original image, at the same size",
    );
  }
  const a = await original.data();
  const b = await reconstructed.data();
  const size = a.length / original.shape[0];
  const originals: Uint8Array[] = [];
  const reconstructions: Uint8Array[] = [];
  for (let i = 0; i < original.shape[0]; i++) {
    originals.push(toUint8(a.subarray(i * size, (i + 1) * size), "truncate"));
    reconstructions.push(toUint8(b.subarray(i * size, (i + 1) * size), "truncate"));
  }
  return meanPsnr(originals, reconstructions);
}
