/**
 * Codes -> indices -> codes round trips for every quantizer and width, and
 * exact decoding of evaluation-mode output, on the cpu backend.
 */
import { assert, assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import { jointIndices, type Quantizer } from "../../lib/quantize/mod.ts";
import { useBackend } from "../entropy/_helpers.ts";
import { casesOfWidth, disposeQuantizer, latents, mixedRadixCases, WIDTHS } from "./_quantizers.ts";

/** Asserts that two float arrays are equal element by element (`-0 === 0`). */
function assertSameValues(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
): void {
  assertEquals(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert(
      actual[i] === expected[i],
      `${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`,
    );
  }
}

/** Quantizes in evaluation mode, packs, unpacks, and compares codes and digits. */
async function checkRoundTrip(quantizer: Quantizer, z: tf.Tensor4D, label: string): Promise<void> {
  const { codes, digits } = quantizer.quantize(z);
  const fromCodes = await quantizer.codesToIndices(codes);
  const fromDigits = await quantizer.digitsToIndices(digits);
  assertEquals(fromCodes.values, fromDigits.values, `${label}: indices from codes and from digits`);
  const decoded = quantizer.indicesToCodes(fromCodes);
  assertSameValues(decoded.dataSync(), codes.dataSync(), `${label}: decoded codes`);
  const redigits = quantizer.codesToDigits(decoded);
  assertSameValues(redigits.dataSync(), digits.dataSync(), `${label}: digits of decoded codes`);
  tf.dispose([codes, digits, decoded, redigits]);
}

Deno.test("quantizers round-trip codes at every width", async () => {
  await useBackend("cpu");
  const rng = new Rng(81);
  for (const width of WIDTHS) {
    for (const { label, quantizer } of casesOfWidth(width)) {
      for (const { label: kind, z } of latents(rng, quantizer.dim)) {
        await checkRoundTrip(quantizer, z, `${label}, ${kind}`);
        z.dispose();
      }
      disposeQuantizer(quantizer);
    }
  }
});

Deno.test("FSQ round-trips mixed radices", async () => {
  await useBackend("cpu");
  const rng = new Rng(82);
  for (const { label, quantizer } of mixedRadixCases()) {
    for (const { label: kind, z } of latents(rng, quantizer.dim)) {
      await checkRoundTrip(quantizer, z, `${label}, ${kind}`);
      z.dispose();
    }
  }
});

Deno.test("sign quantizer indices follow the signs", async () => {
  await useBackend("cpu");
  const rng = new Rng(83);
  for (const width of WIDTHS) {
    for (const { label, quantizer } of casesOfWidth(width)) {
      if (quantizer.kind === "fsq" || quantizer.kind === "vq") {
        disposeQuantizer(quantizer);
        continue;
      }
      const z = latents(rng, quantizer.dim)[0].z;
      const values = z.dataSync();
      const indices = await quantizer.codesToIndices(quantizer.quantize(z).codes);
      const joint = jointIndices(indices);
      const d = quantizer.dim;
      for (let t = 0; t < joint.length; t++) {
        // Reference: the binary string of the signs, channel 0 as the least significant bit.
        const signs = Array.from(values.subarray(t * d, (t + 1) * d), (v) => (v > 0 ? "1" : "0"));
        assertEquals(
          BigInt(joint[t]),
          BigInt("0b" + signs.reverse().join("")),
          `${label}, token ${t}`,
        );
      }
      z.dispose();
    }
  }
});

Deno.test("all-zero latent maps to index 0", async () => {
  await useBackend("cpu");
  for (const { label, quantizer } of casesOfWidth(8)) {
    if (quantizer.kind === "vq") {
      disposeQuantizer(quantizer);
      continue;
    }
    const z = tf.zeros([1, 1, 1, quantizer.dim]) as tf.Tensor4D;
    const { codes } = quantizer.quantize(z);
    const indices = await quantizer.codesToIndices(codes);
    if (quantizer.kind === "fsq") {
      // Two-level FSQ rounds 0 to the upper level (digit 1), as its bound is offset by one half.
      assert(
        Array.from(indices.values as Float64Array).every((v) => v === 255),
        `${label}: ${indices.values}`,
      );
    } else {
      assert(
        Array.from(indices.values as Float64Array).every((v) => v === 0),
        `${label}: ${indices.values}`,
      );
      assert(
        Array.from(codes.dataSync()).every((v) => v < 0),
        `${label}: codes of zero must be negative`,
      );
    }
    tf.dispose([z, codes]);
  }
});

Deno.test("training codes equal evaluation codes", async () => {
  await useBackend("cpu");
  const rng = new Rng(84);
  for (const { label, quantizer } of casesOfWidth(8)) {
    const z = latents(rng, quantizer.dim)[0].z;
    const evaluation = quantizer.quantize(z);
    const training = quantizer.quantize(z, { training: true });
    assertSameValues(training.codes.dataSync(), evaluation.codes.dataSync(), `${label}: codes`);
    assertSameValues(training.digits.dataSync(), evaluation.digits.dataSync(), `${label}: digits`);
    assertEquals(evaluation.losses, null, `${label}: evaluation losses`);
    assert(training.losses !== null, `${label}: training losses`);
    tf.dispose([z, evaluation.codes, evaluation.digits, training.codes, training.digits]);
    tf.dispose(training.losses ? Object.values(training.losses) : []);
    disposeQuantizer(quantizer);
  }
});
