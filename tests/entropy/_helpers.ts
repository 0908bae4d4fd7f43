/** Shared generators and comparisons for the entropy and quantizer tests. */
import { assert } from "@std/assert";
import { type BackendName, initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import type { CodebookEntropyMethod } from "../../lib/entropy/mod.ts";
import {
  bitwiseEntropyRef,
  bruteForceCodebookEntropy,
  consecutiveGroups,
  groupSumEntropyRef,
  type LogitMatrix,
  pooledGroupEntropyRef,
} from "../../lib/entropy/reference.ts";

/** Starts `name` quietly; every test calls it because test files may share one isolate. */
export async function useBackend(name: BackendName): Promise<void> {
  await initBackend(name, { announce: false });
}

/**
 * Draws per-bit logits with dependent bits: every token has a shared factor
 * that pushes all bits together, plus per-bit noise, so groups of bits are
 * correlated and the group estimators differ from the exact one. Values are
 * rounded to float32 so the float64 references see the same inputs as tfjs.
 */
export function correlatedLogits(rng: Rng, tokens: number, bits: number, scale = 2): Float32Array {
  const data = new Float32Array(tokens * bits);
  const direction = Array.from({ length: bits }, () => (rng.uniform() < 0.5 ? -1 : 1));
  for (let t = 0; t < tokens; t++) {
    const shared = rng.normal();
    for (let k = 0; k < bits; k++) {
      data[t * bits + k] = scale * (direction[k] * shared + 0.7 * rng.normal());
    }
  }
  return data;
}

/** Wraps row-major logits as a reference matrix. */
export function matrix(data: ArrayLike<number>, tokens: number, bits: number): LogitMatrix {
  return { data, tokens, bits };
}

/**
 * Returns the float64 reference codebook entropy, in nats, that each method of
 * `entropyLoss` estimates for the logits `m`, with `groups` consecutive groups
 * of bits for the grouped methods. The exact reference enumerates every code.
 */
export function codebookEntropyReferences(
  m: LogitMatrix,
  groups: number,
): Record<CodebookEntropyMethod, number> {
  return {
    exact: bruteForceCodebookEntropy(m),
    "group-sum": groupSumEntropyRef(m, consecutiveGroups(m.bits, groups)),
    "group-pooled": pooledGroupEntropyRef(m, groups),
    bitwise: bitwiseEntropyRef(m),
  };
}

/** Reads a scalar tensor and disposes it. */
export function scalarValue(t: tf.Tensor): number {
  const value = t.dataSync()[0];
  t.dispose();
  return value;
}

/** Asserts `|actual - expected| <= absolute + relative * |expected|`, naming the quantity. */
export function assertClose(
  actual: number,
  expected: number,
  label: string,
  absolute = 1e-5,
  relative = 1e-4,
): void {
  const tolerance = absolute + relative * Math.abs(expected);
  assert(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance,
    `${label}: got ${actual}, expected ${expected} (tolerance ${tolerance.toExponential(2)})`,
  );
}

/**
 * Returns float64 central differences of `f` with respect to every entry of
 * `x`, with step `h` (default 1e-4).
 */
export function finiteDifferences(
  f: (x: Float64Array) => number,
  x: ArrayLike<number>,
  h = 1e-4,
): Float64Array {
  const point = Float64Array.from(x);
  const grad = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const saved = point[i];
    point[i] = saved + h;
    const up = f(point);
    point[i] = saved - h;
    const down = f(point);
    point[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}
