/**
 * Frechet distance between two Gaussians fitted to feature sets, the
 * quantity behind FID (Heusel et al. 2017):
 *
 *     FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))
 *
 * Everything runs in float64, and the matrix square root is never formed:
 * its trace comes from the eigenvalues of a symmetric positive semi-definite
 * matrix (see {@link frechetDistanceDetails}), which avoids the complex
 * intermediate values that a general `sqrtm` can return.
 */
import { symmetricEigenvalues } from "./symmetric_eigen.ts";

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
export function featureStatistics(
  features: ArrayLike<number>,
  count: number,
  dim: number,
): GaussianStats {
  if (!Number.isInteger(count) || !Number.isInteger(dim) || count < 2 || dim < 1) {
    throw new RangeError(
      `feature statistics need count >= 2 and dim >= 1, got count=${count}, dim=${dim}`,
    );
  }
  if (features.length !== count * dim) {
    throw new RangeError(
      `expected count*dim = ${count * dim} feature values, got ${features.length}`,
    );
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
  /** Numerical rank of S1 found by the pivoted Cholesky factorisation. */
  rank1: number;
  /**
   * Most negative eigenvalue of L^T S2 L clipped to 0, relative to the largest.
   * Values far below -1e-10 mean that S2 is not positive semi-definite, usually because of NaN features.
   */
  clippedRelative: number;
}

/**
 * Returns the Frechet distance between two Gaussians, with its terms.
 *
 * The trace of the matrix square root comes from a pivoted Cholesky factor
 * S1 = L L^T (L is d x r, r the numerical rank, so singular covariances from
 * fewer samples than dimensions are handled exactly): the non-zero
 * eigenvalues of S1 S2 are those of the symmetric positive semi-definite
 * r x r matrix L^T S2 L, so tr((S1 S2)^(1/2)) is the sum of their square roots.
 *
 * @throws RangeError when the dimensions differ.
 */
export function frechetDistanceDetails(a: GaussianStats, b: GaussianStats): FrechetDetails {
  if (a.dim !== b.dim) throw new RangeError(`feature dimensions differ: ${a.dim} vs ${b.dim}`);
  const n = a.dim;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;

  const { columns, rank } = pivotedCholesky(a.cov, n);
  // projected[k] = S2 L_k (S2 is symmetric, so rows serve as columns).
  const projected = multiplyColumns(b.cov, n, columns);
  const inner = new Float64Array(rank * rank);
  for (let i = 0; i < rank; i++) {
    const u = columns[i];
    for (let j = i; j < rank; j++) {
      const sum = dot(u, projected[j], n);
      inner[i * rank + j] = sum;
      inner[j * rank + i] = sum;
    }
  }
  let traceRoot = 0;
  let clippedRelative = 0;
  if (rank > 0) {
    const values = symmetricEigenvalues(inner, rank);
    const largest = Math.max(Math.abs(values[0]), Math.abs(values[rank - 1]), Number.MIN_VALUE);
    clippedRelative = Math.min(0, values[0] / largest);
    for (const value of values) traceRoot += Math.sqrt(Math.max(0, value));
  }

  let traces = 0;
  for (let i = 0; i < n; i++) traces += a.cov[i * n + i] + b.cov[i * n + i];
  const covarianceTerm = traces - 2 * traceRoot;
  return {
    distance: meanTerm + covarianceTerm,
    meanTerm,
    covarianceTerm,
    rank1: rank,
    clippedRelative,
  };
}

/**
 * Factors a symmetric positive semi-definite matrix as L L^T with diagonal
 * pivoting, stopping when the largest remaining diagonal is below
 * `n * 2^-52 * max diagonal` (LAPACK pstrf's default). Returns L's columns,
 * in the original row order.
 */
export function pivotedCholesky(
  matrix: Float64Array,
  n: number,
): { columns: Float64Array[]; rank: number } {
  const diagonal = new Float64Array(n);
  let maxDiagonal = 0;
  for (let i = 0; i < n; i++) {
    diagonal[i] = matrix[i * n + i];
    maxDiagonal = Math.max(maxDiagonal, diagonal[i]);
  }
  const tolerance = n * 2 ** -52 * maxDiagonal;
  const chosen = new Uint8Array(n);
  const columns: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    let pivot = -1;
    for (let i = 0; i < n; i++) {
      if (!chosen[i] && (pivot < 0 || diagonal[i] > diagonal[pivot])) pivot = i;
    }
    if (pivot < 0 || !(diagonal[pivot] > tolerance)) break;
    const column = Float64Array.from(matrix.subarray(pivot * n, pivot * n + n));
    for (const previous of columns) {
      const scale = previous[pivot];
      if (scale === 0) continue;
      for (let i = 0; i < n; i++) column[i] -= scale * previous[i];
    }
    const root = Math.sqrt(diagonal[pivot]);
    for (let i = 0; i < n; i++) column[i] = chosen[i] ? 0 : column[i] / root;
    column[pivot] = root;
    chosen[pivot] = 1;
    for (let i = 0; i < n; i++) if (!chosen[i]) diagonal[i] -= column[i] * column[i];
    columns.push(column);
  }
  return { columns, rank: columns.length };
}

/** Returns the Frechet distance between two Gaussians (see {@link frechetDistanceDetails}). */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  return frechetDistanceDetails(a, b).distance;
}

/** Returns `matrix * column` for each column, reading each matrix row once per four columns. */
function multiplyColumns(matrix: Float64Array, n: number, columns: Float64Array[]): Float64Array[] {
  const out = columns.map(() => new Float64Array(n));
  let k = 0;
  for (; k + 4 <= columns.length; k += 4) {
    const [c0, c1, c2, c3] = [columns[k], columns[k + 1], columns[k + 2], columns[k + 3]];
    for (let r = 0; r < n; r++) {
      const row = r * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let c = 0; c < n; c++) {
        const m = matrix[row + c];
        s0 += m * c0[c];
        s1 += m * c1[c];
        s2 += m * c2[c];
        s3 += m * c3[c];
      }
      out[k][r] = s0;
      out[k + 1][r] = s1;
      out[k + 2][r] = s2;
      out[k + 3][r] = s3;
    }
  }
  for (; k < columns.length; k++) {
    for (let r = 0; r < n; r++) out[k][r] = dot(matrix.subarray(r * n, r * n + n), columns[k], n);
  }
  return out;
}

function dot(u: Float64Array, v: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    s0 += u[i] * v[i];
    s1 += u[i + 1] * v[i + 1];
  }
  if (i < n) s0 += u[i] * v[i];
  return s0 + s1;
}
