import { assert } from "@std/assert";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import {
  Decoder,
  Encoder,
  ParameterStore,
  PatchDiscriminator,
  widenToGenerative,
} from "../../lib/nn/mod.ts";
import { hingeDiscriminatorLoss, l1Loss, nonSaturatingGeneratorLoss } from "../../lib/loss/mod.ts";
import { TEST_TOKENIZER_CONFIG } from "./_helpers.ts";

// The cpu backend is the reference for gradients on every conv shape.
await initBackend("cpu", { announce: false });

/** Returns the names whose gradient is all zeros (or missing). */
function namesWithZeroGradient(
  store: ParameterStore,
  prefix: string,
  loss: () => tf.Scalar,
): string[] {
  const entries = store.entries().filter((e) => e.trainable && e.name.startsWith(prefix));
  const { value, grads } = tf.variableGrads(loss, entries.map((e) => e.variable));
  value.dispose();
  const zero: string[] = [];
  for (const entry of entries) {
    const grad = grads[entry.variable.name];
    if (grad === undefined || tf.tidy(() => tf.max(tf.abs(grad)).dataSync()[0]) === 0) {
      zero.push(entry.name);
    }
  }
  tf.dispose(grads);
  return zero;
}

Deno.test("Encoder and Decoder params all get gradients", () => {
  const rng = new Rng(21);
  const store = new ParameterStore();
  const encoder = new Encoder(TEST_TOKENIZER_CONFIG, { rng, store });
  const decoder = new Decoder(TEST_TOKENIZER_CONFIG, { rng, store });
  const images = rng.uniformTensor([2, 8, 8, 3], -1, 1) as tf.Tensor4D;
  const loss = () => l1Loss(images, decoder.apply(encoder.apply(images)));
  const zero = namesWithZeroGradient(store, "", loss);
  assert(zero.length === 0, `parameters without gradient: ${zero.join(", ")}`);
  // 26 encoder and 35 decoder tensors, so the check above covered every layer.
  assert(store.names().length === 61, `expected 61 tensors, got ${store.names().length}`);
  images.dispose();
  store.dispose();
});

Deno.test("widened Decoder noise kernels get gradients", () => {
  const rng = new Rng(22);
  const generative = widenToGenerative(new Decoder(TEST_TOKENIZER_CONFIG, { rng }));
  const latent = tf.sign(
    rng.normalTensor([2, 4, 4, TEST_TOKENIZER_CONFIG.zChannels]),
  ) as tf.Tensor4D;
  const target = rng.uniformTensor([2, 8, 8, 3], -1, 1) as tf.Tensor4D;
  const noiseSeed = new Rng(3);
  const loss = () => l1Loss(target, generative.apply(latent, noiseSeed.fork()));
  const zero = namesWithZeroGradient(generative.store, "", loss);
  assert(zero.length === 0, `parameters without gradient: ${zero.join(", ")}`);
  // The noise half of conv_in starts at zero and must still be trainable.
  const { grads } = tf.variableGrads(loss, [generative.convIn.weight]);
  const noiseHalf = tf.tidy(() =>
    tf.max(
      tf.abs(
        tf.slice(grads[generative.convIn.weight.name], [0, 0, TEST_TOKENIZER_CONFIG.zChannels, 0]),
      ),
    )
      .dataSync()[0]
  );
  assert(noiseHalf > 0, "noise-channel kernels of conv_in get no gradient");
  tf.dispose([latent, target, grads]);
  generative.store.dispose();
});

Deno.test("PatchDiscriminator params all get gradients", () => {
  const rng = new Rng(23);
  const discriminator = new PatchDiscriminator({ ndf: 8 }, { rng });
  const real = rng.uniformTensor([2, 32, 32, 3], -1, 1) as tf.Tensor4D;
  const fake = rng.uniformTensor([2, 32, 32, 3], -1, 1) as tf.Tensor4D;
  const loss = () =>
    tf.add(
      hingeDiscriminatorLoss(discriminator.apply(real), discriminator.apply(fake)),
      nonSaturatingGeneratorLoss(discriminator.apply(fake)),
    ) as tf.Scalar;
  const zero = namesWithZeroGradient(discriminator.store, "", loss);
  assert(zero.length === 0, `parameters without gradient: ${zero.join(", ")}`);
  tf.dispose([real, fake]);
  discriminator.store.dispose();
});
