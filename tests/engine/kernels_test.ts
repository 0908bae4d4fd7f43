/**
 * The project's JavaScript and merged-axis wasm kernels one by one, against
 * brute-force references and the cpu backend: Slice, SplitV, Tile,
 * UnsortedSegmentSum, BatchMatMul, Transpose, reductions and DepthToSpace.
 */
import { assert, assertEquals } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine/backend.ts";
import { Rng } from "../../lib/engine/rng.ts";
import { copyBox } from "../../lib/engine/kernels/copy_box.ts";
import { mergeReductionAxes, mergeTransposeAxes } from "../../lib/engine/kernels/merge_axes.ts";
import {
  compareArrays,
  intInput,
  normalInput,
  type OpCase,
  runCase,
  TOLERANCE,
} from "./gradcheck.ts";

/** Runs a case on cpu and wasm and asserts equal outputs (and gradients, if any). */
async function assertMatchesCpu(c: OpCase, tolerance: number = TOLERANCE.wasm): Promise<void> {
  const expected = await runCase("cpu", c);
  const actual = await runCase("wasm", c);
  actual.outputs.forEach((out, i) => {
    assertEquals(out.shape, expected.outputs[i].shape, `${c.name}: output ${i} shape`);
    const r = compareArrays(
      `${c.name}: output ${i}`,
      out.values,
      expected.outputs[i].values,
      tolerance,
    );
    assert(r.ok, r.message);
  });
  actual.gradients.forEach((g, i) => {
    const r = compareArrays(`${c.name}: gradient ${i}`, g, expected.gradients[i], tolerance);
    assert(r.ok, r.message);
  });
  assertEquals(actual.leakedTensors, 0, `${c.name}: tensors leaked on wasm`);
}

function randomShape(rng: Rng, rank: number, maxDim = 5): number[] {
  return Array.from({ length: rank }, () => 1 + rng.int(maxDim));
}

Deno.test("copyBox matches element-by-element copy", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 200; trial++) {
    const shape = randomShape(rng, 1 + rng.int(5));
    const begin = shape.map((d) => rng.int(d));
    const size = shape.map((d, k) => 1 + rng.int(d - begin[k]));
    const n = shape.reduce((a, b) => a * b, 1);
    const src = Float32Array.from({ length: n }, (_, i) => i);
    const dst = new Float32Array(size.reduce((a, b) => a * b, 1) + 3).fill(-1);
    copyBox(src, shape, begin, size, dst, 3);
    // Reference: walk the box in row-major order and compute each source offset.
    const expected: number[] = [-1, -1, -1];
    const index = new Array(shape.length).fill(0);
    for (let e = 0; e < dst.length - 3; e++) {
      let offset = 0;
      for (let k = 0; k < shape.length; k++) offset = offset * shape[k] + begin[k] + index[k];
      expected.push(offset);
      for (let k = shape.length - 1; k >= 0; k--) {
        if (++index[k] < size[k]) break;
        index[k] = 0;
      }
    }
    assertEquals(Array.from(dst), expected, `shape [${shape}] begin [${begin}] size [${size}]`);
  }
});

Deno.test("mergeTransposeAxes merges group norm layout", () => {
  // [B, H, W, G, C/G] with (H, W) moved behind G: H and W stay together.
  assertEquals(mergeTransposeAxes([2, 4, 4, 3, 5], [0, 3, 1, 2, 4]), {
    shape: [2, 16, 3, 5],
    perm: [0, 2, 1, 3],
  });
});

Deno.test("mergeTransposeAxes drops size-one axes", () => {
  assertEquals(mergeTransposeAxes([4, 1, 5], [2, 1, 0]), { shape: [4, 5], perm: [1, 0] });
  assertEquals(mergeTransposeAxes([4, 1, 5], [0, 2, 1]), { shape: [20], perm: [0] });
});

