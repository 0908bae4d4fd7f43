/**
 * The ops that training the tokenizer uses, each as a small case with fixed
 * inputs: convolutions with explicit padding, normalisation, activations,
 * reductions, elementwise math, selection, concatenation, slicing, matrix
 * products, the VQ lookup, and the update rules of Adam and EMA.
 */
import * as tf from "@tensorflow/tfjs-core";
import { depthToSpace } from "../../lib/engine/depth_to_space.ts";
import { Rng } from "../../lib/engine/rng.ts";
import {
  awayFromZeroInput,
  distinctInput,
  intInput,
  normalInput,
  type OpCase,
  uniformInput,
} from "./gradcheck.ts";

/** Group norm as the decoder uses it: statistics over (H, W, C/G) per group. */
export function groupNorm(
  x: tf.Tensor,
  groups: number,
  gamma: tf.Tensor,
  beta: tf.Tensor,
): tf.Tensor {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, 1e-6)));
  return tf.add(tf.mul(tf.reshape(normed, [b, h, w, c]), gamma), beta);
}

/**
 * Straight-through estimator: the value of `q`, the gradient of `u`.
 * tfjs-core 4.22 has no `stopGradient`, so a custom gradient replaces it.
 */
export function straightThrough(u: tf.Tensor, q: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((_u, b) => ({
    value: tf.clone(b as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => [dy, tf.zerosLike(b as tf.Tensor)],
  }));
  return f(u, q);
}

/**
 * Lookup-free quantization with the straight-through estimator: the value is
 * +1 where `u > 0` and -1 elsewhere; the gradient passes to `u` unchanged.
 */
export function lfqStraightThrough(u: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((x) => ({
    value: tf.sub(tf.mul(tf.cast(tf.greater(x as tf.Tensor, 0), "float32"), 2), 1),
    gradFunc: (dy: tf.Tensor) => dy,
  }));
  return f(u);
}

/**
 * Returns a conv2d of `(x, filter)` that pads x with `padding` (NHWC pairs)
 * and then convolves with "valid", as the networks' PyTorch-style convs do.
 */
function conv2dAfterPad(
  padding: [number, number][],
  strides: number,
): (x: tf.Tensor, filter: tf.Tensor) => tf.Tensor {
  return (x, filter) =>
    tf.conv2d(tf.pad(x, padding) as tf.Tensor4D, filter as tf.Tensor4D, strides, "valid");
}

/** Returns the op cases, with inputs drawn from `seed`. */
export function opCases(seed = 7): OpCase[] {
  const rng = new Rng(seed);
  const n = (shape: number[], std = 1) => normalInput(rng, shape, std);
  const cases: OpCase[] = [
    {
      name: "conv2d 3x3 after explicit pad",
      inputs: [n([2, 7, 9, 3]), n([3, 3, 3, 4], 0.3)],
      fn: conv2dAfterPad([[0, 0], [1, 1], [1, 1], [0, 0]], 1),
      eps: 0.5,
    },
    {
      name: "conv2d 3x3 stride 2 asymmetric pad",
      inputs: [n([1, 8, 7, 2]), n([3, 3, 2, 3], 0.3)],
      fn: conv2dAfterPad([[0, 0], [0, 1], [1, 0], [0, 0]], 2),
      eps: 0.5,
    },
    {
      name: "conv2d 1x1",
      inputs: [n([2, 5, 4, 3]), n([1, 1, 3, 5], 0.3)],
      fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "valid"),
      eps: 0.5,
    },
    {
      name: "conv2d 4x4 stride 2 PatchGAN",
      inputs: [n([2, 10, 10, 3]), n([4, 4, 3, 4], 0.2)],
      fn: (x, w) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]),
      eps: 0.5,
    },
    {
      name: "conv2d 4x4 stride 1 PatchGAN",
      inputs: [n([1, 6, 6, 4]), n([4, 4, 4, 1], 0.2)],
      fn: (x, w) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, [[0, 0], [1, 2], [2, 1], [0, 0]]),
      eps: 0.5,
    },
    {
      name: "fused conv2d bias relu",
      inputs: [n([1, 6, 5, 2]), n([3, 3, 2, 3], 0.3), awayFromZeroInput(rng, [3], 0.5)],
      fn: (x, w, b) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          strides: 1,
          pad: "same",
          bias: b,
        }),
      wrt: [1, 2],
      eps: 1e-3,
    },
    {
      name: "conv2dTranspose stride 2",
      inputs: [n([1, 4, 3, 3]), n([3, 3, 2, 3], 0.3)],
      fn: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 8, 6, 2], 2, "same"),
      eps: 0.5,
    },
    {
      name: "group norm",
      inputs: [n([2, 4, 3, 6]), n([6], 0.5), n([6], 0.5)],
      fn: (x, g, b) => groupNorm(x, 2, g, b),
    },
    {
      name: "batch norm",
      inputs: [n([3, 4, 3, 4]), n([4], 0.5), n([4], 0.5)],
      fn: (x, g, b) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, b, g, 1e-3);
      },
    },
    {
      name: "batch norm fixed statistics",
      inputs: [
        n([3, 4, 3, 4]),
        n([4], 0.5),
        uniformInput(rng, [4], 0.5, 2),
        n([4], 0.5),
        n([4], 0.5),
      ],
      fn: (x, mean, variance, b, g) => tf.batchNorm(x, mean, variance, b, g, 1e-3),
    },
    {
      name: "depthToSpace reshape transpose",
      inputs: [n([2, 3, 5, 8])],
      fn: (x) => depthToSpace(x as tf.Tensor4D, 2),
      eps: 0.5,
    },
    { name: "swish", inputs: [n([4, 7])], fn: (x) => tf.mul(x, tf.sigmoid(x)) },
    {
      name: "leakyRelu",
      inputs: [awayFromZeroInput(rng, [4, 7])],
      fn: (x) => tf.leakyRelu(x, 0.2),
    },
    { name: "relu", inputs: [awayFromZeroInput(rng, [4, 7])], fn: (x) => tf.relu(x) },
    { name: "softplus", inputs: [n([4, 7], 2)], fn: (x) => tf.softplus(x) },
    { name: "sigmoid", inputs: [n([4, 7], 2)], fn: (x) => tf.sigmoid(x) },
    { name: "tanh", inputs: [n([4, 7])], fn: (x) => tf.tanh(x) },
    { name: "logSoftmax", inputs: [n([5, 9], 2)], fn: (x) => tf.logSoftmax(x) },
    { name: "softmax", inputs: [n([5, 9], 2)], fn: (x) => tf.softmax(x) },
    { name: "sum over axes", inputs: [n([2, 3, 4, 5])], fn: (x) => tf.sum(x, [1, 3]) },
    { name: "mean over axes", inputs: [n([2, 3, 4, 5])], fn: (x) => tf.mean(x, [0, 2], true) },
    { name: "mean rank 5", inputs: [n([2, 3, 4, 2, 3])], fn: (x) => tf.mean(x, [1, 2, 4]) },
    {
      name: "max over axis",
      inputs: [distinctInput(rng, [3, 4, 5])],
      fn: (x) => tf.max(x, 1),
      eps: 1e-3,
    },
    {
      name: "min over axes",
      inputs: [distinctInput(rng, [3, 4, 5])],
      fn: (x) => tf.min(x, [0, 2]),
      eps: 1e-3,
    },
    { name: "abs", inputs: [awayFromZeroInput(rng, [3, 5])], fn: (x) => tf.abs(x) },
    { name: "square", inputs: [n([3, 5])], fn: (x) => tf.square(x) },
    {
      name: "squaredDifference",
      inputs: [n([3, 5]), n([3, 5])],
      fn: (x, y) => tf.squaredDifference(x, y),
    },
    { name: "sqrt", inputs: [uniformInput(rng, [3, 5], 0.5, 2)], fn: (x) => tf.sqrt(x) },
    { name: "rsqrt", inputs: [uniformInput(rng, [3, 5], 0.5, 2)], fn: (x) => tf.rsqrt(x) },
    { name: "exp", inputs: [n([3, 5])], fn: (x) => tf.exp(x) },
    { name: "log", inputs: [uniformInput(rng, [3, 5], 0.5, 2)], fn: (x) => tf.log(x) },
    {
      name: "div",
      inputs: [n([3, 5]), uniformInput(rng, [3, 5], 0.5, 2)],
      fn: (x, y) => tf.div(x, y),
    },
    {
      name: "where select",
      inputs: [awayFromZeroInput(rng, [3, 5]), n([3, 5]), n([3, 5])],
      fn: (c, x, y) => tf.where(tf.greater(c, 0), x, y),
      wrt: [1, 2],
    },
    {
      name: "concat channels",
      inputs: [n([2, 3, 3, 2]), n([2, 3, 3, 3])],
      fn: (x, y) => tf.concat([x, y], 3),
      eps: 0.5,
    },
    {
      name: "slice",
      inputs: [n([2, 5, 6, 3])],
      fn: (x) => tf.slice(x, [1, 1, 2, 0], [1, 3, 3, 2]),
      eps: 0.5,
    },
    {
      name: "split channels",
      inputs: [n([2, 3, 3, 5])],
      fn: (x) => tf.split(x, [2, 3], 3)[1],
      eps: 0.5,
    },
    {
      name: "transpose rank 5",
      inputs: [n([2, 3, 4, 2, 3])],
      fn: (x) => tf.transpose(x, [0, 3, 1, 2, 4]),
      eps: 0.5,
    },
    { name: "tile", inputs: [n([2, 1, 3])], fn: (x) => tf.tile(x, [2, 3, 2]), eps: 0.5 },
    { name: "matMul", inputs: [n([5, 4]), n([4, 3])], fn: (a, b) => tf.matMul(a, b), eps: 0.5 },
    {
      name: "matMul transposeA",
      inputs: [n([4, 5]), n([4, 3])],
      fn: (a, b) => tf.matMul(a, b, true, false),
      eps: 0.5,
    },
    {
      name: "matMul transposeB",
      inputs: [n([5, 4]), n([3, 4])],
      fn: (a, b) => tf.matMul(a, b, false, true),
      eps: 0.5,
    },
    {
      name: "matMul both transposed",
      inputs: [n([4, 5]), n([3, 4])],
      fn: (a, b) => tf.matMul(a, b, true, true),
      eps: 0.5,
    },
    {
      name: "batched matMul",
      inputs: [n([3, 5, 4]), n([3, 4, 2])],
      fn: (a, b) => tf.matMul(a, b),
      eps: 0.5,
    },
    {
      // NOTE: tfjs-core 4.22 does not reduce the gradient of a matMul whose batch
      // dimensions broadcast, so a linear layer on [B, N, C] reshapes to 2-D first.
      name: "linear layer rank 3",
      inputs: [n([2, 5, 4]), n([4, 3]), n([3])],
      fn: (x, w, b) => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [10, 4]), w), b), [2, 5, 3]),
      eps: 0.5,
    },
    {
      // z: 12 tokens of dimension 3; codebook of 6 codes. Output 0 (differentiated)
      // is the distance matrix; outputs 1 and 2, the nearest code and the code
      // usage, are compared forward only.
      name: "VQ distances argMin oneHot",
      inputs: [n([12, 3]), n([6, 3])],
      fn: (z, codebook) => {
        const distances = tf.add(
          tf.sub(tf.sum(tf.square(z), 1, true), tf.mul(2, tf.matMul(z, codebook, false, true))),
          tf.sum(tf.square(codebook), 1),
        );
        const index = tf.argMin(distances, 1);
        return [distances, index, tf.mean(tf.oneHot(index, 6), 0)];
      },
      eps: 1e-2,
    },
    {
      // NOTE: the indices must not depend on a differentiated input: tfjs-core 4.22
      // then fails on the int32 gradient that gather returns for them.
      name: "VQ gather straight-through",
      inputs: [n([12, 3]), n([6, 3]), intInput(rng, [12], 6)],
      fn: (z, codebook, index) => {
        const q = tf.gather(codebook, index);
        return tf.add(tf.mul(straightThrough(z, q), 1.5), tf.square(tf.sub(q, z)));
      },
      noFiniteDifferences: "the straight-through gradient is not the derivative",
    },
    {
      name: "gather rows",
      inputs: [n([6, 4]), intInput(rng, [9], 6)],
      fn: (x, i) => tf.gather(x, i),
      eps: 0.5,
    },
    { name: "sign", inputs: [awayFromZeroInput(rng, [3, 5])], fn: (x) => tf.mul(tf.sign(x), x) },
    {
      name: "clipByValue",
      inputs: [uniformInput(rng, [4, 6], -2, 2)],
      fn: (x) => tf.clipByValue(x, -1, 1),
      eps: 1e-3,
    },
    {
      name: "LFQ straight-through",
      inputs: [awayFromZeroInput(rng, [4, 6])],
      fn: (u) => tf.mul(lfqStraightThrough(u), tf.tensor1d([1, -2, 3, -4, 5, -6])),
      noFiniteDifferences: "the straight-through gradient is not the derivative",
    },
  ];
  return cases;
}
