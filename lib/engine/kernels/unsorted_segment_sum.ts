/**
 * `UnsortedSegmentSum` for the wasm backend, which tfjs-backend-wasm 4.22 does
 * not register. TensorFlow.js needs it for the gradient of `tf.gather`, as in
 * a VQ codebook lookup.
 */
import * as tf from "@tensorflow/tfjs-core";
import { asWasmBackend, type KernelArgs, sizeOfShape } from "./wasm_memory.ts";

/**
 * Returns the `UnsortedSegmentSum` kernel: `out[s, ...] = sum of x[i, ...]
 * over all i with segmentIds[i] = s`. Ids outside `[0, numSegments)` are
 * dropped, as in TensorFlow.
 */
export function unsortedSegmentSumKernel(): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as KernelArgs;
      const { x, segmentIds } = inputs;
      const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
      if (x.dtype !== "float32" && x.dtype !== "int32") {
        throw new Error(
          `UnsortedSegmentSum on wasm supports float32 and int32 data, got ${x.dtype}`,
        );
      }
      const idsRank = segmentIds.shape.length;
      const inner = x.shape.slice(idsRank);
      const innerSize = sizeOfShape(inner);
      const count = sizeOfShape(segmentIds.shape);
      const wasm = asWasmBackend(args.backend);
      const out = wasm.makeOutput([numSegments, ...inner], x.dtype);
      const xs = wasm.typedArrayFromHeap(x);
      const ids = wasm.typedArrayFromHeap(segmentIds);
      const sums = wasm.typedArrayFromHeap(out);
      sums.fill(0);
      for (let i = 0; i < count; i++) {
        const id = ids[i];
        if (id < 0 || id >= numSegments) continue;
        const from = i * innerSize;
        const to = id * innerSize;
        for (let j = 0; j < innerSize; j++) sums[to + j] += xs[from + j];
      }
      return out;
    },
  };
}
