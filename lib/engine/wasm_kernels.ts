/**
 * Kernels the project registers on the TensorFlow.js wasm backend
 * (`@tensorflow/tfjs-backend-wasm` 4.22, SIMD, one thread) so that training
 * runs there. A 3x3 conv's forward + backward reached 94% (stride 1) and 75%
 * (stride 2) of the forward conv's GFLOP/s in bench/engine.ts.
 *
 * They replace kernels, not gradients: `tf.grad` of `conv2d`, fused conv,
 * `conv2dTranspose`, `matMul` and `gather` reaches them through the stock
 * gradient definitions with no change at call sites.
 *
 * | kernel | why |
 * |---|---|
 * | `Conv2DBackpropFilter` | not registered by the stock backend |
 * | `Conv2DBackpropInput` | stock one is a direct loop (about 2 GFLOP/s) |
 * | `UnsortedSegmentSum` | not registered; the gradient of `gather` needs it |
 * | `BatchMatMul` | stock one is slow with transpose flags or a batch |
 * | `Slice`, `SplitV` | stock ones copy the whole input per call |
 * | `Tile` | stock one took 117 ms for an 8 MB output, 33x a broadcast multiply |
 * | `DepthToSpace` | stock one took 77 ms on [8, 64, 64, 64], 13x a rank-4 transpose |
 * | `Identity` | stock one copies; this one shares the data, as `Reshape` does |
 * | `Transpose`, `Sum`, `Mean`, `Max`, `Min` | stock ones, called over merged axes; leading-axis sums as a matmul |
 *
 * NOTE: the depthwise conv gradients (`DepthwiseConv2dNativeBackpropFilter`
 * and `...Input`) stay unregistered on wasm because the tokenizer has no
 * depthwise conv. The stock `StridedSlice` stays too, and it is slow, so
 * library code takes strided samples with a reshape and `slice` instead.
 */
import * as tf from "@tensorflow/tfjs-core";
import { batchMatMulKernel } from "./kernels/batch_mat_mul.ts";
import { conv2dBackpropFilterKernel } from "./kernels/conv2d_backprop_filter.ts";
import { conv2dBackpropInputKernel } from "./kernels/conv2d_backprop_input.ts";
import { depthToSpaceKernel } from "./kernels/depth_to_space.ts";
import { identityKernel } from "./kernels/identity.ts";
import { reductionKernel } from "./kernels/reduction.ts";
import { sliceKernel } from "./kernels/slice.ts";
import { splitVKernel } from "./kernels/split_v.ts";
import { tileKernel } from "./kernels/tile.ts";
import { transposeKernel } from "./kernels/transpose.ts";
import { unsortedSegmentSumKernel } from "./kernels/unsorted_segment_sum.ts";

/** Names of the kernels that {@link registerWasmKernels} registers on wasm. */
export const PROJECT_WASM_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.UnsortedSegmentSum,
  tf.BatchMatMul,
  tf.Slice,
  tf.SplitV,
  tf.Tile,
  tf.DepthToSpace,
  tf.Identity,
  tf.Transpose,
  tf.Sum,
  tf.Mean,
  tf.Max,
  tf.Min,
];

/** Stock wasm kernels, kept at the first registration for fallbacks and comparisons. */
const stockKernels = new Map<string, tf.KernelConfig>();

/**
 * Registers the project's training kernels on the wasm backend, replacing the
 * stock ones of the same name. Safe to call repeatedly: later calls do nothing.
 *
 * @throws Error when the wasm backend package has not registered its kernels
 *   (import `@tensorflow/tfjs-backend-wasm` first).
 */
export function registerWasmKernels(): void {
  if (stockKernels.size > 0) return;
  const stock = (name: string): tf.KernelConfig => {
    const config = tf.getKernel(name, "wasm");
    if (config === undefined) {
      throw new Error(
        `stock wasm kernel ${name} is not registered; import @tensorflow/tfjs-backend-wasm ` +
          "before registering the project's kernels",
      );
    }
    return config;
  };
  const configs: tf.KernelConfig[] = [
    conv2dBackpropFilterKernel(),
    conv2dBackpropInputKernel(),
    unsortedSegmentSumKernel(),
    batchMatMulKernel(stock(tf.BatchMatMul)),
    sliceKernel(stock(tf.Slice)),
    splitVKernel(stock(tf.SplitV)),
    tileKernel(stock(tf.Tile)),
    depthToSpaceKernel(stock(tf.DepthToSpace)),
    identityKernel(stock(tf.Identity)),
    transposeKernel(stock(tf.Transpose)),
    reductionKernel(stock(tf.Sum)),
    reductionKernel(stock(tf.Mean)),
    reductionKernel(stock(tf.Max)),
    reductionKernel(stock(tf.Min)),
  ];
  for (const name of PROJECT_WASM_KERNELS) {
    const existing = tf.getKernel(name, "wasm");
    if (existing !== undefined) {
      stockKernels.set(name, existing);
      tf.unregisterKernel(name, "wasm");
    }
  }
  for (const config of configs) {
    // The replacements that call a stock kernel need its setup (a cwrap of the
    // wasm function), which the engine runs when the backend initialises.
    const old = stockKernels.get(config.kernelName);
    tf.registerKernel(
      old ? { ...config, setupFunc: old.setupFunc, disposeFunc: old.disposeFunc } : config,
    );
  }
}

/**
 * Returns the stock wasm kernel that {@link registerWasmKernels} replaced, for
 * benchmarks and tests that compare against it, or undefined when the stock
 * backend had none (`Conv2DBackpropFilter`, `UnsortedSegmentSum`).
 */
export function stockWasmKernel(name: string): tf.KernelConfig | undefined {
  return stockKernels.get(name);
}
