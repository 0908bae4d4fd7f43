/**
 * The project's wasm `Conv2DBackpropFilter` and `Conv2DBackpropInput` against
 * the cpu backend and against finite differences, on a grid of awkward shapes.
 * The grid has stride 2, odd sizes, batch 1, one channel, 1x1 and 4x4 kernels,
 * explicit asymmetric padding, unequal strides, a kernel smaller than its
 * stride, and enough output positions to need several chunks.
 */
import { assert } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine/backend.ts";
import { Rng } from "../../lib/engine/rng.ts";
import {
  FILTER_GRAD_CHUNK_ROWS,
  FILTER_GRAD_CHUNK_VALUES,
  MAX_ROW_WIDENING,
} from "../../lib/engine/kernels/conv2d_backprop_filter.ts";
import { COL2IM_MIN_RATIO } from "../../lib/engine/kernels/conv2d_backprop_input.ts";
import {
  assertMatchesCpu,
  compareArrays,
  finiteDifferenceGradient,
  normalInput,
  type OpCase,
  runCase,
  TOLERANCE,
} from "./gradcheck.ts";
import { CONV_SHAPES, convCase } from "./_conv_cases.ts";

/** Names of the compared values of a conv2d or conv2dTranspose case: x and then the filter. */
const CONV_LABELS = { outputs: ["output"], gradients: ["input gradient", "filter gradient"] };

Deno.test("conv chunk test spans several chunks", () => {
  const big = CONV_SHAPES[CONV_SHAPES.length - 1];
  assert(big.x[1] * big.x[2] > FILTER_GRAD_CHUNK_ROWS, "shape too small to test chunking");
});

Deno.test("conv shapes cover every kernel path", () => {
  // Output sizes from the shapes' own forward convs.
  const paths = new Set<string>();
  for (const s of CONV_SHAPES) {
    const info = tf.backend_util.computeConv2DInfo(
      s.x as [number, number, number, number],
      s.filter as [number, number, number, number],
      s.strides,
      1,
      s.pad,
    );
    const stridedOutput = info.outHeight * info.outWidth * info.strideHeight * info.strideWidth;
    const col2im = s.x[1] * s.x[2] > COL2IM_MIN_RATIO * stridedOutput;
    paths.add(col2im ? "input gradient by col2im" : "input gradient by phase convs");
    const phaseWidth = Math.ceil(
      ((info.outWidth - 1) * info.strideWidth + info.filterWidth) / info.strideWidth,
    );
    paths.add(
      phaseWidth <= MAX_ROW_WIDENING * info.outWidth
        ? "filter gradient wide rows"
        : "filter gradient narrow rows",
    );
  }
  assert(paths.has("input gradient by col2im"), "no shape takes the col2im input gradient");
  assert(
    paths.has("input gradient by phase convs"),
    "no shape takes the phase-conv input gradient",
  );
  assert(paths.has("filter gradient wide rows"), "no shape takes whole phase rows");
  assert(paths.has("filter gradient narrow rows"), "no shape takes per-row copies");
});

CONV_SHAPES.forEach((s, i) => {
  Deno.test(`conv2d gradients ${s.label} match cpu on wasm`, async () => {
    await assertMatchesCpu("wasm", convCase(s, 100 + i), CONV_LABELS);
  });
});

CONV_SHAPES.slice(0, -1).forEach((s, i) => {
  Deno.test(`conv2d gradients ${s.label} match finite differences`, async () => {
    const c = convCase(s, 100 + i);
    const actual = await runCase("wasm", c);
    for (const k of [0, 1]) {
      const fd = await finiteDifferenceGradient(c, k, { maxPoints: 16 });
      const r = compareArrays(
        k === 0 ? "input gradient" : "filter gradient",
        fd.indices.map((j) => actual.gradients[k][j]),
        fd.values,
        TOLERANCE.finiteDifference,
      );
      assert(r.ok, r.message);
    }
  });
});

