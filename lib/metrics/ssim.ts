/**
 * Structural similarity (SSIM, Wang et al. 2004), computed in float64 on
 * interleaved images, with the two windows in use for tokenizer evaluation:
 *
 * - "gaussian11": the standard 11x11 Gaussian window with sigma 1.5 and
 *   population covariances, as scikit-image computes with
 *   `gaussian_weights=True, sigma=1.5, use_sample_covariance=False`;
 * - "uniform7": scikit-image's default 7x7 uniform window with sample
 *   covariances (N - 1), which the official WeTok evaluation code calls.
 *
 * Both keep only positions where the window lies inside the image, as
 * scikit-image does when it crops `(win - 1) / 2` pixels from each border
 * before averaging. The mean is then taken over channels.
 */

/** Window of {@link ssim}. */
export type SsimWindow = "gaussian11" | "uniform7";

/** Options of {@link ssim}. */
export interface SsimOptions {
  /** Window and covariance convention; no default, because the two differ. */
  window: SsimWindow;
  /** Peak value of the pixel scale (default 255). */
  dataRange?: number;
  /** Stabilising constants (defaults 0.01 and 0.03). */
  k1?: number;
  k2?: number;
}

/** Shape of an interleaved image. */
export interface ImageShape {
  width: number;
  height: number;
  channels: number;
}

/** Returns the normalised 1-D weights of a window, and whether covariances use N - 1. */
function windowWeights(window: SsimWindow): { weights: Float64Array; sample: boolean } {
  if (window === "uniform7") return { weights: new Float64Array(7).fill(1 / 7), sample: true };
  if (window === "gaussian11") {
    // scipy.ndimage.gaussian_filter with truncate 3.5: radius int(3.5 * 1.5 + 0.5) = 5.
    const sigma = 1.5;
    const weights = new Float64Array(11);
    let sum = 0;
    for (let i = -5; i <= 5; i++) {
      weights[i + 5] = Math.exp(-0.5 * (i / sigma) ** 2);
      sum += weights[i + 5];
    }
    for (let i = 0; i < 11; i++) weights[i] /= sum;
    return { weights, sample: false };
  }
  throw new RangeError(`invalid SSIM window "${window}": use "gaussian11" or "uniform7"`);
}

/**
 * Returns the mean SSIM of two images of the same shape (interleaved,
 * row-major), averaged over valid window positions and channels.
 *
 * @throws RangeError when shapes differ or the image is smaller than the window.
 */
export function ssim(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: ImageShape,
  options: SsimOptions,
): number {
  const { width, height, channels } = shape;
  const size = width * height * channels;
  if (a.length !== size || b.length !== size) {
    throw new RangeError(
      `SSIM needs ${width}x${height}x${channels} = ${size} values per image, got ${a.length} and ${b.length}`,
    );
  }
  const { weights, sample } = windowWeights(options.window);
  const win = weights.length;
  if (width < win || height < win) {
    throw new RangeError(
      `SSIM window ${options.window} needs images of at least ${win}x${win}, got ${width}x${height}`,
    );
  }
  const range = options.dataRange ?? 255;
  const c1 = ((options.k1 ?? 0.01) * range) ** 2;
  const c2 = ((options.k2 ?? 0.03) * range) ** 2;
  const np = win * win;
  const covNorm = sample ? np / (np - 1) : 1;

  const outW = width - win + 1;
  const outH = height - win + 1;
  const x = new Float64Array(width * height);
  const y = new Float64Array(width * height);
  let total = 0;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < width * height; i++) {
      x[i] = a[i * channels + c];
      y[i] = b[i * channels + c];
    }
    const mx = filterValid(x, width, height, weights);
    const my = filterValid(y, width, height, weights);
    const mxx = filterValid(product(x, x), width, height, weights);
    const myy = filterValid(product(y, y), width, height, weights);
    const mxy = filterValid(product(x, y), width, height, weights);
    let sum = 0;
    for (let i = 0; i < outW * outH; i++) {
      const vx = covNorm * (mxx[i] - mx[i] * mx[i]);
      const vy = covNorm * (myy[i] - my[i] * my[i]);
      const vxy = covNorm * (mxy[i] - mx[i] * my[i]);
      const numerator = (2 * mx[i] * my[i] + c1) * (2 * vxy + c2);
      const denominator = (mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2);
      sum += numerator / denominator;
    }
    total += sum / (outW * outH);
  }
  return total / channels;
}

/** Returns the mean SSIM over image pairs of one shape. */
export function meanSsim(
  a: readonly ArrayLike<number>[],
  b: readonly ArrayLike<number>[],
  shape: ImageShape,
  options: SsimOptions,
): number {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`need equal, non-zero numbers of images, got ${a.length} and ${b.length}`);
  }
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ssim(a[i], b[i], shape, options);
  return sum / a.length;
}

function product(u: Float64Array, v: Float64Array): Float64Array {
  const out = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = u[i] * v[i];
  return out;
}

/** Separable correlation with `weights`, kept only where the window fits. */
function filterValid(
  src: Float64Array,
  width: number,
  height: number,
  weights: Float64Array,
): Float64Array {
  const win = weights.length;
  const outW = width - win + 1;
  const outH = height - win + 1;
  const rows = new Float64Array(height * outW);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < outW; c++) {
      let s = 0;
      const base = r * width + c;
      for (let k = 0; k < win; k++) s += weights[k] * src[base + k];
      rows[r * outW + c] = s;
    }
  }
  const out = new Float64Array(outH * outW);
  for (let r = 0; r < outH; r++) {
    for (let c = 0; c < outW; c++) {
      let s = 0;
      for (let k = 0; k < win; k++) s += weights[k] * rows[(r + k) * outW + c];
      out[r * outW + c] = s;
    }
  }
  return out;
}
