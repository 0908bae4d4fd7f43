/**
 * Conv2d shapes shared by the wasm kernel tests and the webgpu tests, and the
 * op case that draws inputs for one of them.
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../../lib/engine/rng.ts";
import { normalInput, type OpCase } from "./gradcheck.ts";

/** Padding as `tf.conv2d` takes it: a mode, a size, or explicit NHWC pairs. */
export type Pad = "same" | "valid" | number | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

/** One conv2d shape of the grid. */
export interface ConvShape {
  label: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

/** Explicit padding: `t` rows on top, `b` below, `l` columns left, `r` right. */
const explicit = (
  t: number,
  b: number,
  l: number,
  r: number,
): Pad => [[0, 0], [t, b], [l, r], [0, 0]];

/**
 * The grid of awkward conv2d shapes: stride 2, odd sizes, batch 1, one
 * channel, 1x1 and 4x4 kernels, explicit asymmetric padding, unequal strides
 * and a kernel smaller than its stride. The last shape has enough output
 * positions to need several chunks of the filter gradient.
 */
export const CONV_SHAPES: ConvShape[] = [
  {
    label: "3x3 stride 1 same 7x9",
    x: [2, 7, 9, 3],
    filter: [3, 3, 3, 4],
    strides: 1,
    pad: "same",
  },
  {
    label: "3x3 stride 2 same 7x9",
    x: [2, 7, 9, 3],
    filter: [3, 3, 3, 4],
    strides: 2,
    pad: "same",
  },
  {
    label: "3x3 stride 2 valid 8x8",
    x: [1, 8, 8, 2],
    filter: [3, 3, 2, 3],
    strides: 2,
    pad: "valid",
  },
  {
    label: "3x3 stride 2 asymmetric pad",
    x: [2, 8, 7, 2],
    filter: [3, 3, 2, 2],
    strides: 2,
    pad: explicit(0, 1, 1, 0),
  },
  {
    label: "1x1 batch 1 one channel",
    x: [1, 5, 6, 1],
    filter: [1, 1, 1, 1],
    strides: 1,
    pad: "valid",
  },
  { label: "1x1 stride 2", x: [2, 7, 5, 3], filter: [1, 1, 3, 2], strides: 2, pad: "valid" },
  {
    label: "4x4 stride 2 pad 1",
    x: [2, 10, 9, 3],
    filter: [4, 4, 3, 4],
    strides: 2,
    pad: explicit(1, 1, 1, 1),
  },
  {
    label: "4x4 stride 1 asymmetric pad",
    x: [1, 7, 6, 2],
    filter: [4, 4, 2, 1],
    strides: 1,
    pad: explicit(1, 2, 2, 1),
  },
  {
    label: "5x5 stride 1 valid one channel",
    x: [1, 9, 7, 1],
    filter: [5, 5, 1, 2],
    strides: 1,
    pad: "valid",
  },
  { label: "3x3 strides 2x1", x: [2, 7, 6, 2], filter: [3, 3, 2, 3], strides: [2, 1], pad: "same" },
  {
    label: "2x2 stride 3 kernel below stride",
    x: [1, 8, 7, 2],
    filter: [2, 2, 2, 2],
    strides: 3,
    pad: "valid",
  },
  {
    label: "3x3 padding beyond kernel",
    x: [1, 4, 5, 2],
    filter: [3, 3, 2, 2],
    strides: 1,
    pad: explicit(3, 0, 0, 4),
  },
  {
    // The last layers of a PatchGAN discriminator: a 3x3 output from a 6x6 input.
    label: "4x4 valid small map",
    x: [2, 6, 6, 3],
    filter: [4, 4, 3, 4],
    strides: 1,
    pad: "valid",
  },
  // 70x65 output positions per image: chunks of FILTER_GRAD_CHUNK_ROWS start and end mid-image.
  {
    label: "3x3 stride 1 several chunks",
    x: [2, 70, 65, 2],
    filter: [3, 3, 2, 2],
    strides: 1,
    pad: "same",
  },
];

/** Returns the conv2d case of shape `s`, with input and filter drawn from `seed`. */
export function convCase(s: ConvShape, seed: number): OpCase {
  const rng = new Rng(seed);
  return {
    name: `conv2d ${s.label}`,
    inputs: [normalInput(rng, s.x), normalInput(rng, s.filter, 0.3)],
    fn: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s.strides, s.pad as "same"),
    // The op is linear in each input, so a large step has no truncation error.
    eps: 0.5,
  };
}

/** Returns the shape of the grid labelled `label`. */
export function convShape(label: string): ConvShape {
  const shape = CONV_SHAPES.find((s) => s.label === label);
  if (shape === undefined) {
    throw new Error(
      `conv shape "${label}" not found: expected one of ${
        CONV_SHAPES.map((s) => s.label).join(", ")
      }`,
    );
  }
  return shape;
}