Deno.test("mergeReductionAxes merges neighbouring axes", () => {
  assertEquals(mergeReductionAxes([2, 4, 4, 3, 5], [1, 2, 4]), {
    shape: [2, 16, 3, 5],
    axes: [1, 3],
  });
  assertEquals(mergeReductionAxes([2, 1, 3], [1]), null);
  assertEquals(mergeReductionAxes([2, 3, 4], [0, 1, 2]), { shape: [24], axes: [0] });
});

Deno.test("Slice matches cpu on random boxes", async () => {
  const rng = new Rng(12);
  for (let trial = 0; trial < 30; trial++) {
    const shape = randomShape(rng, 1 + rng.int(5));
    const begin = shape.map((d) => rng.int(d));
    const size = shape.map((d, k) => (rng.int(4) === 0 ? -1 : 1 + rng.int(d - begin[k])));
    await assertMatchesCpu({
      name: `slice [${shape}] at [${begin}] size [${size}]`,
      inputs: [normalInput(rng, shape)],
      fn: (x) => tf.slice(x, begin, size),
    });
  }
});

Deno.test("Slice keeps int32 and bool values", async () => {
  const rng = new Rng(13);
  await assertMatchesCpu({
    name: "slice int32 and bool",
    inputs: [intInput(rng, [3, 4, 5], 100)],
    fn: (
      x,
    ) => [
      tf.slice(x, [1, 0, 2], [2, 3, 2]),
      tf.cast(tf.slice(tf.greater(x, 50), [0, 1, 0], [3, 2, 5]), "int32"),
    ],
    wrt: [],
  });
});

Deno.test("SplitV matches cpu on every axis", async () => {
  const rng = new Rng(14);
  for (let axis = 0; axis < 4; axis++) {
    await assertMatchesCpu({
      name: `split axis ${axis}`,
      inputs: [normalInput(rng, [4, 6, 6, 6]), intInput(rng, [4, 6, 6, 6], 9)],
      fn: (x, i) => [...tf.split(x, [1, -1, 2], axis), ...tf.split(i, 2 + (axis % 2), axis)],
      wrt: [],
    });
  }
});

Deno.test("Tile matches cpu on random repeats", async () => {
  const rng = new Rng(15);
  for (let trial = 0; trial < 20; trial++) {
    const shape = randomShape(rng, 1 + rng.int(4), 3);
    const reps = shape.map(() => 1 + rng.int(3));
    await assertMatchesCpu({
      name: `tile [${shape}] by [${reps}]`,
      inputs: [normalInput(rng, shape), intInput(rng, shape, 9)],
      fn: (x, i) => [tf.tile(x, reps), tf.tile(i, reps)],
      wrt: [],
    });
  }
});

Deno.test("UnsortedSegmentSum matches brute-force sums", async () => {
  await initBackend("wasm", { announce: false });
  // Ids 5 and -1 lie outside [0, 4) and are dropped.
  const ids = [0, 3, 3, 5, -1, 1];
  const data = Array.from({ length: 6 * 2 }, (_, i) => i + 1);
  const x = tf.tensor(data, [6, 2]);
  const out = tf.unsortedSegmentSum(x, tf.tensor1d(ids, "int32"), 4);
  const expected = new Array(4 * 2).fill(0);
  ids.forEach((id, i) => {
    if (id < 0 || id >= 4) return;
    for (let j = 0; j < 2; j++) expected[id * 2 + j] += data[i * 2 + j];
  });
  assertEquals(out.shape, [4, 2]);
  assertEquals(Array.from(await out.data()), expected);
  tf.dispose([x, out]);
});

