/**
 * `Tile` for the wasm backend. The stock kernel of tfjs-backend-wasm 4.22 took
 * 117 ms to tile 64 channels over [8, 64, 64] on a 2-core AMD EPYC machine,
 * against 3.5 ms for a broadcast multiply of the same size. This one copies
 * the input rows once and then repeats whole blocks with `copyWithin`.
 * TensorFlow.js uses `Tile` in the gradient of batch norm.
 */
import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, type HeapArray, type KernelArgs, sizeOfShape } from "./wasm_memory.ts";

/** Returns the `Tile` kernel; `stock` handles string tensors. */
export function tileKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Tile,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as KernelArgs;
      const x = inputs.x;
      if (x.dtype === "string" || x.shape.length === 0) return stock.kernelFunc(args);
      const { reps } = attrs as unknown as tf.TileAttrs;
      const outShape = x.shape.map((d, k) => d * reps[k]);
      const wasm = asWasmBackend(args.backend);
      const out = wasm.makeOutput(outShape, x.dtype);
      if (sizeOfShape(outShape) === 0) return out;
      tileInto(wasm.typedArrayFromHeap(x), x.shape, reps, wasm.typedArrayFromHeap(out));
      return out;
    },
  };
}

function tileInto(
  src: HeapArray,
  shape: readonly number[],
  reps: readonly number[],
  dst: HeapArray,
): void {
  const rank = shape.length;
  const srcStrides = new Array<number>(rank);
  const dstStrides = new Array<number>(rank);
  srcStrides[rank - 1] = 1;
  dstStrides[rank - 1] = 1;
  for (let k = rank - 2; k >= 0; k--) {
    srcStrides[k] = srcStrides[k + 1] * shape[k + 1];
    dstStrides[k] = dstStrides[k + 1] * shape[k + 1] * reps[k + 1];
  }
  // Fills the block of dimension k that starts at (srcOffset, dstOffset): the
  // first repetition element by element or row by row, the others by block copies.
  const fill = (k: number, srcOffset: number, dstOffset: number): void => {
    const n = shape[k];
    if (k === rank - 1) {
      if (n === 1) {
        dst.fill(src[srcOffset], dstOffset, dstOffset + reps[k]);
        return;
      }
      dst.set(src.subarray(srcOffset, srcOffset + n), dstOffset);
    } else {
      for (let i = 0; i < n; i++) {
        fill(k + 1, srcOffset + i * srcStrides[k], dstOffset + i * dstStrides[k]);
      }
    }
    const block = n * dstStrides[k];
    for (let r = 1; r < reps[k]; r++) {
      dst.copyWithin(dstOffset + r * block, dstOffset, dstOffset + block);
    }
  };
  fill(0, 0, 0);
}
