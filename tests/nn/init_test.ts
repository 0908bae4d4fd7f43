import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import { DISCRIMINATOR_INIT_STD, Encoder, PatchDiscriminator } from "../../lib/nn/mod.ts";
import { initTestBackend, maxAbsDifference, TEST_TOKENIZER_CONFIG } from "./_helpers.ts";

await initTestBackend();

function moments(values: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let sum = 0;
  let sumSquares = 0;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sumSquares += values[i] ** 2;
    maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sumSquares / values.length - mean * mean), maxAbs };
}

Deno.test("Encoder initialisation repeats per seed", () => {
  const a = new Encoder(TEST_TOKENIZER_CONFIG, { rng: new Rng(71) });
  const b = new Encoder(TEST_TOKENIZER_CONFIG, { rng: new Rng(71) });
  const c = new Encoder(TEST_TOKENIZER_CONFIG, { rng: new Rng(72) });
  for (const name of a.store.names()) {
    assertEquals(maxAbsDifference(a.store.get(name), b.store.get(name)), 0, name);
  }
  assertNotEquals(
    maxAbsDifference(a.store.get("encoder.conv_in.weight"), c.store.get("encoder.conv_in.weight")),
    0,
  );
  for (const encoder of [a, b, c]) encoder.store.dispose();
});

Deno.test("conv kernels follow PyTorch default bounds", () => {
  const encoder = new Encoder(TEST_TOKENIZER_CONFIG, { rng: new Rng(73) });
  // 3x3 conv 64 -> 64: fan-in 576, so U(-1/24, 1/24) with std 1/(24 sqrt 3).
  const kernel = moments(encoder.store.get("encoder.mid_block.0.conv1.weight").dataSync());
  const bound = 1 / 24;
  assert(kernel.maxAbs <= bound, `max |w| ${kernel.maxAbs} > ${bound}`);
  assert(Math.abs(kernel.std - bound / Math.sqrt(3)) < 0.02 * bound, `std ${kernel.std}`);
  assert(Math.abs(kernel.mean) < 0.01 * bound, `mean ${kernel.mean}`);
  const norm = encoder.store.get("encoder.mid_block.0.norm1.weight").dataSync();
  assert(norm.every((w) => w === 1), "group-norm scales start at 1");
  encoder.store.dispose();
});

Deno.test("PatchDiscriminator init follows N(0, 0.02)", () => {
  const discriminator = new PatchDiscriminator({}, { rng: new Rng(74) });
  // The 256 -> 512 kernel has 2,097,152 draws, so the std estimate has a relative
  // standard error of 0.05%.
  const kernel = moments(discriminator.store.get("loss.discriminator.main.8.weight").dataSync());
  assert(
    Math.abs(kernel.std - DISCRIMINATOR_INIT_STD) < 0.02 * DISCRIMINATOR_INIT_STD,
    `std ${kernel.std}`,
  );
  assert(Math.abs(kernel.mean) < 0.001, `mean ${kernel.mean}`);
  const scale = moments(discriminator.store.get("loss.discriminator.main.9.weight").dataSync());
  assert(Math.abs(scale.mean - 1) < 0.01, `batch-norm scale mean ${scale.mean}`);
  assert(
    Math.abs(scale.std - DISCRIMINATOR_INIT_STD) < 0.2 * DISCRIMINATOR_INIT_STD,
    `batch-norm scale std ${scale.std}`,
  );
  discriminator.store.dispose();
});
