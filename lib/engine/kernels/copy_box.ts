/**
 * Copy of a box (a slice with unit strides) out of a row-major array, as a
 * sequence of contiguous row copies.
 */
import type { HeapArray } from "./wasm_memory.ts";

/** A slice box merged to the fewest dimensions that describe the same copy. */
interface MergedBox {
  shape: number[];
  begin: number[];
  size: number[];
}

/**
 * Merges each dimension into the next inner one when the inner block is taken
 * whole or the outer dimension contributes a single index, so that a slice of
 * `[B, H, W, C]` over `H` and `W` copies rows of `W*C` values, not of `C`.
 */
function mergeBox(
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): MergedBox {
  const rank = shape.length;
  if (rank === 0) return { shape: [1], begin: [0], size: [1] };
  let extent = shape[rank - 1];
  let start = begin[rank - 1];
  let length = size[rank - 1];
  const outer: MergedBox = { shape: [], begin: [], size: [] };
  for (let k = rank - 2; k >= 0; k--) {
    if (length === extent || size[k] === 1) {
      start = begin[k] * extent + start;
      length = size[k] === 1 ? length : size[k] * extent;
      extent = shape[k] * extent;
    } else {
      outer.shape.unshift(extent);
      outer.begin.unshift(start);
      outer.size.unshift(length);
      extent = shape[k];
      start = begin[k];
      length = size[k];
    }
  }
  outer.shape.unshift(extent);
  outer.begin.unshift(start);
  outer.size.unshift(length);
  return outer;
}

/**
 * Copies the box `[begin, begin + size)` of the row-major array `src` of shape
 * `shape` into `dst` from `dstOffset` on, in row-major order of the box.
 *
 * @param src source values, `shape` in row-major order.
 * @param shape source shape.
 * @param begin first index of the box in each dimension.
 * @param size box extent in each dimension (no -1 here; resolve it first).
 * @param dst destination; it must hold `dstOffset + prod(size)` values.
 * @param dstOffset first destination element (default 0).
 */
export function copyBox(
  src: HeapArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: HeapArray,
  dstOffset = 0,
): void {
  const box = mergeBox(shape, begin, size);
  const rank = box.shape.length;
  for (const s of box.size) if (s === 0) return;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let k = rank - 2; k >= 0; k--) strides[k] = strides[k + 1] * box.shape[k + 1];
  const rowLength = box.size[rank - 1];
  if (rank === 1) {
    dst.set(src.subarray(box.begin[0], box.begin[0] + rowLength), dstOffset);
    return;
  }
  // Odometer over every dimension but the innermost one.
  const index = new Array<number>(rank - 1).fill(0);
  let srcRow = 0;
  for (let k = 0; k < rank; k++) srcRow += box.begin[k] * strides[k];
  let out = dstOffset;
  for (;;) {
    dst.set(src.subarray(srcRow, srcRow + rowLength), out);
    out += rowLength;
    let k = rank - 2;
    while (k >= 0) {
      index[k]++;
      srcRow += strides[k];
      if (index[k] < box.size[k]) break;
      srcRow -= box.size[k] * strides[k];
      index[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}
