import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { decodeBase64 } from "../../lib/data/_base64.ts";
import { meanPsnr, meanSquaredError, psnr, psnrFromMse } from "../../lib/metrics/psnr.ts";
import { ssim } from "../../lib/metrics/ssim.ts";
import { toUint8 } from "../../lib/metrics/uint8.ts";
import {
  featureStatistics,
  frechetDistance,
  frechetDistanceDetails,
  type GaussianStats,
} from "../../lib/metrics/frechet.ts";
import { symmetricEigen, symmetricEigenvalues } from "../../lib/metrics/symmetric_eigen.ts";
import { codebookUsage } from "../../lib/metrics/usage.ts";
import { Rng } from "../../lib/engine/rng.ts";

// scikit-image and scipy values from tests/fixtures/metrics_make_reference.py.
const REFERENCE = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/metrics_reference.json", import.meta.url)),
);

Deno.test("psnr matches a known MSE", () => {
  // Every pixel off by 5: MSE 25, PSNR = 10 log10(255^2 / 25) = 34.1514 dB.
  const a = new Uint8Array(300).fill(100);
  const b = new Uint8Array(300).fill(105);
  assertAlmostEquals(psnr(a, b), 10 * Math.log10(65025 / 25), 1e-12);
  assertAlmostEquals(psnr(a, b), 34.15140352195873, 1e-12);
});

Deno.test("psnr of identical images is infinite", () => {
  const a = new Uint8Array([1, 2, 3]);
  assertEquals(psnr(a, a), Infinity);
});

Deno.test("psnrFromMse uses the data range", () => {
  assertAlmostEquals(psnrFromMse(1, 1), 0, 1e-12);
  assertAlmostEquals(psnrFromMse(0.01, 1), 20, 1e-12);
});

Deno.test("meanSquaredError rejects length mismatch", () => {
  assertThrows(() => meanSquaredError([1, 2], [1]), RangeError, "2 vs 1");
});

Deno.test("meanPsnr averages per-image values", () => {
  const a = [new Uint8Array(10).fill(0), new Uint8Array(10).fill(0)];
  const b = [new Uint8Array(10).fill(1), new Uint8Array(10).fill(10)];
  const expected = (psnrFromMse(1) + psnrFromMse(100)) / 2;
  assertAlmostEquals(meanPsnr(a, b), expected, 1e-12);
  assertThrows(() => meanPsnr(a, a), RangeError, "identical");
});

Deno.test("toUint8 rounds or truncates", () => {
  // (x + 1) * 127.5: -1 -> 0, 1 -> 255, 0 -> 127.5, 0.999 -> 254.87, -2 clamps to 0.
  const values = [-1, 1, 0, 0.999, -2, 3, -0.996];
  assertEquals(Array.from(toUint8(values, "round")), [0, 255, 128, 255, 0, 255, 1]);
  assertEquals(Array.from(toUint8(values, "truncate")), [0, 255, 127, 254, 0, 255, 0]);
  assertThrows(() => toUint8(values, "floor" as "round"), RangeError, "floor");
});

Deno.test("ssim of identical images is 1", () => {
  const rng = new Rng(3);
  const image = Uint8Array.from({ length: 20 * 16 * 3 }, () => rng.int(256));
  const shape = { width: 20, height: 16, channels: 3 };
  assertAlmostEquals(ssim(image, image, shape, { window: "uniform7" }), 1, 1e-12);
  assertAlmostEquals(ssim(image, image, shape, { window: "gaussian11" }), 1, 1e-12);
});

for (const c of REFERENCE.ssim) {
  for (const window of ["uniform7", "gaussian11"] as const) {
    Deno.test(`ssim ${window} matches scikit-image (${c.name})`, () => {
      const shape = { width: c.width, height: c.height, channels: c.channels };
      const value = ssim(decodeBase64(c.a), decodeBase64(c.b), shape, { window });
      assertAlmostEquals(value, c[window], 1e-9);
    });
  }
}

