/**
 * The wasm backend with the project's kernels against the cpu backend, on
 * every op that training uses, and a check that each kernel those ops reach
 * is registered on wasm.
 */
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/engine/backend.ts";
import { Rng } from "../../lib/engine/rng.ts";
import {
  PROJECT_WASM_KERNELS,
  registerWasmKernels,
  stockWasmKernel,
} from "../../lib/engine/wasm_kernels.ts";
import { assertMatchesCpu, compareArrays, runCase, TOLERANCE } from "./gradcheck.ts";
import { opCases } from "./op_cases.ts";

const cases = opCases();

/** One Adam step and one EMA update on two variables; returns the updated values. */
async function adamAndEma(): Promise<Float32Array[]> {
  const rng = new Rng(3);
  const w = tf.variable(tf.tensor(rng.normalArray(12), [3, 4]));
  const ema = tf.variable(tf.tensor(rng.normalArray(12), [3, 4]));
  const x = tf.tensor(rng.normalArray(6), [2, 3]);
  const optimizer = tf.train.adam(1e-2, 0.5, 0.9, 1e-8);
  for (let step = 0; step < 3; step++) {
    optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.matMul(x, w), 1))) as tf.Scalar);
    // EMA of the weights with decay 0.9.
    tf.tidy(() => ema.assign(tf.add(tf.mul(ema, 0.9), tf.mul(w, 0.1))));
  }
  const out = [Float32Array.from(await w.data()), Float32Array.from(await ema.data())];
  optimizer.dispose();
  tf.dispose([w, ema, x]);
  return out;
}

Deno.test("registerWasmKernels is idempotent", async () => {
  await initBackend("wasm", { announce: false });
  const first = PROJECT_WASM_KERNELS.map((name) => tf.getKernel(name, "wasm"));
  registerWasmKernels();
  const second = PROJECT_WASM_KERNELS.map((name) => tf.getKernel(name, "wasm"));
  for (let i = 0; i < first.length; i++) {
    assertStrictEquals(second[i], first[i], PROJECT_WASM_KERNELS[i]);
  }
  assert(stockWasmKernel(tf.Conv2DBackpropInput) !== undefined, "stock Conv2DBackpropInput kept");
  assertEquals(stockWasmKernel(tf.Conv2DBackpropFilter), undefined);
});

Deno.test("training kernels all registered on wasm", async () => {
  // Collects, on cpu, every kernel that the forward and backward passes of the
  // cases and the Adam and EMA updates invoke, then looks each up on wasm.
  const used = new Set<string>();
  await initBackend("cpu", { announce: false });
  for (const c of cases) {
    const profile = await tf.profile(async () => {
      await runCase("cpu", c);
      return [];
    });
    for (const k of profile.kernels) used.add(k.name);
  }
  const optimizerProfile = await tf.profile(async () => {
    await adamAndEma();
    return [];
  });
  for (const k of optimizerProfile.kernels) used.add(k.name);
  await initBackend("wasm", { announce: false });
  // The profile also lists custom-gradient scopes ("forward", "logSoftmax__op");
  // the kernels are the names that the cpu backend, which ran them, registers.
  const kernels = [...used].filter((name) => tf.getKernel(name, "cpu") !== undefined);
  const missing = kernels.filter((name) => tf.getKernel(name, "wasm") === undefined).sort();
  assertEquals(
    missing,
    [],
    `kernels used in training but not registered on wasm: ${missing.join(", ")}`,
  );
  // The profile must have seen the backward kernels, or the check above proves nothing.
  for (
    const name of [
      "Conv2DBackpropFilter",
      "Conv2DBackpropInput",
      "UnsortedSegmentSum",
      "PadV2",
      "Slice",
    ]
  ) {
    assert(used.has(name), `${name} not reached by the training cases`);
  }
});

Deno.test("training ops run forward and backward on wasm", async () => {
  const failures: string[] = [];
  for (const c of cases) {
    try {
      await runCase("wasm", c);
    } catch (err) {
      failures.push(`${c.name}: ${(err as Error).message}`);
    }
  }
  assertEquals(failures, []);
});

for (const c of cases) {
  Deno.test(`${c.name} matches cpu on wasm`, async () => {
    const actual = await assertMatchesCpu("wasm", c);
    assertEquals(actual.leakedTensors, 0, "tensors leaked on wasm");
  });
}

Deno.test("adam and EMA updates match cpu on wasm", async () => {
  await initBackend("cpu", { announce: false });
  const expected = await adamAndEma();
  await initBackend("wasm", { announce: false });
  const actual = await adamAndEma();
  const weights = compareArrays("weights after Adam", actual[0], expected[0], TOLERANCE.wasm);
  assert(weights.ok, weights.message);
  const ema = compareArrays("EMA weights", actual[1], expected[1], TOLERANCE.wasm);
  assert(ema.ok, ema.message);
});
