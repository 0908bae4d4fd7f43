/** The main forward checks of every quantizer on the wasm backend, against the cpu backend. */
import { assert, assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import type { Quantizer } from "../../lib/quantize/mod.ts";
import { assertClose, useBackend } from "../entropy/_helpers.ts";
import { casesOfWidth, mixedRadixCases } from "./_quantizers.ts";

interface Outcome {
  codes: Float32Array;
  digits: Int32Array;
  losses: Record<string, number>;
  decoded: Float32Array;
}

async function run(
  quantizer: Quantizer,
  values: Float32Array,
  shape: [number, number, number, number],
): Promise<Outcome> {
  const z = tf.tensor4d(values, shape);
  const evaluation = quantizer.quantize(z);
  const indices = await quantizer.digitsToIndices(evaluation.digits);
  const decoded = quantizer.indicesToCodes(indices);
  const training = quantizer.quantize(z, { training: true });
  const losses: Record<string, number> = {};
  for (const [name, value] of Object.entries(training.losses ?? {})) {
    losses[name] = (await (value as tf.Tensor).data())[0];
  }
  const outcome = {
    codes: (await evaluation.codes.data()) as Float32Array,
    digits: (await evaluation.digits.data()) as Int32Array,
    losses,
    decoded: (await decoded.data()) as Float32Array,
  };
  tf.dispose([z, evaluation.codes, evaluation.digits, decoded, training.codes, training.digits]);
  tf.dispose(Object.values(training.losses ?? {}));
  return outcome;
}

Deno.test("quantizers on wasm match cpu", async () => {
  const rng = new Rng(111);
  await useBackend("cpu");
  const cases = [...casesOfWidth(8), ...mixedRadixCases()];
  try {
    for (const { label, quantizer } of cases) {
      const shape: [number, number, number, number] = [2, 4, 4, quantizer.dim];
      const values = rng.normalArray(32 * quantizer.dim, 0, 0.05);
      // The VQ codebook lives on the backend that created it; read it for both runs.
      await useBackend("cpu");
      const cpu = await run(quantizer, values, shape);
      await useBackend("wasm");
      const wasm = await run(quantizer, values, shape);
      assertEquals(Array.from(wasm.digits), Array.from(cpu.digits), `${label}: digits`);
      for (let i = 0; i < cpu.codes.length; i++) {
        assertClose(wasm.codes[i], cpu.codes[i], `${label}: code ${i}`, 1e-6, 1e-6);
        assert(wasm.decoded[i] === wasm.codes[i], `${label}: decoded code ${i} differs on wasm`);
      }
      for (const name of Object.keys(cpu.losses)) {
        assertClose(wasm.losses[name], cpu.losses[name], `${label}: ${name}`, 1e-5, 1e-4);
      }
    }
  } finally {
    await useBackend("cpu");
    for (const { quantizer } of cases) for (const v of quantizer.trainableVariables()) v.dispose();
  }
});
