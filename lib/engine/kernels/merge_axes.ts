/**
 * Axis merging for the wasm transpose and reduction kernels: fewer, larger
 * axes describe the same memory layout, and the stock kernels of
 * tfjs-backend-wasm 4.22 run much faster at rank 4 or below (a rank-5
 * transpose took 2.3 times as long as the rank-4 one with the same data).
 */

/** A transpose rewritten over merged axes. */
export interface MergedTranspose {
  shape: number[];
  perm: number[];
}

/**
 * Rewrites the transpose of `shape` by `perm` over the fewest axes: size-1
 * axes are dropped, and input axes that stay adjacent and in order in the
 * output are merged into one.
 */
export function mergeTransposeAxes(
  shape: readonly number[],
  perm: readonly number[],
): MergedTranspose {
  // Input axes of size above 1, relabelled 0..m-1 in input order.
  const nonUnitAxes = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  const label = new Map(nonUnitAxes.map((axis, j) => [axis, j]));
  const keptPerm = perm.filter((i) => shape[i] !== 1).map((i) => label.get(i)!);
  // Runs of consecutive input axes, in output order.
  const runs: number[][] = [];
  for (const axis of keptPerm) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] + 1 === axis) last.push(axis);
    else runs.push([axis]);
  }
  const byInput = runs.slice().sort((u, v) => u[0] - v[0]);
  const mergedShape = byInput.map((run) => run.reduce((n, j) => n * shape[nonUnitAxes[j]], 1));
  const mergedPerm = runs.map((run) => byInput.indexOf(run));
  return { shape: mergedShape, perm: mergedPerm };
}

/** A reduction rewritten over merged axes. */
export interface MergedReduction {
  shape: number[];
  axes: number[];
}

/**
 * Rewrites a reduction of `shape` over `axes` over the fewest axes: size-1
 * axes are dropped, and neighbouring axes that are both reduced or both kept
 * are merged. Returns null when no axis of size above 1 is reduced.
 */
export function mergeReductionAxes(
  shape: readonly number[],
  axes: readonly number[],
): MergedReduction | null {
  const merged: MergedReduction = { shape: [], axes: [] };
  let lastReduced: boolean | null = null;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const reduced = axes.includes(i);
    if (reduced === lastReduced) {
      merged.shape[merged.shape.length - 1] *= shape[i];
    } else {
      merged.shape.push(shape[i]);
      if (reduced) merged.axes.push(merged.shape.length - 1);
      lastReduced = reduced;
    }
  }
  return merged.axes.length === 0 ? null : merged;
}