const TRANSPOSED: {
  label: string;
  x: number[];
  filter: number[];
  out: number[];
  strides: number;
  pad: "same" | "valid";
}[] = [
  {
    label: "stride 2 same",
    x: [2, 4, 3, 3],
    filter: [3, 3, 2, 3],
    out: [2, 8, 6, 2],
    strides: 2,
    pad: "same",
  },
  {
    label: "stride 2 valid odd",
    x: [1, 3, 4, 2],
    filter: [3, 3, 1, 2],
    out: [1, 7, 9, 1],
    strides: 2,
    pad: "valid",
  },
  {
    label: "4x4 stride 2 same",
    x: [1, 3, 3, 2],
    filter: [4, 4, 3, 2],
    out: [1, 6, 6, 3],
    strides: 2,
    pad: "same",
  },
  {
    label: "stride 1 same",
    x: [2, 5, 4, 2],
    filter: [3, 3, 3, 2],
    out: [2, 5, 4, 3],
    strides: 1,
    pad: "same",
  },
];

TRANSPOSED.forEach((s, i) => {
  Deno.test(`conv2dTranspose ${s.label} matches cpu on wasm`, async () => {
    const rng = new Rng(200 + i);
    const c: OpCase = {
      name: `conv2dTranspose ${s.label}`,
      inputs: [normalInput(rng, s.x), normalInput(rng, s.filter, 0.3)],
      fn: (x, w) =>
        tf.conv2dTranspose(
          x as tf.Tensor4D,
          w as tf.Tensor4D,
          s.out as [number, number, number, number],
          s.strides,
          s.pad,
        ),
    };
    await assertMatchesCpu("wasm", c, CONV_LABELS);
  });
});

Deno.test("conv backprop kernels accept NCHW", async () => {
  // Calls the kernels directly, as an op with dataFormat NCHW would, on both backends.
  const rng = new Rng(400);
  const x = normalInput(rng, [2, 3, 7, 6]);
  const filter = normalInput(rng, [3, 3, 3, 4], 0.3);
  const dy = normalInput(rng, [2, 4, 4, 3]);
  const attrs = { strides: 2, pad: "same", dataFormat: "NCHW", dimRoundingMode: undefined };
  const c: OpCase = {
    name: "conv backprop NCHW",
    inputs: [x, filter, dy],
    fn: (xs, w, g) => [
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xs, dy: g }, {
        ...attrs,
        filterShape: [3, 3, 3, 4],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: g, filter: w }, {
        ...attrs,
        inputShape: [2, 3, 7, 6],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    ],
    wrt: [],
  };
  await assertMatchesCpu("wasm", c, { outputs: ["filter gradient", "input gradient"] });
});

Deno.test("conv filter gradient wide layer chunks", async () => {
  // 3x3 with 512 input channels: FILTER_GRAD_CHUNK_VALUES limits a chunk to 910
  // positions, so a 1x32x40 output takes two chunks. The reference sums, per
  // filter tap, x shifted by the tap times dy (one matMul each), on wasm.
  await initBackend("wasm", { announce: false });
  const rng = new Rng(401);
  const [h, w, cIn, cOut] = [32, 40, 512, 2];
  assert(h * w > Math.floor(FILTER_GRAD_CHUNK_VALUES / (9 * cIn)), "output fits one chunk");
  const x = rng.normalTensor([1, h, w, cIn]) as tf.Tensor4D;
  const dy = rng.normalTensor([1, h, w, cOut]) as tf.Tensor4D;
  const actual = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
    strides: 1,
    pad: "same",
    dataFormat: "NHWC",
    filterShape: [3, 3, cIn, cOut],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  const expected = tf.tidy(() => {
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const dyRows = tf.reshape(dy, [h * w, cOut]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const patch = tf.reshape(tf.slice(padded, [0, i, j, 0], [1, h, w, cIn]), [h * w, cIn]);
        taps.push(tf.matMul(patch, dyRows, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [3, 3, cIn, cOut]);
  });
  const r = compareArrays(
    "filter gradient",
    await actual.data(),
    await expected.data(),
    TOLERANCE.wasm,
  );
  assert(r.ok, r.message);
  tf.dispose([x, dy, actual, expected]);
});