Deno.test("BatchMatMul matches cpu in every layout", async () => {
  const rng = new Rng(16);
  const layouts: { a: number[]; b: number[]; label: string }[] = [
    { a: [3, 5, 4], b: [3, 4, 2], label: "equal batches" },
    { a: [1, 5, 4], b: [3, 4, 2], label: "left batch 1" },
    { a: [3, 5, 4], b: [4, 2], label: "shared right matrix" },
    { a: [2, 3, 5, 4], b: [3, 4, 2], label: "broadcast batch shapes" },
    { a: [5, 4], b: [4, 2], label: "single product" },
  ];
  for (const layout of layouts) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = layout.a.slice();
        const b = layout.b.slice();
        if (transposeA) [a[a.length - 2], a[a.length - 1]] = [a[a.length - 1], a[a.length - 2]];
        if (transposeB) [b[b.length - 2], b[b.length - 1]] = [b[b.length - 1], b[b.length - 2]];
        await assertMatchesCpu({
          name: `matMul ${layout.label} transposeA ${transposeA} transposeB ${transposeB}`,
          inputs: [normalInput(rng, a), normalInput(rng, b)],
          fn: (x, y) => tf.matMul(x, y, transposeA, transposeB),
          wrt: [],
        });
      }
    }
  }
});

Deno.test("Transpose matches cpu on random permutations", async () => {
  const rng = new Rng(17);
  for (let trial = 0; trial < 30; trial++) {
    const rank = 2 + rng.int(5);
    const shape = randomShape(rng, rank, 4);
    const perm = rng.permutation(rank);
    await assertMatchesCpu({
      name: `transpose [${shape}] by [${perm}]`,
      inputs: [normalInput(rng, shape), intInput(rng, shape, 9)],
      fn: (x, i) => [tf.transpose(x, perm), tf.transpose(i, perm)],
      wrt: [],
    });
  }
});

Deno.test("reductions match cpu on random axes", async () => {
  const rng = new Rng(18);
  for (let trial = 0; trial < 30; trial++) {
    const rank = 1 + rng.int(5);
    const shape = randomShape(rng, rank, 4);
    const axes = rng.permutation(rank).slice(0, 1 + rng.int(rank)).sort();
    const keepDims = rng.int(2) === 1;
    await assertMatchesCpu({
      name: `reductions of [${shape}] over [${axes}] keepDims ${keepDims}`,
      inputs: [normalInput(rng, shape)],
      fn: (x) => [
        tf.sum(x, axes, keepDims),
        tf.mean(x, axes, keepDims),
        tf.max(x, axes, keepDims),
        tf.min(x, axes, keepDims),
      ],
      wrt: [],
    });
  }
});

Deno.test("DepthToSpace matches cpu in NHWC", async () => {
  const rng = new Rng(19);
  for (const [shape, block] of [[[2, 3, 4, 8], 2], [[1, 2, 3, 18], 3]] as const) {
    await assertMatchesCpu({
      name: `depthToSpace [${shape}] block ${block}`,
      inputs: [normalInput(rng, shape as unknown as number[])],
      fn: (x) => tf.depthToSpace(x as tf.Tensor4D, block),
      wrt: [],
    });
  }
});

Deno.test("Sum and Mean over leading axes match cpu", async () => {
  // Reductions over leading axes only take the product with a row of ones.
  const rng = new Rng(20);
  for (
    const [shape, axes] of [[[8, 5, 5, 3], [0, 1, 2]], [[40, 7], [0]], [[2, 1, 6, 4], [0, 1, 2]]]
  ) {
    for (const keepDims of [false, true]) {
      await assertMatchesCpu({
        name: `Sum and Mean of [${shape}] over [${axes}] keepDims ${keepDims}`,
        inputs: [normalInput(rng, shape)],
        fn: (
          x,
        ) => [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims), tf.max(x, axes, keepDims)],
        wrt: [],
      });
    }
  }
});

Deno.test("Identity shares data until both are disposed", async () => {
  await initBackend("wasm", { announce: false });
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const dataBefore = backend.numDataIds();
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const copy = tf.clone(x);
  assertEquals(backend.numDataIds(), dataBefore + 1, "clone allocated new data");
  x.dispose();
  assertEquals(Array.from(await copy.data()), [1, 2, 3, 4]);
  copy.dispose();
  assertEquals(backend.numDataIds(), dataBefore, "data not freed after both disposals");
});
