/**
 * `SplitV` (the kernel behind `tf.split` and the gradient of `tf.concat`) for
 * the wasm backend. The stock kernel of tfjs-backend-wasm 4.22 copies the
 * whole input out of the heap once per output; this one copies rows in place.
 */
import * as tf from "@tensorflow/tfjs-core";
import { sliceTensorInfo } from "./slice.ts";
import type { KernelArgs } from "./wasm_memory.ts";

/** Returns the `SplitV` kernel; `stock` handles string tensors. */
export function splitVKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.SplitV,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as KernelArgs;
      const x = inputs.x;
      if (x.dtype === "string") return stock.kernelFunc(args);
      const { numOrSizeSplits, axis } = attrs as unknown as tf.SplitVAttrs;
      const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
      const splitSizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      const size = x.shape.slice();
      return splitSizes.map((s) => {
        size[$axis] = s;
        const out = sliceTensorInfo(args.backend, x, begin.slice(), size.slice());
        begin[$axis] += s;
        return out;
      });
    },
  };
}
