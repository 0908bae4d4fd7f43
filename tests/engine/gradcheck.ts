/**
 * Gradient checks for tests: central finite differences on the cpu backend
 * against analytic gradients, and one backend against the cpu backend, with
 * stated tolerances.
 *
 * A case is an op `fn` on fixed input values. Its scalar objective is
 * `L(x) = sum(fn(x) * w)` with fixed random weights `w`, so the analytic
 * gradient is the vector-Jacobian product with `dy = w`. Finite differences
 * perturb one input element at a time by `+-eps` and form
 * `(L(x + eps) - L(x - eps)) / (2 eps)`, with the perturbation, the weighted
 * sum and the difference in float64 (the op itself runs in float32 on cpu).
 */
import { assert, assertEquals } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, initBackend } from "../../lib/engine/backend.ts";
import { Rng } from "../../lib/engine/rng.ts";

/** Values of one input, created afresh on each backend. */
export interface InputSpec {
  shape: number[];
  values: Float32Array | Int32Array;
  dtype: "float32" | "int32";
}

/** One op and its inputs. */
export interface OpCase {
  /** Op name as it appears in test names, such as "conv2d 3x3 stride 2". */
  name: string;
  inputs: InputSpec[];
  /** The op; it may return several tensors, compared one by one. */
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
  /** Indices of the inputs to differentiate (default: every float32 input; [] for none). */
  wrt?: number[];
  /** Step of the finite differences (default 1e-2; linear ops can take 1). */
  eps?: number;
  /** Why finite differences do not apply, such as a straight-through estimator; unset when they do. */
  noFiniteDifferences?: string;
}

/** Outputs and gradients of a case on one backend, read back as float64 arrays. */
export interface CaseResult {
  outputs: { shape: number[]; values: Float64Array }[];
  /** Gradient of `sum(output[0] * w)` with respect to each input in `wrt`. */
  gradients: Float64Array[];
  /** Tensors alive after the run minus before (0 when nothing leaked). */
  leakedTensors: number;
}

/** Returns a float32 input of normal draws (mean 0, standard deviation `std`). */
export function normalInput(rng: Rng, shape: number[], std = 1): InputSpec {
  return { shape, values: rng.normalArray(sizeOf(shape), 0, std), dtype: "float32" };
}

/** Returns a float32 input of uniform draws in [low, high). */
export function uniformInput(rng: Rng, shape: number[], low: number, high: number): InputSpec {
  return { shape, values: rng.uniformArray(sizeOf(shape), low, high), dtype: "float32" };
}

/**
 * Returns a float32 input of normal draws pushed at least `margin` away from
 * zero, for ops with a kink at zero (abs, LeakyReLU, sign), so that finite
 * differences with `eps < margin` never straddle the kink.
 */
export function awayFromZeroInput(rng: Rng, shape: number[], margin = 0.1): InputSpec {
  const values = rng.normalArray(sizeOf(shape));
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.sign(values[i] || 1) * (margin + Math.abs(values[i]));
  }
  return { shape, values, dtype: "float32" };
}

/**
 * Returns a float32 input of distinct values `spacing` apart in random order.
 * Max, min and argmin need it because their gradients need a unique extreme.
 * Finite differences then need `eps < spacing / 2`.
 */
export function distinctInput(rng: Rng, shape: number[], spacing = 0.05): InputSpec {
  const n = sizeOf(shape);
  const order = rng.permutation(n);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (order[i] - n / 2) * spacing;
  return { shape, values, dtype: "float32" };
}

/** Returns an int32 input of uniform integers in [0, bound). */
export function intInput(rng: Rng, shape: number[], bound: number): InputSpec {
  const values = new Int32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.int(bound);
  return { shape, values, dtype: "int32" };
}

/** Returns the indices of the inputs that a case differentiates. */
export function wrtOf(c: OpCase): number[] {
  return c.wrt ?? c.inputs.flatMap((s, i) => (s.dtype === "float32" ? [i] : []));
}

/**
 * Runs a case on `backend`: outputs, and the gradient of `sum(output[0] * w)`
 * with `w` drawn from `seed`. Reads with `await data()`, as webgpu requires.
 */
export async function runCase(backend: BackendName, c: OpCase, seed = 1): Promise<CaseResult> {
  await initBackend(backend, { announce: false });
  const before = tf.memory().numTensors;
  const xs = c.inputs.map((s) => tf.tensor(s.values, s.shape, s.dtype));
  const wrt = wrtOf(c);
  const first = (ys: tf.Tensor | tf.Tensor[]) => (Array.isArray(ys) ? ys[0] : ys);

  const ys = tf.tidy(() => c.fn(...xs));
  const yList = Array.isArray(ys) ? ys : [ys];
  const outputs = [];
  for (const y of yList) {
    outputs.push({ shape: y.shape, values: Float64Array.from(await y.data()) });
  }

  const gradients: Float64Array[] = [];
  if (wrt.length > 0) {
    const y0 = first(ys);
    const w = tf.tensor(new Rng(seed).normalArray(y0.size), y0.shape, "float32");
    const f = (...args: tf.Tensor[]) => {
      const all = xs.slice();
      wrt.forEach((k, j) => (all[k] = args[j]));
      return first(c.fn(...all));
    };
    const grads = tf.grads(f)(wrt.map((k) => xs[k]), w);
    for (const g of grads) gradients.push(Float64Array.from(await g.data()));
    tf.dispose([w, ...grads]);
  }
  tf.dispose([...xs, ...yList]);
  return { outputs, gradients, leakedTensors: tf.memory().numTensors - before };
}

