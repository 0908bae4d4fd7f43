/**
 * Peak signal-to-noise ratio, in decibels, as reported for image tokenizers:
 * `10 * log10(R^2 / MSE)` with the data range `R = 255` on 8-bit pixels.
 */

/** Options of {@link psnr}. */
export interface PsnrOptions {
  /** Peak value of the pixel scale (default 255). */
  dataRange?: number;
}

/** Returns PSNR in dB for a given mean squared error; Infinity when `mse` is 0. */
export function psnrFromMse(mse: number, dataRange = 255): number {
  if (!(mse >= 0)) throw new RangeError(`MSE must be a non-negative number, got ${mse}`);
  if (!(dataRange > 0)) throw new RangeError(`dataRange must be positive, got ${dataRange}`);
  return 10 * Math.log10((dataRange * dataRange) / mse);
}

/** Returns the mean squared error of two equally long arrays, summed in float64. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`arrays differ in length: ${a.length} vs ${b.length}`);
  }
  if (a.length === 0) throw new RangeError("cannot compute the MSE of empty arrays");
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return sum / a.length;
}

/**
 * Returns the PSNR of one image pair, in dB, over all pixels and channels.
 * Pass 8-bit pixels (see `toUint8` for the rounding or truncating conversion).
 */
export function psnr(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: PsnrOptions = {},
): number {
  return psnrFromMse(meanSquaredError(a, b), options.dataRange ?? 255);
}

/**
 * Returns the mean over image pairs of the per-image PSNR, in dB, the
 * average the official evaluation reports. Identical pairs (infinite PSNR) are
 * rejected because they make the mean meaningless.
 */
export function meanPsnr(
  a: readonly ArrayLike<number>[],
  b: readonly ArrayLike<number>[],
  options: PsnrOptions = {},
): number {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`need equal, non-zero numbers of images, got ${a.length} and ${b.length}`);
  }
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const value = psnr(a[i], b[i], options);
    if (!Number.isFinite(value)) {
      throw new RangeError(`image pair ${i} is identical (infinite PSNR); the mean is undefined`);
    }
    sum += value;
  }
  return sum / a.length;
}
