import { assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  Decoder,
  Encoder,
  ParameterStore,
  PatchDiscriminator,
  widenToGenerative,
} from "../../lib/nn/mod.ts";
import { initTestBackend, TEST_TOKENIZER_CONFIG } from "./_helpers.ts";

await initTestBackend();

Deno.test("networks leave no tensors behind", () => {
  const before = tf.memory().numTensors;
  const rng = new Rng(61);
  const store = new ParameterStore();
  const encoder = new Encoder(TEST_TOKENIZER_CONFIG, { rng, store });
  const decoder = new Decoder(TEST_TOKENIZER_CONFIG, { rng, store });
  const generative = widenToGenerative(decoder);
  const discriminator = new PatchDiscriminator({ ndf: 8 }, { rng, store });
  const afterBuild = tf.memory().numTensors;
  assertEquals(
    afterBuild - before,
    store.names().length + generative.store.names().length,
    "one tensor per variable",
  );

  const images = rng.uniformTensor([2, 8, 8, 3], -1, 1) as tf.Tensor4D;
  const discriminatorImages = rng.uniformTensor([2, 24, 24, 3], -1, 1) as tf.Tensor4D;
  const latent = encoder.apply(images);
  const outputs = [
    latent,
    decoder.apply(latent),
    generative.apply(latent, rng),
    generative.apply(latent, "zero"),
    discriminator.apply(discriminatorImages, true),
    discriminator.apply(discriminatorImages, false),
  ];
  tf.dispose([images, discriminatorImages, ...outputs]);
  assertEquals(tf.memory().numTensors, afterBuild, "forward passes and batch-norm updates");

  store.dispose();
  generative.store.dispose();
  assertEquals(tf.memory().numTensors, before, "after disposing the stores");
});
