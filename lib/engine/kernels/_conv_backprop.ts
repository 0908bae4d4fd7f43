/**
 * Input checks shared by the two conv gradient kernels of the wasm backend,
 * `Conv2DBackpropFilter` and `Conv2DBackpropInput`.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Name of a conv gradient kernel, used in its error messages. */
export type ConvBackpropKernelName = typeof tf.Conv2DBackpropFilter | typeof tf.Conv2DBackpropInput;

/** Stride, padding and rounding attributes of a conv gradient kernel (dilation is always 1). */
export type ConvStridePadding = Pick<
  tf.Conv2DBackpropInputAttrs,
  "strides" | "pad" | "dimRoundingMode"
>;

/**
 * Throws unless both tensor inputs of a conv gradient kernel are float32.
 *
 * @param names names of the two inputs in the kernel's inputs, such as `["x", "dy"]`.
 */
export function checkFloat32Inputs(
  kernelName: ConvBackpropKernelName,
  names: [string, string],
  tensors: [tf.TensorInfo, tf.TensorInfo],
): void {
  if (tensors[0].dtype !== "float32" || tensors[1].dtype !== "float32") {
    throw new Error(
      `${kernelName} on wasm needs float32 ${names[0]} and ${names[1]}, got ` +
        `${tensors[0].dtype} and ${tensors[1].dtype}`,
    );
  }
}

/**
 * Returns the geometry of the forward conv of an NHWC input `[B, H, W, C_in]`
 * with a filter `[kh, kw, C_in, C_out]` (dilation 1), and checks that `dy`
 * has the shape of its output.
 *
 * @throws Error naming the kernel and the three shapes when `dy` does not match.
 */
export function backpropConvInfo(
  kernelName: ConvBackpropKernelName,
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  dyShape: readonly number[],
  attrs: ConvStridePadding,
): tf.backend_util.Conv2DInfo {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  const { outHeight, outWidth, outChannels } = info;
  if (dyShape[1] !== outHeight || dyShape[2] !== outWidth || dyShape[3] !== outChannels) {
    throw new Error(
      `${kernelName}: dy has shape [${dyShape}] but the conv of [${inputShape}] with filter ` +
        `[${filterShape}] gives [${inputShape[0]}, ${outHeight}, ${outWidth}, ${outChannels}]`,
    );
  }
  return info;
}
