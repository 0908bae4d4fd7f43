import { assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import { Ema } from "../../lib/train/ema.ts";

await initBackend("cpu", { announce: false });

Deno.test("Ema matches closed form", () => {
  // With the weight held at w after starting at s0, k updates give d^k s0 + (1 - d^k) w.
  const w = tf.variable(tf.tensor1d([0, 10]));
  const ema = new Ema({ w }, 0.9);
  w.assign(tf.tensor1d([1, -10]));
  for (let k = 0; k < 25; k++) ema.update();
  const got = ema.shadow("w").dataSync();
  const d = 0.9 ** 25;
  assertAlmostEquals(got[0], (1 - d) * 1, 1e-6);
  assertAlmostEquals(got[1], d * 10 + (1 - d) * -10, 1e-5);
  assertEquals(ema.updates, 25);
  ema.dispose();
  w.dispose();
});

Deno.test("Ema swaps averaged weights temporarily", async () => {
  const w = tf.variable(tf.tensor1d([2]));
  const ema = new Ema({ w }, 0.5);
  w.assign(tf.tensor1d([4]));
  ema.update(); // shadow = 3
  const inside = await ema.withAveragedWeights(() => w.dataSync()[0]);
  assertEquals(inside, 3);
  assertEquals(w.dataSync()[0], 4);
  await assertRejects(
    () =>
      ema.withAveragedWeights(() => {
        throw new Error("evaluation failed");
      }),
    Error,
    "evaluation failed",
  );
  assertEquals(w.dataSync()[0], 4);
  ema.dispose();
  w.dispose();
});

Deno.test("Ema state restores exactly", async () => {
  const w = tf.variable(tf.tensor1d([0.1, 0.2, 0.3]));
  const ema = new Ema({ w });
  for (let i = 0; i < 5; i++) {
    w.assign(tf.tensor1d([i, -i, i * 0.5]));
    ema.update();
  }
  const state = await ema.getState();
  const copy = new Ema({ w });
  copy.setState(state);
  for (const e of [ema, copy]) e.update();
  assertEquals(Array.from(copy.shadow("w").dataSync()), Array.from(ema.shadow("w").dataSync()));
  assertEquals(copy.updates, 6);
  ema.dispose();
  copy.dispose();
  w.dispose();
});

Deno.test("Ema rejects mismatched state", () => {
  const w = tf.variable(tf.zeros([2]));
  const ema = new Ema({ w });
  assertThrows(
    () => ema.setState({ updates: 1, shadows: { v: new Float32Array(2) } }),
    RangeError,
    "missing [w], unknown [v]",
  );
  assertThrows(() => new Ema({ w }, 1), RangeError, "decay must be in [0, 1)");
  ema.dispose();
  w.dispose();
});
