import { assert, assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { Adam } from "../../lib/train/adam.ts";

await initBackend("cpu", { announce: false });

/** PyTorch's Adam update in float64, written out for one scalar weight. */
function referenceAdam(
  w0: number,
  grads: number[],
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
): number[] {
  let w = w0;
  let m = 0;
  let v = 0;
  const out: number[] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const mHat = m / (1 - beta1 ** t);
    const vHat = v / (1 - beta2 ** t);
    w = w - (lr * mHat) / (Math.sqrt(vHat) + eps);
    out.push(w);
  });
  return out;
}

Deno.test("Adam first step moves by lr", () => {
  // After one update m_hat = g and v_hat = g^2, so w1 = w0 - lr * g / (|g| + eps).
  const w = tf.variable(tf.tensor1d([1, -2, 0.5]));
  const adam = new Adam({ w });
  const grad = tf.tensor1d([0.3, -4, 1e-3]);
  adam.applyGradients({ w: grad }, 1e-2);
  const got = w.dataSync();
  const expected = [
    1 - 1e-2 * 0.3 / (0.3 + 1e-8),
    -2 + 1e-2 * 4 / (4 + 1e-8),
    0.5 - 1e-2 * 1e-3 / (1e-3 + 1e-8),
  ];
  for (let i = 0; i < 3; i++) assertAlmostEquals(got[i], expected[i], 1e-6);
  assertEquals(adam.step, 1);
  adam.dispose();
  w.dispose();
  grad.dispose();
});

Deno.test("Adam matches hand-computed steps", () => {
  const grads = [0.5, -0.25, 2, 0.125, -1, 0.75];
  const expected = referenceAdam(0.3, grads, 1e-3, 0.5, 0.9, 1e-8);
  const w = tf.variable(tf.scalar(0.3));
  const adam = new Adam({ w });
  grads.forEach((g, i) => {
    const grad = tf.scalar(g);
    adam.applyGradients({ w: grad }, 1e-3);
    grad.dispose();
    assertAlmostEquals(w.dataSync()[0], expected[i], 1e-6);
  });
  adam.dispose();
  w.dispose();
});

Deno.test("Adam tracks tf.train.adam", () => {
  // Same betas on a quadratic; the two differ only in where epsilon enters (see adam.ts).
  const target = tf.tensor1d([3, -1, 0.25, 8]);
  const init = [0.5, 0.5, -2, 1];
  const ours = tf.variable(tf.tensor1d(init));
  const theirs = tf.variable(tf.tensor1d(init));
  const adam = new Adam({ w: ours }, { beta1: 0.5, beta2: 0.9, epsilon: 1e-8 });
  const reference = tf.train.adam(0.05, 0.5, 0.9, 1e-8);
  const loss = (w: tf.Variable) => () => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;
  for (let step = 0; step < 20; step++) {
    const { grads } = tf.variableGrads(loss(ours), [ours]);
    adam.applyGradients({ w: grads[ours.name] }, 0.05);
    tf.dispose(grads);
    reference.minimize(loss(theirs), false, [theirs]);
  }
  const a = ours.dataSync();
  const b = theirs.dataSync();
  for (let i = 0; i < 4; i++) assertAlmostEquals(a[i], b[i], 1e-5);
  adam.dispose();
  reference.dispose();
  tf.dispose([ours, theirs, target]);
});

Deno.test("Adam state restores exactly", async () => {
  const init = tf.tensor2d([[0.1, -0.2], [0.3, 0.4]]);
  const a = tf.variable(init.clone());
  const b = tf.variable(init.clone());
  const adamA = new Adam({ w: a });
  const gradAt = (i: number) => tf.tensor2d([[Math.sin(i), Math.cos(i)], [i * 0.1, -i * 0.2]]);
  for (let i = 0; i < 3; i++) {
    const g = gradAt(i);
    adamA.applyGradients({ w: g }, 1e-3);
    g.dispose();
  }
  const state = await adamA.getState();
  b.assign(a);
  const adamB = new Adam({ w: b });
  adamB.setState(state);
  for (let i = 3; i < 7; i++) {
    const g = gradAt(i);
    adamA.applyGradients({ w: g }, 1e-3);
    adamB.applyGradients({ w: g }, 1e-3);
    g.dispose();
  }
  assertEquals(Array.from(b.dataSync()), Array.from(a.dataSync()));
  assertEquals(adamB.step, 7);
  adamA.dispose();
  adamB.dispose();
  tf.dispose([init, a, b]);
});

Deno.test("Adam skips variables without gradient", () => {
  const w = tf.variable(tf.scalar(1));
  const frozen = tf.variable(tf.scalar(2));
  const adam = new Adam({ w, frozen });
  const g = tf.scalar(1);
  adam.applyGradients({ w: g, frozen: null }, 0.1);
  assertEquals(frozen.dataSync()[0], 2);
  assert(w.dataSync()[0] < 1);
  adam.dispose();
  tf.dispose([w, frozen, g]);
});

Deno.test("Adam update leaks no tensors", () => {
  const w = tf.variable(tf.ones([4, 4]));
  const adam = new Adam({ w });
  const g = tf.ones([4, 4]);
  adam.applyGradients({ w: g }, 0.1);
  const before = tf.memory().numTensors;
  adam.applyGradients({ w: g }, 0.1);
  assertEquals(tf.memory().numTensors, before);
  adam.dispose();
  tf.dispose([w, g]);
});

Deno.test("Adam rejects unknown variable", () => {
  const w = tf.variable(tf.scalar(1));
  const adam = new Adam({ w });
  const g = tf.scalar(1);
  assertThrows(() => adam.applyGradients({ x: g }, 0.1), RangeError, 'no variable named "x"');
  tf.dispose([w, g]);
});

Deno.test("Adam rejects gradient of wrong shape", () => {
  const w = tf.variable(tf.zeros([2, 3]));
  const adam = new Adam({ w });
  const g = tf.zeros([3, 2]);
  assertThrows(() => adam.applyGradients({ w: g }, 0.1), RangeError, "shape [3,2]");
  tf.dispose([w, g]);
});

Deno.test("Adam rejects invalid hyperparameters", () => {
  const w = tf.variable(tf.scalar(1));
  assertThrows(() => new Adam({ w }, { beta1: 1 }), RangeError, "beta1 must be in [0, 1)");
  assertThrows(() => new Adam({ w }, { epsilon: 0 }), RangeError, "epsilon must be > 0");
  assertThrows(() => new Adam({ w }).applyGradients({}, NaN), RangeError, "got NaN");
  w.dispose();
});

Deno.test("Adam setState rejects size mismatch", () => {
  const w = tf.variable(tf.zeros([3]));
  const adam = new Adam({ w });
  const state = { step: 1, m: { w: new Float32Array(2) }, v: {} };
  assertThrows(() => adam.setState(state), RangeError, 'moment m of "w" has 2 values');
  w.dispose();
});