/**
 * Estimates, on the cpu backend, the gradient of `sum(fn(x)[0] * w)` with
 * respect to input `k` by central finite differences at up to `maxPoints`
 * elements chosen with `seed` (every element when the input is smaller).
 *
 * @returns the element indices and the estimated derivatives there.
 */
export async function finiteDifferenceGradient(
  c: OpCase,
  k: number,
  options: { seed?: number; maxPoints?: number } = {},
): Promise<{ indices: number[]; values: number[] }> {
  await initBackend("cpu", { announce: false });
  const eps = c.eps ?? 1e-2;
  const seed = options.seed ?? 1;
  const spec = c.inputs[k];
  const n = spec.values.length;
  const maxPoints = options.maxPoints ?? 24;
  const rng = new Rng(seed + 1000 * (k + 1));
  const indices = n <= maxPoints
    ? Array.from({ length: n }, (_, i) => i)
    : rng.permutation(n).slice(0, maxPoints);

  let w: Float32Array | null = null;
  const objective = (values: Float32Array): number => {
    return tf.tidy(() => {
      const xs = c.inputs.map((s, i) => tf.tensor(i === k ? values : s.values, s.shape, s.dtype));
      const out = c.fn(...xs);
      const y = Array.isArray(out) ? out[0] : out;
      const ys = y.dataSync();
      if (w === null) w = new Rng(seed).normalArray(ys.length);
      let sum = 0;
      for (let i = 0; i < ys.length; i++) sum += ys[i] * w[i];
      return sum;
    });
  };
  const base = Float32Array.from(spec.values as Float32Array);
  const values: number[] = [];
  for (const i of indices) {
    const x = Float32Array.from(base);
    // The perturbed point is rounded to float32; the step actually taken is used.
    x[i] = base[i] + eps;
    const up = x[i];
    const lUp = objective(x);
    x[i] = base[i] - eps;
    const down = x[i];
    const lDown = objective(x);
    values.push((lUp - lDown) / (up - down));
  }
  return { indices, values };
}

/** Result of {@link compareArrays}. */
export interface Comparison {
  ok: boolean;
  /** Largest absolute difference and where it is. */
  maxError: number;
  at: number;
  /** The bound it was checked against: `tolerance * max(1, max |expected|)`. */
  bound: number;
  message: string;
}

/**
 * Compares two arrays elementwise with a bound scaled to the data:
 * `|actual - expected| <= tolerance * max(1, max |expected|)`.
 */
export function compareArrays(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
): Comparison {
  if (actual.length !== expected.length) {
    return {
      ok: false,
      maxError: Infinity,
      at: -1,
      bound: 0,
      message: `${label}: ${actual.length} values, expected ${expected.length}`,
    };
  }
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let maxError = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    if (!(e <= maxError)) {
      maxError = e;
      at = i;
    }
  }
  const bound = tolerance * scale;
  const ok = maxError <= bound;
  const where = at >= 0 ? ` at ${at} (${actual[at]} vs ${expected[at]})` : "";
  return {
    ok,
    maxError,
    at,
    bound,
    message: `${label}: max error ${maxError.toExponential(2)}${where}, bound ${
      bound.toExponential(2)
    }`,
  };
}

/** Tolerances of the comparisons, relative to `max(1, max |expected|)`. */
export const TOLERANCE = {
  /** wasm against cpu: both float32, differing in summation order. */
  wasm: 1e-4,
  /** webgpu against cpu: float32 shaders whose exp, log and division are less exact. */
  webgpu: 2e-3,
  /** Analytic gradient against central finite differences (float32 op, eps 1e-2). */
  finiteDifference: 2e-3,
} as const;

/** Failure-message names of a case's outputs and gradients, in order. */
export interface ComparisonLabels {
  /** Default: "output 0", "output 1", ... */
  outputs?: string[];
  /** Default: "gradient 0", "gradient 1", ... (one per differentiated input). */
  gradients?: string[];
}

/**
 * Runs `c` on the cpu backend and on `backend`, and asserts that `backend`
 * returns as many outputs, of the same shapes, with values and gradients
 * within `TOLERANCE[backend]` (see {@link compareArrays}).
 *
 * @returns the result on `backend`, for further checks such as leaked tensors.
 */
export async function assertMatchesCpu(
  backend: "wasm" | "webgpu",
  c: OpCase,
  labels: ComparisonLabels = {},
): Promise<CaseResult> {
  const expected = await runCase("cpu", c);
  const actual = await runCase(backend, c);
  assertEquals(actual.outputs.length, expected.outputs.length, "number of outputs");
  actual.outputs.forEach((out, i) => {
    const label = labels.outputs?.[i] ?? `output ${i}`;
    assertEquals(out.shape, expected.outputs[i].shape, `${label} shape`);
    const r = compareArrays(label, out.values, expected.outputs[i].values, TOLERANCE[backend]);
    assert(r.ok, r.message);
  });
  actual.gradients.forEach((g, i) => {
    const label = labels.gradients?.[i] ?? `gradient ${i}`;
    const r = compareArrays(label, g, expected.gradients[i], TOLERANCE[backend]);
    assert(r.ok, r.message);
  });
  return actual;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
