import { assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  Decoder,
  downsamplingFactor,
  Encoder,
  PatchDiscriminator,
  RELEASED_CONFIGS,
  SMALL_CONFIGS,
} from "../../lib/nn/mod.ts";
import { initTestBackend } from "./_helpers.ts";

await initTestBackend();

// Full-size configs are checked by parameter count (parameter_count_test.ts),
// because building them would allocate 0.45G to 1.7G float32 parameters.
for (const config of Object.values(SMALL_CONFIGS)) {
  Deno.test(`Encoder and Decoder shapes for ${config.name}`, () => {
    const rng = new Rng(5);
    const { tokenizer } = config;
    const f = downsamplingFactor(tokenizer);
    assertEquals(
      f,
      downsamplingFactor(RELEASED_CONFIGS[config.name.replace("-small", "")].tokenizer),
    );
    const encoder = new Encoder(tokenizer, { rng });
    const decoder = new Decoder(tokenizer, { rng, generative: config.decoder === "generative" });
    tf.tidy(() => {
      // A non-square image checks that height and width are not swapped.
      const images = rng.uniformTensor([2, f, 2 * f, 3], -1, 1) as tf.Tensor4D;
      const latent = encoder.apply(images);
      assertEquals(latent.shape, [2, 1, 2, tokenizer.zChannels]);
      const output = decoder.apply(latent, decoder.generative ? rng : undefined);
      assertEquals(output.shape, [2, f, 2 * f, 3]);
    });
    encoder.store.dispose();
    decoder.store.dispose();
  });
}

Deno.test("PatchDiscriminator gives 30x30 logits at 256", () => {
  // A narrow discriminator has the same spatial arithmetic as the default ndf 64.
  const discriminator = new PatchDiscriminator({ ndf: 4 }, { rng: new Rng(6) });
  tf.tidy(() => {
    const logits = discriminator.apply(tf.zeros([1, 256, 256, 3]) as tf.Tensor4D, false);
    assertEquals(logits.shape, [1, 30, 30, 1]);
  });
  discriminator.store.dispose();
});

Deno.test("PatchDiscriminator default width shapes", () => {
  const discriminator = new PatchDiscriminator({}, { rng: new Rng(7) });
  tf.tidy(() => {
    const logits = discriminator.apply(tf.ones([2, 32, 48, 3]) as tf.Tensor4D, true);
    assertEquals(logits.shape, [2, 2, 4, 1]);
  });
  discriminator.store.dispose();
});
