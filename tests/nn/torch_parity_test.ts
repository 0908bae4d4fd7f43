/**
 * Numerical parity of the networks with PyTorch. The reference outputs come
 * from tests/fixtures/nn_torch_parity.py (PyTorch 1.13, float64 forward on
 * float32 weights). The weights are loaded from PyTorch layout, so these tests
 * also check the OIHW-to-HWIO conversion, the state-dict names, the explicit
 * padding and the depth-to-space order.
 *
 * Tolerance: max |ours - reference| <= 1e-4 * max(1, max |reference|). On the
 * cpu and wasm backends the measured output errors are at most 1.6e-6 (float32
 * rounding), while TensorFlow's 'same' padding in the stride-2 convs gives 1.4
 * on the encoder. The file also passes with `WETOK_BACKEND=webgpu`.
 */
import { assert, assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  Decoder,
  deserializeWeights,
  Encoder,
  fromTorchLayout,
  ParameterStore,
  parseSafetensors,
  PatchDiscriminator,
  type TokenizerConfig,
  widenToGenerative,
} from "../../lib/nn/mod.ts";
import { initTestBackend, maxAbs, maxAbsDifference } from "./_helpers.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url);
const RELATIVE_TOLERANCE = 1e-4;

const ENCODER_CONFIG: TokenizerConfig = { ch: 32, chMult: [1, 2], numResBlocks: 1, zChannels: 8 };
const DECODER_CONFIG: TokenizerConfig = { ch: 32, chMult: [1, 1], numResBlocks: 1, zChannels: 8 };

await initTestBackend();
const weightBytes = await Deno.readFile(new URL("nn_torch_parity_weights.safetensors", FIXTURES));
const io =
  parseSafetensors(await Deno.readFile(new URL("nn_torch_parity_io.safetensors", FIXTURES)))
    .tensors;

function fixture(name: string): tf.Tensor4D {
  const t = io.get(name);
  if (t === undefined) {
    throw new Error(`fixture tensor "${name}" not found. Rerun the fixture script`);
  }
  return tf.tensor4d(t.data, t.shape as [number, number, number, number]);
}

// Inputs live for the whole file. Results are read with `await data()`, which
// every backend supports (webgpu has no dataSync).
const inputs = {
  images: fixture("images"),
  latent: fixture("latent"),
  noise: fixture("noise"),
  resInput: fixture("res_input"),
  agnInput: fixture("agn_input"),
  discImages: fixture("disc_images"),
};

function assertValuesClose(values: ArrayLike<number>, shape: number[], referenceName: string) {
  const reference = io.get(referenceName)!;
  assertEquals(shape, reference.shape, `${referenceName} shape`);
  const error = maxAbsDifference(values, reference.data);
  const bound = RELATIVE_TOLERANCE * Math.max(1, maxAbs(reference.data));
  assert(error <= bound, `${referenceName}: max abs error ${error} > ${bound}`);
}

/** Runs `compute` in a tidy scope, compares its result with the reference, and disposes it. */
async function assertOutputClose(compute: () => tf.Tensor, referenceName: string): Promise<void> {
  const output = tf.tidy(compute);
  try {
    assertValuesClose(await output.data(), output.shape, referenceName);
  } finally {
    output.dispose();
  }
}

/** Builds the fixture's networks in one store and loads the PyTorch weights. */
function buildNetworks() {
  const store = new ParameterStore();
  const rng = new Rng(99);
  const encoder = new Encoder(ENCODER_CONFIG, { rng, store });
  const decoder = new Decoder(DECODER_CONFIG, { rng, store });
  const discriminator = new PatchDiscriminator({ ndf: 8, nLayers: 3 }, { rng, store });
  deserializeWeights(store, weightBytes, {
    ignoreUnexpected: (name) => name.startsWith("generative_decoder."),
  });
  return { store, encoder, decoder, discriminator };
}

Deno.test("Encoder matches PyTorch reference", async () => {
  const { store, encoder } = buildNetworks();
  await assertOutputClose(() => encoder.apply(inputs.images), "encoder_output");
  store.dispose();
});

Deno.test("ResBlock with shortcut matches PyTorch", async () => {
  const { store, encoder } = buildNetworks();
  const block = encoder.levels[1].blocks[0];
  assert(block.shortcut !== null, "block 32 -> 64 has a 1x1 shortcut");
  await assertOutputClose(() => block.apply(inputs.resInput), "res_block_output");
  store.dispose();
});

Deno.test("AdaptiveGroupNorm matches PyTorch reference", async () => {
  const { store, decoder } = buildNetworks();
  await assertOutputClose(
    () => decoder.levels[1].adaptive.apply(inputs.agnInput, inputs.latent),
    "adaptive_norm_output",
  );
  store.dispose();
});

Deno.test("Decoder matches PyTorch reference", async () => {
  const { store, decoder } = buildNetworks();
  await assertOutputClose(() => decoder.apply(inputs.latent), "decoder_output");
  store.dispose();
});

Deno.test("generative Decoder matches PyTorch with noise", async () => {
  const { store, decoder } = buildNetworks();
  const generative = widenToGenerative(decoder);
  // The fixture's generative decoder differs from the decoder only in conv_in.
  const parsed = parseSafetensors(weightBytes).tensors;
  for (const name of ["weight", "bias"]) {
    const { data, shape } = fromTorchLayout(parsed.get(`generative_decoder.conv_in.${name}`)!);
    tf.tidy(() => generative.store.assign(`decoder.conv_in.${name}`, tf.tensor(data, shape)));
  }
  await assertOutputClose(
    () => generative.apply(inputs.latent, inputs.noise),
    "generative_decoder_output",
  );
  generative.store.dispose();
  store.dispose();
});

Deno.test("PatchDiscriminator matches PyTorch train and eval", async () => {
  const { store, discriminator } = buildNetworks();
  await assertOutputClose(
    () => discriminator.apply(inputs.discImages, true),
    "discriminator_output",
  );
  for (const index of [3, 6, 9]) {
    for (const statistic of ["running_mean", "running_var"]) {
      const variable = store.get(`loss.discriminator.main.${index}.${statistic}`);
      assertValuesClose(await variable.data(), variable.shape, `${statistic}.${index}`);
    }
  }
  // Evaluation mode uses the running statistics that the training pass updated.
  await assertOutputClose(
    () => discriminator.apply(inputs.discImages, false),
    "discriminator_eval_output",
  );
  store.dispose();
});
