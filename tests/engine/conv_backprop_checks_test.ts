/**
 * Tests the forward geometry, the `dy` shape check and the float32 check that
 * the wasm `Conv2DBackpropFilter` and `Conv2DBackpropInput` kernels share,
 * with their error messages.
 */
import { assertEquals, assertThrows } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { backpropConvInfo, checkFloat32Inputs } from "../../lib/engine/kernels/_conv_backprop.ts";

// 'same' with stride 2 gives ceil(7 / 2) x ceil(9 / 2) = 4 x 5 output positions.
const X_SHAPE: [number, number, number, number] = [2, 7, 9, 3];
const FILTER_SHAPE: [number, number, number, number] = [3, 3, 3, 4];
const SAME_STRIDE_2 = { strides: 2, pad: "same" as const, dimRoundingMode: undefined };

Deno.test("backpropConvInfo gives forward output size", () => {
  const info = backpropConvInfo(
    tf.Conv2DBackpropFilter,
    X_SHAPE,
    FILTER_SHAPE,
    [2, 4, 5, 4],
    SAME_STRIDE_2,
  );
  assertEquals(info.outHeight, 4);
  assertEquals(info.outWidth, 5);
  assertEquals(info.outChannels, 4);
  assertEquals(info.strideHeight, 2);
  assertEquals(info.strideWidth, 2);
});

Deno.test("backpropConvInfo rejects a mismatched dy", () => {
  assertThrows(
    () =>
      backpropConvInfo(tf.Conv2DBackpropInput, X_SHAPE, FILTER_SHAPE, [2, 4, 4, 4], SAME_STRIDE_2),
    Error,
    "Conv2DBackpropInput: dy has shape [2,4,4,4] but the conv of [2,7,9,3] with filter " +
      "[3,3,3,4] gives [2, 4, 5, 4]",
  );
});

Deno.test("checkFloat32Inputs accepts float32 inputs", () => {
  const x = { dataId: {}, shape: [1], dtype: "float32" as const };
  checkFloat32Inputs(tf.Conv2DBackpropFilter, ["x", "dy"], [x, x]);
});

Deno.test("checkFloat32Inputs rejects an int32 input", () => {
  const x = { dataId: {}, shape: [1], dtype: "float32" as const };
  const dy = { dataId: {}, shape: [1], dtype: "int32" as const };
  assertThrows(
    () => checkFloat32Inputs(tf.Conv2DBackpropFilter, ["x", "dy"], [x, dy]),
    Error,
    "Conv2DBackpropFilter on wasm needs float32 x and dy, got float32 and int32",
  );
});
