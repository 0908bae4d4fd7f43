/**
 * `Sum`, `Mean`, `Max` and `Min` for the wasm backend: the stock kernels run
 * over merged axes. The stock kernels first transpose the reduced axes to the
 * end. For group norm's statistics over axes [1, 2, 4] of a rank-5 tensor that
 * was a rank-5 transpose, and over merged axes it is a rank-4 one.
 *
 * A float32 `Sum` or `Mean` over leading axes only (such as a bias gradient or
 * batch-norm statistics over [0, 1, 2]) is a product with a row of ones
 * instead: 0.23 ms against 2.25 ms for [8, 32, 32, 64] on one core.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mergeReductionAxes } from "./merge_axes.ts";
import type { KernelArgs } from "./wasm_memory.ts";

/**
 * Returns a reduction kernel (`Sum`, `Mean`, `Max` or `Min`) that calls `stock`
 * with the fewest axes, or a matmul for a float32 `Sum` or `Mean` over leading axes.
 */
export function reductionKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as KernelArgs;
      const x = inputs.x;
      const a = attrs as unknown as {
        axis?: number | number[];
        reductionIndices?: number | number[];
        keepDims: boolean;
      };
      // Max names its axes `reductionIndices`; Sum, Mean and Min name them `axis`.
      const usesIndices = stock.kernelName === tf.Max;
      const axisAttr = usesIndices ? a.reductionIndices! : a.axis!;
      if (x.shape.length <= 1) return stock.kernelFunc(args);
      const axes = tf.util.parseAxisParam(axisAttr, x.shape);
      const merged = mergeReductionAxes(x.shape, axes);
      if (merged === null) return stock.kernelFunc(args);
      const outShape = a.keepDims
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      const isSumOrMean = stock.kernelName === tf.Sum || stock.kernelName === tf.Mean;
      if (
        isSumOrMean && x.dtype === "float32" && merged.shape.length === 2 && merged.axes[0] === 0
      ) {
        const [rows, columns] = merged.shape;
        return tf.tidy(() => {
          const rowsTensor = tf.reshape(x as tf.Tensor, [rows, columns]);
          let total: tf.Tensor = tf.matMul(tf.ones([1, rows]), rowsTensor);
          if (stock.kernelName === tf.Mean) total = tf.mul(total, 1 / rows);
          return tf.reshape(total, outShape);
        });
      }
      if (merged.shape.length === x.shape.length) return stock.kernelFunc(args);
      const mergedAttrs: tf.NamedAttrMap = usesIndices
        ? { reductionIndices: merged.axes, keepDims: false }
        : { axis: merged.axes, keepDims: false };
      const out = stock.kernelFunc({
        ...args,
        inputs: { x: { dataId: x.dataId, shape: merged.shape, dtype: x.dtype } },
        attrs: mergedAttrs,
      }) as tf.TensorInfo;
      return { ...out, shape: outShape };
    },
  };
}
