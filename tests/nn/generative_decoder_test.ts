import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { Decoder, SMALL_CONFIGS, widenToGenerative } from "../../lib/nn/mod.ts";
import { maxAbsDifference } from "./_helpers.ts";

// Exact equality relies on the cpu backend's conv summing channel products in order.
await initBackend("cpu", { announce: false });

const CONFIG = SMALL_CONFIGS["CR48-small"].tokenizer;

Deno.test("widenToGenerative keeps stage-1 output exactly", () => {
  const rng = new Rng(11);
  const stage1 = new Decoder(CONFIG, { rng });
  const generative = widenToGenerative(stage1);
  assert(generative.generative);
  assertEquals(generative.convIn.weight.shape, [3, 3, 2 * CONFIG.zChannels, CONFIG.ch * 4]);
  tf.tidy(() => {
    const latent = tf.sign(rng.normalTensor([2, 3, 2, CONFIG.zChannels])) as tf.Tensor4D;
    const reference = stage1.apply(latent).dataSync();
    const noises: [string, Parameters<Decoder["apply"]>[1]][] = [
      ["zero", "zero"],
      ["rng", new Rng(1)],
      ["large tensor", rng.normalTensor(latent.shape, 0, 100) as tf.Tensor4D],
    ];
    for (const [name, noise] of noises) {
      assertEquals(maxAbsDifference(generative.apply(latent, noise), reference), 0, name);
    }
  });
  stage1.store.dispose();
  generative.store.dispose();
});

Deno.test("widenToGenerative leaves stage 1 unchanged", () => {
  const stage1 = new Decoder(CONFIG, { rng: new Rng(12) });
  const before = stage1.convIn.weight.dataSync().slice();
  const generative = widenToGenerative(stage1);
  generative.convIn.weight.assign(tf.onesLike(generative.convIn.weight));
  assertEquals(maxAbsDifference(stage1.convIn.weight, before), 0);
  stage1.store.dispose();
  generative.store.dispose();
});

Deno.test("generative Decoder uses noise once trained", () => {
  const rng = new Rng(13);
  const generative = widenToGenerative(new Decoder(CONFIG, { rng }));
  // Stand-in for stage-2 training: non-zero kernels for the noise channels.
  tf.tidy(() =>
    generative.convIn.weight.assign(rng.normalTensor(generative.convIn.weight.shape, 0, 0.1))
  );
  tf.tidy(() => {
    const latent = tf.sign(rng.normalTensor([1, 2, 2, CONFIG.zChannels])) as tf.Tensor4D;
    const first = generative.apply(latent, new Rng(7)).dataSync();
    const repeat = generative.apply(latent, new Rng(7)).dataSync();
    const other = generative.apply(latent, new Rng(8)).dataSync();
    const zeroMode = generative.apply(latent, "zero").dataSync();
    const zeroTensor = generative.apply(latent, tf.zerosLike(latent)).dataSync();
    assertEquals(maxAbsDifference(first, repeat), 0, "same seed, same output");
    assertNotEquals(maxAbsDifference(first, other), 0, "other seed, other output");
    assertEquals(maxAbsDifference(zeroMode, zeroTensor), 0, '"zero" equals a zero tensor');
  });
  generative.store.dispose();
});

Deno.test("Decoder noise arguments are checked", () => {
  const rng = new Rng(14);
  const stage1 = new Decoder(CONFIG, { rng });
  const generative = widenToGenerative(stage1);
  const latent = tf.zeros([1, 2, 2, CONFIG.zChannels]) as tf.Tensor4D;
  assertThrows(() => stage1.apply(latent, "zero"), Error, "deterministic and takes no noise");
  assertThrows(() => generative.apply(latent), Error, "generative decoder needs noise");
  const wrong = tf.zeros([1, 2, 3, CONFIG.zChannels]) as tf.Tensor4D;
  assertThrows(() => generative.apply(latent, wrong), Error, "noise must have the latent's shape");
  assertThrows(() => widenToGenerative(generative), Error, "already generative");
  tf.dispose([latent, wrong]);
  stage1.store.dispose();
  generative.store.dispose();
});
