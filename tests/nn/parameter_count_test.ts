import { assertEquals } from "@std/assert";
import { Rng } from "../../lib/engine/mod.ts";
import {
  countDecoderParameters,
  countDiscriminatorParameters,
  countEncoderParameters,
  Decoder,
  Encoder,
  PatchDiscriminator,
  RELEASED_CONFIGS,
  SMALL_CONFIGS,
  type TokenizerConfig,
} from "../../lib/nn/mod.ts";
import { initTestBackend } from "./_helpers.ts";

await initTestBackend();

Deno.test("countTokenizerParameters matches f16 figures", () => {
  // The official f16 tokenizer (CR192) has about 198.9M encoder and 261.4M
  // decoder parameters (WeTok, arXiv 2508.05599, released checkpoints).
  const config = RELEASED_CONFIGS.CR192.tokenizer;
  assertEquals((countEncoderParameters(config) / 1e6).toFixed(1), "198.9");
  assertEquals((countDecoderParameters(config) / 1e6).toFixed(1), "261.4");
});

Deno.test("countEncoderParameters matches the exact f16 count", () => {
  // Sums of p.numel() over the PyTorch modules of tests/fixtures/nn_torch_parity.py
  // built at full size (PyTorch 1.13).
  const config = RELEASED_CONFIGS.CR192.tokenizer;
  assertEquals(countEncoderParameters(config), 198_935_328);
  assertEquals(countDecoderParameters(config), 261_358_851);
});

Deno.test("generative decoder count adds one noise kernel", () => {
  const config = RELEASED_CONFIGS.CR768.tokenizer;
  const noiseKernel = config.zChannels * config.ch * config.chMult[config.chMult.length - 1] * 9;
  assertEquals(
    countDecoderParameters(config, true) - countDecoderParameters(config, false),
    noiseKernel,
  );
});

const BUILT_CONFIGS: [string, TokenizerConfig][] = [
  ...Object.entries(SMALL_CONFIGS).map(([name, c]) =>
    [name, c.tokenizer] as [string, TokenizerConfig]
  ),
  ["two blocks, uneven mult", { ch: 32, chMult: [1, 3], numResBlocks: 2, zChannels: 5 }],
  ["one level, 4-channel input", {
    ch: 64,
    chMult: [2],
    numResBlocks: 1,
    zChannels: 4,
    inChannels: 4,
    outChannels: 1,
  }],
];

for (const [name, config] of BUILT_CONFIGS) {
  Deno.test(`parameter counts match built ${name}`, () => {
    const encoder = new Encoder(config, { rng: new Rng(1) });
    const decoder = new Decoder(config, { rng: new Rng(2) });
    const generative = new Decoder(config, { rng: new Rng(3), generative: true });
    assertEquals(encoder.store.countParameters(), countEncoderParameters(config), "encoder");
    assertEquals(decoder.store.countParameters(), countDecoderParameters(config), "decoder");
    assertEquals(
      generative.store.countParameters(),
      countDecoderParameters(config, true),
      "generative",
    );
    encoder.store.dispose();
    decoder.store.dispose();
    generative.store.dispose();
  });
}

Deno.test("countDiscriminatorParameters matches built networks", () => {
  for (const config of [{}, { ndf: 8, nLayers: 2 }, { ndf: 16, nLayers: 4, inChannels: 1 }]) {
    const discriminator = new PatchDiscriminator(config, { rng: new Rng(4) });
    assertEquals(discriminator.store.countParameters(), countDiscriminatorParameters(config));
    discriminator.store.dispose();
  }
  // PatchGAN with ndf 64 and 3 layers: 2,763,841 conv weights and biases plus 1,792
  // batch-norm scales and shifts (PyTorch p.numel() sum of the fixture script's module).
  assertEquals(countDiscriminatorParameters(), 2_765_633);
});