Deno.test("ssim rejects images smaller than the window", () => {
  const tiny = new Uint8Array(10 * 10 * 3);
  assertThrows(
    () => ssim(tiny, tiny, { width: 10, height: 10, channels: 3 }, { window: "gaussian11" }),
    RangeError,
    "11x11",
  );
});

function stats(dim: number, mean: number[], diagonal: number[]): GaussianStats {
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) cov[i * dim + i] = diagonal[i];
  return { dim, count: 100, mean: Float64Array.from(mean), cov };
}

Deno.test("frechetDistance of shifted identity Gaussians", () => {
  // Equal covariances cancel: FD = |mu1 - mu2|^2 = 1 + 4 + 9 + 0.
  const a = stats(4, [0, 0, 0, 0], [1, 1, 1, 1]);
  const b = stats(4, [1, -2, 3, 0], [1, 1, 1, 1]);
  assertAlmostEquals(frechetDistance(a, b), 14, 1e-10);
});

Deno.test("frechetDistance of diagonal Gaussians", () => {
  // Diagonal: FD = |dmu|^2 + sum (sqrt(s1) - sqrt(s2))^2 = 0.25 + (1-2)^2 + (3-1)^2 + (0.5-0.5)^2.
  const a = stats(3, [0.5, 0, 0], [1, 9, 0.25]);
  const b = stats(3, [0, 0, 0], [4, 1, 0.25]);
  assertAlmostEquals(frechetDistance(a, b), 0.25 + 1 + 4, 1e-10);
});

Deno.test("frechetDistance of a singular covariance", () => {
  // S1 = diag(4, 0) has rank 1: FD = (2 - 1)^2 + (0 - 3)^2 = 10, as for any diagonal pair.
  const details = frechetDistanceDetails(stats(2, [0, 0], [4, 0]), stats(2, [0, 0], [1, 9]));
  assertAlmostEquals(details.distance, 10, 1e-12);
  assertEquals(details.rank1, 1);
});

Deno.test("frechetDistance handles fewer samples than dimensions", () => {
  // 10 samples in 30 dimensions: both covariances have rank 9, and a set's
  // distance to itself must still be 0 (a plain Cholesky would fail here).
  const rng = new Rng(21);
  const s = featureStatistics(rng.normalArray(10 * 30), 10, 30);
  const details = frechetDistanceDetails(s, s);
  assertEquals(details.rank1, 9);
  assertAlmostEquals(details.distance, 0, 1e-9);
});

Deno.test("frechetDistance of a rotated covariance", () => {
  // S1 = R diag(4, 1) R^T with a 30 degree rotation R is not diagonal, and with
  // S2 = I: tr(S1) + tr(S2) - 2 tr(S1^(1/2)) = 5 + 2 - 2 (2 + 1) = 1.
  const t = Math.PI / 6;
  const [c, s] = [Math.cos(t), Math.sin(t)];
  const cov = new Float64Array([
    4 * c * c + s * s,
    (4 - 1) * c * s,
    (4 - 1) * c * s,
    4 * s * s + c * c,
  ]);
  const a: GaussianStats = { dim: 2, count: 10, mean: new Float64Array(2), cov };
  const b = stats(2, [0, 0], [1, 1]);
  assertAlmostEquals(frechetDistance(a, b), 1, 1e-10);
});

for (const c of REFERENCE.frechet) {
  Deno.test(`frechetDistance matches scipy sqrtm (${c.name})`, () => {
    const fa = new Float64Array(decodeBase64(c.a).buffer);
    const fb = new Float64Array(decodeBase64(c.b).buffer);
    const details = frechetDistanceDetails(
      featureStatistics(fa, c.count, c.dim),
      featureStatistics(fb, c.count, c.dim),
    );
    assertAlmostEquals(details.distance, c.distance, 1e-8 * Math.max(1, c.distance));
    assert(details.clippedRelative > -1e-10, `clipped ${details.clippedRelative}`);
    assertEquals(details.rank1, c.dim);
  });
}

