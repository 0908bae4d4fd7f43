/**
 * Eigen decomposition of a real symmetric matrix in float64: Householder
 * reduction to tridiagonal form, then the implicit QL algorithm (the EISPACK
 * routines tred2 and tql2, in the form popularised by the JAMA library).
 *
 * The working matrix is kept transposed, so that every inner loop walks
 * memory contiguously. Row `j` of the returned `vectors` is the eigenvector
 * of `values[j]`.
 */

/** Eigenvalues (ascending) and unit eigenvectors (row `j` belongs to `values[j]`). */
export interface SymmetricEigen {
  values: Float64Array;
  /** Row-major `n x n`; row `j` is the eigenvector of `values[j]`. */
  vectors: Float64Array;
}

/**
 * Decomposes a symmetric `n x n` matrix (row-major; only symmetry within
 * rounding is assumed, the lower triangle is read).
 *
 * @throws RangeError when the size does not match or a value is not finite.
 * @throws Error when QL iteration does not converge (after 60 sweeps per value).
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  // w[b * n + a] stores V[a][b] (transposed storage).
  const w = transposedWorkMatrix(matrix, n, "symmetricEigen");
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(w, d, e, n);
  diagonalize(w, d, e, n);

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    values[k] = d[order[k]];
    // Column order[k] of V is row order[k] of w.
    vectors.set(w.subarray(order[k] * n, order[k] * n + n), k * n);
  }
  return { values, vectors };
}

/**
 * Returns the eigenvalues (ascending) of a symmetric `n x n` matrix without
 * forming eigenvectors, about 4x cheaper than {@link symmetricEigen}.
 *
 * @throws RangeError and Error as {@link symmetricEigen}.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  const w = transposedWorkMatrix(matrix, n, "symmetricEigenvalues");
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(w, d, e, n, false);
  diagonalize(null, d, e, n);
  return d.sort();
}

/**
 * Copies the lower triangle of a symmetric `n x n` matrix (row-major) into a
 * new full matrix in transposed storage, for {@link tridiagonalize}.
 *
 * @param caller name of the public function, used in the error message.
 * @throws RangeError when the size does not match or a value is not finite.
 */
function transposedWorkMatrix(matrix: ArrayLike<number>, n: number, caller: string): Float64Array {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new RangeError(
      `${caller} needs an n x n matrix with n >= 1, got n=${n} and ${matrix.length} values`,
    );
  }
  const w = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = matrix[Math.max(r, c) * n + Math.min(r, c)];
      if (!Number.isFinite(v)) {
        throw new RangeError(`matrix entry (${r}, ${c}) is not finite: ${v}`);
      }
      w[c * n + r] = v;
    }
  }
  return w;
}

function tridiagonalize(
  w: Float64Array,
  d: Float64Array,
  e: Float64Array,
  n: number,
  vectors = true,
): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + (i - 1)];
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        w[i * n + j] = f;
        g = e[j] + w[j * n + j] * f;
        const col = j * n;
        for (let k = j + 1; k <= i - 1; k++) {
          g += w[col + k] * d[k];
          e[k] += w[col + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        const col = j * n;
        for (let k = j; k <= i - 1; k++) w[col + k] -= f * e[k] + g * d[k];
        d[j] = w[col + (i - 1)];
        w[col + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!vectors) {
    // The reduction leaves the tridiagonal's diagonal on the diagonal of the work matrix.
    for (let j = 0; j < n; j++) d[j] = w[j * n + j];
    e[0] = 0;
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    w[i * n + (n - 1)] = w[i * n + i];
    w[i * n + i] = 1;
    const h = d[i + 1];
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        const col = j * n;
        for (let k = 0; k <= i; k++) g += w[next + k] * w[col + k];
        for (let k = 0; k <= i; k++) w[col + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + (n - 1)];
    w[j * n + (n - 1)] = 0;
  }
  w[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); rotates the rows of `w` too unless it is null. */
function diagonalize(w: Float64Array | null, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) {
          throw new Error(`symmetricEigen: QL iteration did not converge for eigenvalue ${l}`);
        }
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (w === null) continue;
          const a = (i + 1) * n;
          const b = i * n;
          for (let k = 0; k < n; k++) {
            h = w[a + k];
            w[a + k] = s * w[b + k] + c * h;
            w[b + k] = c * w[b + k] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
