/** `Transpose` for the wasm backend: the stock kernel run over merged axes. */
import * as tf from "@tensorflow/tfjs-core";
import { mergeTransposeAxes } from "./merge_axes.ts";
import type { KernelArgs } from "./wasm_memory.ts";

/** Returns the `Transpose` kernel that calls `stock` with the fewest axes. */
export function transposeKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Transpose,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as KernelArgs;
      const x = inputs.x;
      const { perm } = attrs as unknown as tf.TransposeAttrs;
      if (x.dtype === "string" || x.shape.length <= 2) return stock.kernelFunc(args);
      const merged = mergeTransposeAxes(x.shape, perm);
      if (merged.shape.length === x.shape.length) return stock.kernelFunc(args);
      const outShape = perm.map((axis) => x.shape[axis]);
      if (merged.shape.length <= 1) {
        // Only the order of size-1 axes changes, so the data is already in output order.
        const copy = stock.kernelFunc({
          ...args,
          attrs: { perm: [0] },
          inputs: { x: { ...x, shape: [tf.util.sizeFromShape(x.shape)] } },
        }) as tf.TensorInfo;
        return { ...copy, shape: outShape };
      }
      const out = stock.kernelFunc({
        ...args,
        inputs: { x: { dataId: x.dataId, shape: merged.shape, dtype: x.dtype } },
        attrs: { perm: merged.perm },
      }) as tf.TensorInfo;
      return { ...out, shape: outShape };
    },
  };
}