Deno.test("frechetDistance of a set with itself is 0", () => {
  const rng = new Rng(11);
  const features = rng.normalArray(200 * 16);
  const s = featureStatistics(features, 200, 16);
  assertAlmostEquals(frechetDistance(s, s), 0, 1e-9);
});

Deno.test("featureStatistics uses the N-1 normaliser", () => {
  // Two points 0 and 2 in one dimension: mean 1, unbiased variance 2.
  const s = featureStatistics([0, 2], 2, 1);
  assertEquals(Array.from(s.mean), [1]);
  assertEquals(Array.from(s.cov), [2]);
  assertThrows(() => featureStatistics([1, 2, 3], 2, 2), RangeError, "count*dim = 4");
});

Deno.test("symmetricEigenvalues matches the full decomposition", () => {
  const n = 12;
  const rng = new Rng(6);
  const m = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) m[r * n + c] = m[c * n + r] = rng.normal();
  }
  const full = symmetricEigen(m, n).values;
  const only = symmetricEigenvalues(m, n);
  for (let k = 0; k < n; k++) assertAlmostEquals(only[k], full[k], 1e-12);
});

Deno.test("symmetricEigen reconstructs a random matrix", () => {
  const n = 9;
  const rng = new Rng(5);
  const m = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) m[r * n + c] = m[c * n + r] = rng.normal();
  }
  const { values, vectors } = symmetricEigen(m, n);
  let worst = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += values[k] * vectors[k * n + r] * vectors[k * n + c];
      worst = Math.max(worst, Math.abs(sum - m[r * n + c]));
    }
  }
  assert(worst < 1e-12, `reconstruction error ${worst}`);
  for (let k = 1; k < n; k++) assert(values[k] >= values[k - 1]);
});

Deno.test("codebookUsage of uniform codes", () => {
  // Two groups of 2 bits, every joint code once: 16 tokens.
  const indices: number[] = [];
  for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) indices.push(a, b);
  const usage = codebookUsage(indices, 2, 2);
  assertEquals(usage.tokens, 16);
  for (const group of usage.groups) {
    assertEquals(group.usage, 1);
    assertAlmostEquals(group.perplexity, 4, 1e-12);
  }
  assertEquals(usage.joint.used, 16);
  assertAlmostEquals(usage.joint.perplexity, 16, 1e-12);
  assertAlmostEquals(usage.joint.entropyBits, 4, 1e-12);
});

Deno.test("codebookUsage of one repeated code", () => {
  const usage = codebookUsage([5, 7, 5, 7, 5, 7], 2, 8);
  assertEquals(usage.groups[0].used, 1);
  assertAlmostEquals(usage.groups[0].usage, 1 / 256, 1e-15);
  assertAlmostEquals(usage.groups[1].perplexity, 1, 1e-12);
  assertAlmostEquals(usage.joint.perplexity, 1, 1e-12);
});

Deno.test("codebookUsage of correlated groups", () => {
  // Group 1 copies group 0: each group has 2 codes equally often, and the joint
  // code has 2 of its 4 values, so joint perplexity is 2, not 2 * 2.
  const usage = codebookUsage([0, 0, 1, 1, 0, 0, 1, 1], 2, 1);
  assertAlmostEquals(usage.groups[0].perplexity, 2, 1e-12);
  assertAlmostEquals(usage.joint.perplexity, 2, 1e-12);
  assertEquals(usage.joint.usage, 0.5);
});

Deno.test("codebookUsage rejects out-of-range indices", () => {
  assertThrows(() => codebookUsage([0, 4], 2, 2), RangeError, "index 4 of token 0, group 1");
});

Deno.test("codebookUsage joins wide codes exactly", () => {
  // 4 groups of 16 bits = 64-bit joint codes, past exact float64 integers.
  const usage = codebookUsage([65535, 65535, 65535, 65535, 65535, 65535, 65535, 65534], 4, 16);
  assertEquals(usage.joint.used, 2);
});
