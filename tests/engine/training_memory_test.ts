/**
 * A training-like loop on wasm (conv net with group norm, swish, stride-2
 * conv, depth-to-space, Adam) must not grow the number of live tensors.
 */
import { assert, assertEquals } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine/backend.ts";
import { depthToSpace } from "../../lib/engine/depth_to_space.ts";
import { Rng } from "../../lib/engine/rng.ts";
import { groupNorm } from "./op_cases.ts";

Deno.test("training loop keeps tensor count constant on wasm", async () => {
  await initBackend("wasm", { announce: false });
  const rng = new Rng(5);
  const he = (fanIn: number, shape: number[]) =>
    tf.variable(rng.normalTensor(shape, 0, Math.sqrt(2 / fanIn)));
  const w1 = he(27, [3, 3, 3, 8]);
  const w2 = he(72, [3, 3, 8, 8]);
  const w3 = he(72, [3, 3, 8, 12]);
  const gamma = tf.variable(tf.ones([8]));
  const beta = tf.variable(tf.zeros([8]));
  const images = rng.uniformTensor([2, 8, 8, 3], -1, 1) as tf.Tensor4D;
  const model = (x: tf.Tensor4D) => {
    const padded = tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]) as tf.Tensor4D;
    const h1 = tf.conv2d(padded, w1 as tf.Tensor4D, 2, "valid");
    const n1 = groupNorm(h1, 2, gamma, beta);
    const a1 = tf.mul(n1, tf.sigmoid(n1)) as tf.Tensor4D;
    const h2 = tf.leakyRelu(tf.conv2d(a1, w2 as tf.Tensor4D, 1, "same"), 0.2);
    return depthToSpace(tf.conv2d(h2 as tf.Tensor4D, w3 as tf.Tensor4D, 1, "same"), 2);
  };
  const optimizer = tf.train.adam(1e-2);
  const counts: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < 6; step++) {
    const loss = optimizer.minimize(
      () => tf.mean(tf.abs(tf.sub(model(images), images))) as tf.Scalar,
      true,
    )!;
    losses.push((await loss.data())[0]);
    loss.dispose();
    counts.push(tf.memory().numTensors);
  }
  // Adam creates its moment variables on the first step; from then on the count is flat.
  assertEquals(
    counts.slice(1),
    new Array(counts.length - 1).fill(counts[1]),
    `live tensors per step: ${counts}`,
  );
  assert(losses[losses.length - 1] < losses[0], `loss did not decrease: ${losses}`);
  optimizer.dispose();
  tf.dispose([w1, w2, w3, gamma, beta, images]);
});
