import { assertEquals, assertThrows } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  AdaptiveGroupNorm,
  compressionRatio,
  Decoder,
  downsamplingFactor,
  Encoder,
  findConfig,
  GroupNorm,
  ParameterStore,
  RELEASED_CONFIGS,
  SMALL_CONFIGS,
  validateReleasedConfig,
  validateTokenizerConfig,
} from "../../lib/nn/mod.ts";
import { initTestBackend, TEST_TOKENIZER_CONFIG } from "./_helpers.ts";

await initTestBackend();

Deno.test("validateTokenizerConfig rejects ch 48", () => {
  assertThrows(
    () => validateTokenizerConfig({ ...TEST_TOKENIZER_CONFIG, ch: 48 }),
    RangeError,
    "invalid ch 48",
  );
});

Deno.test("validateTokenizerConfig rejects empty chMult", () => {
  assertThrows(
    () => validateTokenizerConfig({ ...TEST_TOKENIZER_CONFIG, chMult: [] }),
    RangeError,
    "invalid chMult []",
  );
});

Deno.test("validateTokenizerConfig rejects fractional multiplier", () => {
  assertThrows(
    () => validateTokenizerConfig({ ...TEST_TOKENIZER_CONFIG, chMult: [1, 1.5] }),
    RangeError,
    "multiplier 1.5",
  );
});

Deno.test("validateTokenizerConfig rejects zero blocks", () => {
  assertThrows(
    () => validateTokenizerConfig({ ...TEST_TOKENIZER_CONFIG, numResBlocks: 0 }),
    RangeError,
    "invalid numResBlocks 0",
  );
});

Deno.test("validateTokenizerConfig rejects zero zChannels", () => {
  assertThrows(
    () => validateTokenizerConfig({ ...TEST_TOKENIZER_CONFIG, zChannels: 0 }),
    RangeError,
    "invalid zChannels 0",
  );
});

Deno.test("Encoder constructor rejects bad ch", () => {
  assertThrows(
    () => new Encoder({ ...TEST_TOKENIZER_CONFIG, ch: 40 }, { rng: new Rng(0) }),
    RangeError,
    "invalid ch 40",
  );
});

Deno.test("validateReleasedConfig rejects mismatched d", () => {
  const config = {
    ...RELEASED_CONFIGS.CR48,
    tokenizer: { ...RELEASED_CONFIGS.CR48.tokenizer, zChannels: 24 },
  };
  assertThrows(
    () => validateReleasedConfig(config),
    RangeError,
    "zChannels 24 does not match groups * bitsPerGroup = 4 * 8 = 32",
  );
});

Deno.test("released configs pass validation", () => {
  for (const config of [...Object.values(RELEASED_CONFIGS), ...Object.values(SMALL_CONFIGS)]) {
    validateReleasedConfig(config);
  }
});

Deno.test("released configs give paper compression ratios", () => {
  // Name, downsampling factor, tokens of a 256x256 image, compression ratio 24 f^2 / d.
  const expected: [string, number, number, number][] = [
    ["CR24", 8, 1024, 24],
    ["CR48", 8, 1024, 48],
    ["CR192", 16, 256, 192],
    ["CR768", 32, 64, 768],
  ];
  for (const [name, f, tokens, ratio] of expected) {
    const config = RELEASED_CONFIGS[name].tokenizer;
    assertEquals(downsamplingFactor(config), f, `${name} f`);
    assertEquals((256 / f) ** 2, tokens, `${name} tokens`);
    assertEquals(compressionRatio(config), ratio, `${name} ratio`);
    assertEquals(
      compressionRatio(SMALL_CONFIGS[`${name}-small`].tokenizer),
      ratio,
      `${name}-small ratio`,
    );
  }
});

Deno.test("findConfig resolves aliases and rejects unknown", () => {
  assertEquals(findConfig("ImageNet f16").name, "CR192");
  assertEquals(findConfig("CR24-small").tokenizer.ch, 32);
  assertThrows(() => findConfig("CR96"), Error, 'unknown tokenizer config "CR96"');
});

Deno.test("Encoder rejects image not multiple of f", () => {
  const encoder = new Encoder(TEST_TOKENIZER_CONFIG, { rng: new Rng(0) });
  const image = tf.zeros([1, 6, 7, 3]) as tf.Tensor4D;
  assertThrows(() => encoder.apply(image), RangeError, "image size 6x7 is not a positive multiple");
  image.dispose();
  encoder.store.dispose();
});

Deno.test("Decoder rejects latent with wrong d", () => {
  const decoder = new Decoder(TEST_TOKENIZER_CONFIG, { rng: new Rng(0) });
  const latent = tf.zeros([1, 2, 2, 16]) as tf.Tensor4D;
  assertThrows(() => decoder.apply(latent), Error, "zChannels 8), got shape [1,2,2,16]");
  latent.dispose();
  decoder.store.dispose();
});

Deno.test("AdaptiveGroupNorm rejects single-position latent", () => {
  const store = new ParameterStore();
  const norm = new AdaptiveGroupNorm(store, "adaptive", 4, 32, new Rng(0));
  const x = tf.zeros([1, 2, 2, 32]) as tf.Tensor4D;
  const latent = tf.zeros([1, 1, 1, 4]) as tf.Tensor4D;
  assertThrows(() => norm.apply(x, latent), Error, "at least 2 positions");
  tf.dispose([x, latent]);
  store.dispose();
});

Deno.test("AdaptiveGroupNorm rejects batch mismatch", () => {
  const store = new ParameterStore();
  const norm = new AdaptiveGroupNorm(store, "adaptive", 4, 32, new Rng(0));
  const x = tf.zeros([2, 2, 2, 32]) as tf.Tensor4D;
  const latent = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
  assertThrows(() => norm.apply(x, latent), Error, "latent batch of 1 for a feature batch of 2");
  tf.dispose([x, latent]);
  store.dispose();
});

Deno.test("GroupNorm rejects 48 channels", () => {
  assertThrows(
    () => new GroupNorm(new ParameterStore(), "norm", 48),
    RangeError,
    "divisible by 32, got 48",
  );
});

Deno.test("ParameterStore rejects duplicate names", () => {
  const store = new ParameterStore();
  store.add("a.weight", tf.zeros([2]));
  assertThrows(
    () => store.add("a.weight", tf.zeros([2])),
    Error,
    'parameter "a.weight" is already registered',
  );
  assertThrows(() => store.get("b.weight"), Error, 'parameter "b.weight" not found');
  store.dispose();
});
