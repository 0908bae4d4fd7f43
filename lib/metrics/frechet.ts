/**
 * Frechet distance between two Gaussians fitted to feature sets, the
 * quantity behind FID (Heusel et al. 2017):
 *
 *     FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))
 *
 * Everything runs in float64. The trace of the matrix square root uses
 * symmetric eigen decompositions only: with R = S1^(1/2) (from the eigen
 * decomposition of S1, negative rounding noise clipped to 0), S1 S2 is similar
 * to the symmetric positive semi-definite R S2 R, so
 * tr((S1 S2)^(1/2)) = sum of sqrt(eigenvalues of R S2 R). This avoids the
 * complex intermediate values that a general `sqrtm` can return.
 */
import { symmetricEigen } from "./symmetric_eigen.ts";

/** Mean and covariance of a feature set, float64. */
export interface GaussianStats {
  /** Feature dimension d. */
  dim: number;
  /** Number of feature vectors the statistics come from. */
  count: number;
  /** Mean, length d. */
  mean: Float64Array;
  /** Covariance with the unbiased (N - 1) normaliser, row-major d x d. */
  cov: Float64Array;
}

/**
 * Returns mean and covariance (N - 1 normaliser, as `numpy.cov(rowvar=False)`)
 * of `count` feature vectors of length `dim` stored row-major.
 *
 * @throws RangeError when the sizes do not match or `count < 2`.
 */
export function featureStatistics(features: ArrayLike<number>, count: number, dim: number): GaussianStats {
  if (!Number.isInteger(count) || !Number.isInteger(dim) || count < 2 || dim < 1) {
    throw new RangeError(`feature statistics need count >= 2 and dim >= 1, got count=${count}, dim=${dim}`);
  }
  if (features.length !== count * dim) {
    throw new RangeError(`expected count*dim = ${count * dim} feature values, got ${features.length}`);
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) centred[j] = features[i * dim + j] - mean[j];
    for (let r = 0; r < dim; r++) {
      const v = centred[r];
      if (v === 0) continue;
      const row = r * dim;
      for (let c = r; c < dim; c++) cov[row + c] += v * centred[c];
    }
  }
  for (let r = 0; r < dim; r++) {
    for (let c = r; c < dim; c++) {
      const v = cov[r * dim + c] / (count - 1);
      cov[r * dim + c] = v;
      cov[c * dim + r] = v;
    }
  }
  return { dim, count, mean, cov };
}

/** The terms of a Frechet distance, for diagnostics. */
export interface FrechetDetails {
  /** The distance itself. */
  distance: number;
  /** |mu1 - mu2|^2. */
  meanTerm: number;
  /** tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2)). */
  covarianceTerm: number;
  /**
   * Most negative eigenvalue clipped to 0 (of S1, then of R S2 R), relative to
   * the largest one; values far below -1e-10 mean a covariance that is not
   * positive semi-definite, usually from too few samples or NaN features.
   */
  clippedRelative: number;
}

/**
 * Returns the Frechet distance between two Gaussians, with its terms.
 *
 * @throws RangeError when the dimensions differ.
 */
export function frechetDistanceDetails(a: GaussianStats, b: GaussianStats): FrechetDetails {
  if (a.dim !== b.dim) throw new RangeError(`feature dimensions differ: ${a.dim} vs ${b.dim}`);
  const n = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;

  const eigA = symmetricEigen(a.cov, n);
  const maxA = Math.max(Math.abs(eigA.values[0]), Math.abs(eigA.values[n - 1]), Number.MIN_VALUE);
  let clippedRelative = Math.min(0, eigA.values[0] / maxA);
  const root = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.max(0, eigA.values[k]));
    if (s === 0) continue;
    const v = eigA.vectors.subarray(k * n, k * n + n);
    for (let r = 0; r < n; r++) {
      const vr = s * v[r];
      if (vr === 0) continue;
      const row = r * n;
      for (let c = 0; c < n; c++) root[row + c] += vr * v[c];
    }
  }
  const product = multiply(multiply(root, b.cov, n), root, n);
  // Symmetrise away rounding noise before the symmetric solver reads one triangle.
  for (let r = 0; r < n; r++) {
    for (let c = r + 1; c < n; c++) {
      const v = 0.5 * (product[r * n + c] + product[c * n + r]);
      product[r * n + c] = v;
      product[c * n + r] = v;
    }
  }
  const eigM = symmetricEigen(product, n).values;
  const maxM = Math.max(Math.abs(eigM[0]), Math.abs(eigM[n - 1]), Number.MIN_VALUE);
  clippedRelative = Math.min(clippedRelative, eigM[0] / maxM);
  let traceRoot = 0;
  for (let k = 0; k < n; k++) traceRoot += Math.sqrt(Math.max(0, eigM[k]));

  let traces = 0;
  for (let i = 0; i < n; i++) traces += a.cov[i * n + i] + b.cov[i * n + i];
  const covarianceTerm = traces - 2 * traceRoot;
  return { distance: meanTerm + covarianceTerm, meanTerm, covarianceTerm, clippedRelative };
}

/** Returns the Frechet distance between two Gaussians (see {@link frechetDistanceDetails}). */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  return frechetDistanceDetails(a, b).distance;
}

/** Returns the row-major product of two n x n matrices (i-k-j loop order). */
function multiply(x: Float64Array, y: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowOut = i * n;
    for (let k = 0; k < n; k++) {
      const v = x[i * n + k];
      if (v === 0) continue;
      const rowY = k * n;
      for (let j = 0; j < n; j++) out[rowOut + j] += v * y[rowY + j];
    }
  }
  return out;
}
