import {
  assert,
  assertEquals,
  assertNotEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { join } from "node:path";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { parseSafetensors } from "../../lib/nn/mod.ts";
import {
  BUNDLE_FILES,
  exportBundle,
  loadBundle,
  loadTokenizerFromCheckpoint,
  readTokenFile,
  type Tokenizer,
  writeTokenFile,
} from "../../lib/tokenizer/mod.ts";
import { encodeCheckpoint } from "../../lib/train/mod.ts";
import { sinusoidImages, tinyRunConfig, trainTinyRun } from "./_trained_run.ts";

await initBackend("wasm", { announce: false });

const run = await trainTinyRun();
const stage1File = join(run.runDir, "ckpt-00000002.wtk");
const images = sinusoidImages(2, 32, 24, new Rng(99));

/** Indices and zero-noise reconstruction computed with the trainer's own networks. */
async function inMemoryReference(input: tf.Tensor4D) {
  const tokenizer = run.components.tokenizer;
  const latent = tokenizer.encode(input);
  const result = tokenizer.quantizer.quantize(latent, { training: false });
  latent.dispose();
  const indices = await tokenizer.quantizer.codesToIndices(result.codes);
  const decoded = tokenizer.decode(result.codes, null);
  const pixels = await decoded.data();
  tf.dispose([result.codes, result.digits, decoded]);
  return { indices: Array.from(indices.values as Float64Array), pixels: Array.from(pixels) };
}

async function encodeDecode(tokenizer: Tokenizer, input: tf.Tensor4D) {
  const indices = await tokenizer.encode(input);
  const decoded = tokenizer.decode(indices);
  const pixels = await decoded.data();
  decoded.dispose();
  return { indices: Array.from(indices.values as Float64Array), pixels: Array.from(pixels) };
}

const emaReference = await run.trainer.ema.withAveragedWeights(() => inMemoryReference(images));
const rawReference = await inMemoryReference(images);

Deno.test("loadTokenizerFromCheckpoint EMA equals trainer EMA", async () => {
  const { tokenizer, provenance } = await loadTokenizerFromCheckpoint(run.runDir);
  assertEquals(provenance.step, 4);
  assertEquals(provenance.stage, 2);
  assertEquals(provenance.weights, "ema");
  assert(tokenizer.decoder.generative, "a stage-2 checkpoint gives a generative decoder");
  const got = await encodeDecode(tokenizer, images);
  assertEquals(got.indices, emaReference.indices);
  assertEquals(got.pixels, emaReference.pixels);
  tokenizer.dispose();
});

Deno.test("loadTokenizerFromCheckpoint raw equals trainer weights", async () => {
  const { tokenizer } = await loadTokenizerFromCheckpoint(run.runDir, { weights: "raw" });
  const got = await encodeDecode(tokenizer, images);
  assertEquals(got.indices, rawReference.indices);
  assertEquals(got.pixels, rawReference.pixels);
  tokenizer.dispose();
});

Deno.test("loadTokenizerFromCheckpoint EMA differs from raw", () => {
  // Guards the two tests above: with decay 0.5 after two updates the weights must differ.
  assertNotEquals(emaReference.pixels, rawReference.pixels);
});

Deno.test("loadTokenizerFromCheckpoint stage 1 file is deterministic", async () => {
  const { tokenizer, provenance } = await loadTokenizerFromCheckpoint(stage1File);
  assertEquals(provenance.step, 2);
  assertEquals(provenance.stage, 1);
  assertEquals(tokenizer.decoder.generative, false);
  const indices = await tokenizer.encode(images);
  assertThrows(() => tokenizer.decode(indices, new Rng(1)), RangeError, "deterministic");
  tokenizer.dispose();
});

Deno.test("exportBundle round-trips encode and decode exactly", async () => {
  const { tokenizer, provenance } = await loadTokenizerFromCheckpoint(run.runDir);
  const dir = await Deno.makeTempDir({ prefix: "tokenizer_bundle_" });
  await exportBundle(tokenizer, dir, provenance);
  tokenizer.dispose();

  const { tokenizer: loaded, config } = await loadBundle(dir);
  const got = await encodeDecode(loaded, images);
  assertEquals(got.indices, emaReference.indices);
  assertEquals(got.pixels, emaReference.pixels);
  assertEquals(config.spec.decoder, "generative");
  assertEquals(config.provenance?.step, 4);
  loaded.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("exportBundle describes quantizer and layout", async () => {
  const { tokenizer, provenance } = await loadTokenizerFromCheckpoint(run.runDir);
  const dir = await Deno.makeTempDir({ prefix: "tokenizer_bundle_" });
  await exportBundle(tokenizer, dir, provenance);
  const config = JSON.parse(await Deno.readTextFile(join(dir, BUNDLE_FILES.config)));
  assertEquals(config.quantizer.bits, 32);
  assertEquals(config.quantizer.groups, 4);
  assertEquals(config.quantizer.bitsPerGroup, 8);
  assertEquals(config.quantizer.bitOrder, "lsb-first");
  assertEquals(config.downsamplingFactor, 8);
  assertEquals(config.compressionRatio, 48, "24 f^2 / d = 24 * 64 / 32");
  assertEquals(config.provenance.trainConfig.network, "CR48-small");

  const { tensors, metadata } = parseSafetensors(
    await Deno.readFile(join(dir, BUNDLE_FILES.weights)),
  );
  assertEquals(metadata.layout, "torch");
  assertEquals(tensors.size, tokenizer.store.names().length);
  // OIHW: [out, in, kh, kw]. The generative decoder's first conv reads 2d = 64 channels.
  assertEquals(tensors.get("encoder.conv_in.weight")?.shape, [32, 3, 3, 3]);
  assertEquals(tensors.get("decoder.conv_in.weight")?.shape, [128, 64, 3, 3]);
  // Linear [out, in]: level 0's adaptive norm maps d = 32 to the ch * chMult[1] = 64 channels it receives.
  assertEquals(tensors.get("decoder.adaptive.0.gamma.weight")?.shape, [64, 32]);
  const readme = await Deno.readTextFile(join(dir, BUNDLE_FILES.readme));
  assertStringIncludes(readme, "OIHW");
  tokenizer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Tokenizer indices round-trip through token files", async () => {
  const { tokenizer } = await loadTokenizerFromCheckpoint(run.runDir);
  const dir = await Deno.makeTempDir({ prefix: "tokenizer_tokens_" });
  const indices = await tokenizer.encode(images);
  const { jsonPath, header } = await writeTokenFile(join(dir, "pair"), indices);
  assertEquals(header.shape, [2, 4, 3, 4]);
  assertEquals(header.binary.dtype, "uint8");
  assertEquals(header.binary.bytes, 2 * 4 * 3 * 4);

  const read = await readTokenFile(jsonPath);
  assertEquals(
    Array.from(read.indices.values as Float64Array),
    Array.from(indices.values as Float64Array),
  );
  const fromFile = tokenizer.decode(read.indices);
  const direct = tokenizer.decode(indices);
  assertEquals(Array.from(await fromFile.data()), Array.from(await direct.data()));
  tf.dispose([fromFile, direct]);
  tokenizer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Tokenizer zero-noise decoding repeats exactly", async () => {
  const { tokenizer } = await loadTokenizerFromCheckpoint(run.runDir);
  const indices = await tokenizer.encode(images);
  const a = tokenizer.decode(indices, "zero");
  const b = tokenizer.decode(indices);
  assertEquals(Array.from(await a.data()), Array.from(await b.data()));
  tf.dispose([a, b]);
  tokenizer.dispose();
});

Deno.test("Tokenizer seeded decoding repeats per seed", async () => {
  const { tokenizer } = await loadTokenizerFromCheckpoint(run.runDir);
  const indices = await tokenizer.encode(images);
  const first = tokenizer.decode(indices, new Rng(5));
  const again = tokenizer.decode(indices, new Rng(5));
  const other = tokenizer.decode(indices, new Rng(6));
  const zero = tokenizer.decode(indices, "zero");
  const [p1, p2, p3, p0] = await Promise.all([
    first.data(),
    again.data(),
    other.data(),
    zero.data(),
  ]);
  assertEquals(Array.from(p2), Array.from(p1));
  assertNotEquals(Array.from(p3), Array.from(p1), "another seed gives other noise");
  assertNotEquals(Array.from(p0), Array.from(p1), "trained noise kernels change the output");
  tf.dispose([first, again, other, zero]);
  tokenizer.dispose();
});

Deno.test("Tokenizer original resolution keeps input size", async () => {
  const { tokenizer } = await loadTokenizerFromCheckpoint(run.runDir);
  const odd = sinusoidImages(1, 37, 21, new Rng(3));
  const { indices, images: out, region } = await tokenizer.reconstruct(odd, {
    originalResolution: true,
  });
  assertEquals(out.shape, [1, 37, 21, 3]);
  assertEquals(indices.shape, [1, 5, 3], "ceil(37 / 8) x ceil(21 / 8) tokens");
  assertEquals(
    region,
    { top: 1, left: 1, height: 37, width: 21 },
    "40 - 37 = 3 rows: 1 above, 2 below",
  );

  // Independent path: pad by hand with zeros (mid grey), reconstruct, crop.
  const padded = tf.pad(odd, [[0, 0], [1, 2], [1, 2], [0, 0]]);
  const whole = await tokenizer.reconstruct(padded);
  const cropped = tf.slice(whole.images, [0, 1, 1, 0], [1, 37, 21, 3]);
  assertEquals(Array.from(await out.data()), Array.from(await cropped.data()));
  tf.dispose([odd, out, padded, whole.images, cropped]);
  tokenizer.dispose();
});

Deno.test("Tokenizer encode rejects invalid sizes", async () => {
  const { tokenizer } = await loadTokenizerFromCheckpoint(run.runDir);
  const wrongSize = tf.zeros([1, 30, 32, 3]) as tf.Tensor4D;
  await assertRejects(
    () => tokenizer.encode(wrongSize),
    RangeError,
    "multiple of the downsampling factor 8",
  );
  const grey = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
  await assertRejects(() => tokenizer.encode(grey), RangeError, "[B, H, W, 3]");
  const oneToken = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  await assertRejects(() => tokenizer.encode(oneToken), RangeError, "at least 2 tokens");
  const nan = tf.fill([1, 16, 16, 3], NaN) as tf.Tensor4D;
  await assertRejects(() => tokenizer.encode(nan), RangeError, "not finite");
  tf.dispose([wrongSize, grey, oneToken, nan]);
  tokenizer.dispose();
});

Deno.test("loadTokenizerFromCheckpoint reports missing checkpoints", async () => {
  const empty = await Deno.makeTempDir({ prefix: "tokenizer_empty_" });
  await assertRejects(() => loadTokenizerFromCheckpoint(empty), Error, "no checkpoint found");
  await assertRejects(() => loadTokenizerFromCheckpoint(join(empty, "absent")), Error, "not found");
  await Deno.writeTextFile(join(empty, "ckpt-00000001.wtk"), "not a checkpoint");
  await assertRejects(() => loadTokenizerFromCheckpoint(empty), Error, "not a WeTok checkpoint");

  // A checkpoint of a network that lib/nn does not define.
  const config = { ...tinyRunConfig(), network: "tiny" };
  await Deno.writeFile(
    join(empty, "ckpt-00000002.wtk"),
    encodeCheckpoint({ step: 2, config, meta: {}, tensors: {} }),
  );
  await assertRejects(
    () => loadTokenizerFromCheckpoint(empty),
    Error,
    'unknown tokenizer config "tiny"',
  );
  await Deno.remove(empty, { recursive: true });
});

Deno.test("loadBundle rejects missing and mismatched bundles", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tokenizer_badbundle_" });
  await assertRejects(() => loadBundle(dir), Error, "deno task export");

  const { tokenizer, provenance } = await loadTokenizerFromCheckpoint(stage1File);
  await exportBundle(tokenizer, dir, provenance);
  tokenizer.dispose();
  const configPath = join(dir, BUNDLE_FILES.config);
  const config = JSON.parse(await Deno.readTextFile(configPath));
  await Deno.writeTextFile(configPath, JSON.stringify({ ...config, formatVersion: 99 }));
  await assertRejects(() => loadBundle(dir), Error, "not a version-1 tokenizer bundle");

  // A bundle whose weights belong to another architecture.
  config.spec.architecture.chMult = [1, 2, 4];
  await Deno.writeTextFile(configPath, JSON.stringify(config));
  await assertRejects(() => loadBundle(dir), Error, "weights do not match the network");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readTokenFile rejects a corrupt binary", async () => {
  const { tokenizer } = await loadTokenizerFromCheckpoint(run.runDir);
  const dir = await Deno.makeTempDir({ prefix: "tokenizer_corrupt_" });
  const { jsonPath, binPath } = await writeTokenFile(
    join(dir, "x"),
    await tokenizer.encode(images),
  );
  const bytes = await Deno.readFile(binPath);
  bytes[0] ^= 1;
  await Deno.writeFile(binPath, bytes);
  await assertRejects(() => readTokenFile(jsonPath), Error, "is corrupt");
  tokenizer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "tiny training run cleanup",
  fn: async () => {
    run.trainer.dispose();
    images.dispose();
    await Deno.remove(run.runDir, { recursive: true });
  },
  sanitizeResources: false,
});
