import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { join } from "node:path";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  Decoder,
  deserializeWeights,
  Encoder,
  fromTorchLayout,
  loadWeights,
  officialEmaName,
  ParameterStore,
  parseSafetensors,
  saveWeights,
  serializeWeights,
  SMALL_CONFIGS,
  toTorchLayout,
} from "../../lib/nn/mod.ts";
import { initTestBackend, maxAbsDifference } from "./_helpers.ts";

await initTestBackend();

const CONFIG = SMALL_CONFIGS["CR48-small"].tokenizer;

function buildTokenizer(seed: number, config = CONFIG): ParameterStore {
  const store = new ParameterStore();
  const rng = new Rng(seed);
  new Encoder(config, { rng, store });
  new Decoder(config, { rng, store });
  return store;
}

function assertStoresEqual(a: ParameterStore, b: ParameterStore): void {
  assertEquals(a.names(), b.names());
  for (const name of a.names()) {
    assertEquals(maxAbsDifference(a.get(name), b.get(name)), 0, name);
  }
}

Deno.test("fromTorchLayout maps OIHW to HWIO", () => {
  const shape = [4, 3, 2, 5];
  const data = Float32Array.from({ length: 120 }, (_, i) => i);
  const hwio = fromTorchLayout({ shape, data });
  assertEquals(hwio.shape, [2, 5, 3, 4]);
  // Brute force: element [o, i, h, w] must land at [h, w, i, o].
  for (let o = 0; o < 4; o++) {
    for (let i = 0; i < 3; i++) {
      for (let h = 0; h < 2; h++) {
        for (let w = 0; w < 5; w++) {
          const source = ((o * 3 + i) * 2 + h) * 5 + w;
          const target = ((h * 5 + w) * 3 + i) * 4 + o;
          assertEquals(hwio.data[target], data[source]);
        }
      }
    }
  }
});

Deno.test("toTorchLayout inverts fromTorchLayout", () => {
  for (const shape of [[3, 2, 3, 3], [7, 5], [6], []]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, (_, i) => i * 0.5 - 3);
    const back = toTorchLayout(fromTorchLayout({ shape, data }));
    assertEquals(back.shape, shape);
    assertEquals(Array.from(back.data), Array.from(data));
  }
  const linear = fromTorchLayout({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  assertEquals(Array.from(linear.data), [1, 4, 2, 5, 3, 6]);
});

Deno.test("fromTorchLayout rejects rank 3", () => {
  assertThrows(
    () => fromTorchLayout({ shape: [2, 2, 2], data: new Float32Array(8) }),
    RangeError,
    "rank-3 tensor of shape [2,2,2]",
  );
});

Deno.test("saveWeights round-trips both layouts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wetok_nn_" });
  const source = buildTokenizer(31);
  for (const layout of ["tfjs", "torch"] as const) {
    const path = join(dir, `${layout}.safetensors`);
    await saveWeights(path, source, { layout, metadata: { config: "CR48-small" } });
    const target = buildTokenizer(32);
    await loadWeights(path, target);
    assertStoresEqual(source, target);
    const { metadata } = parseSafetensors(await Deno.readFile(path));
    assertEquals(metadata.layout, layout);
    assertEquals(metadata.config, "CR48-small");
    target.dispose();
  }
  source.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("torch layout file holds OIHW kernels", async () => {
  const store = buildTokenizer(33);
  const { tensors } = parseSafetensors(await serializeWeights(store, { layout: "torch" }));
  assertEquals(tensors.get("encoder.conv_in.weight")!.shape, [CONFIG.ch, 3, 3, 3]);
  // Level 0's adaptive norm acts on the output of level 1, ch * chMult[1] channels.
  assertEquals(tensors.get("decoder.adaptive.0.gamma.weight")!.shape, [
    CONFIG.ch * CONFIG.chMult[1],
    CONFIG.zChannels,
  ]);
  store.dispose();
});

Deno.test("deserializeWeights rejects mismatched shapes", async () => {
  const source = buildTokenizer(34, SMALL_CONFIGS["CR24-small"].tokenizer);
  const bytes = await serializeWeights(source);
  const target = buildTokenizer(35);
  const before = target.get("encoder.conv_in.weight").dataSync().slice();
  assertThrows(
    () => deserializeWeights(target, bytes),
    Error,
    '"encoder.conv_out.weight" has shape [1,1,128,64] (tfjs layout), expected [1,1,128,32]',
  );
  // Nothing is assigned when any check fails.
  assertEquals(maxAbsDifference(target.get("encoder.conv_in.weight"), before), 0);
  source.dispose();
  target.dispose();
});

Deno.test("deserializeWeights rejects missing names", async () => {
  const encoderOnly = new ParameterStore();
  new Encoder(CONFIG, { rng: new Rng(36), store: encoderOnly });
  const bytes = await serializeWeights(encoderOnly);
  const full = buildTokenizer(37);
  assertThrows(
    () => deserializeWeights(full, bytes),
    Error,
    'missing 60 names ("decoder.conv_in.weight"',
  );
  encoderOnly.dispose();
  full.dispose();
});

Deno.test("deserializeWeights rejects unexpected unless ignored", async () => {
  const full = buildTokenizer(38);
  const bytes = await serializeWeights(full);
  const encoderOnly = new ParameterStore();
  new Encoder(CONFIG, { rng: new Rng(39), store: encoderOnly });
  assertThrows(
    () => deserializeWeights(encoderOnly, bytes),
    Error,
    'unexpected 60 names ("decoder.conv_in.weight"',
  );
  deserializeWeights(encoderOnly, bytes, {
    ignoreUnexpected: (name) => name.startsWith("decoder."),
  });
  assertEquals(
    maxAbsDifference(encoderOnly.get("encoder.conv_out.bias"), full.get("encoder.conv_out.bias")),
    0,
  );
  encoderOnly.dispose();
  full.dispose();
});

Deno.test("deserializeWeights reads renamed EMA entries", async () => {
  const source = buildTokenizer(41);
  const renamed = new ParameterStore();
  for (const entry of source.entries()) renamed.add(officialEmaName(entry.name), entry.variable);
  const bytes = await serializeWeights(renamed);
  const target = buildTokenizer(42);
  deserializeWeights(target, bytes, { fileName: officialEmaName });
  assertStoresEqual(source, target);
  assertEquals(officialEmaName("encoder.conv_in.weight"), "model_ema.encoderconv_inweight");
  source.dispose();
  renamed.dispose();
  target.dispose();
});

Deno.test("parseSafetensors rejects non-F32 tensors", () => {
  const header = new TextEncoder().encode(
    JSON.stringify({ w: { dtype: "F16", shape: [2], data_offsets: [0, 4] } }),
  );
  const bytes = new Uint8Array(8 + header.length + 4);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  assertThrows(
    () => parseSafetensors(bytes),
    Error,
    'tensor "w" has dtype F16. Only F32 is supported',
  );
});

Deno.test("parseSafetensors rejects truncated data", async () => {
  const store = buildTokenizer(40);
  const bytes = await serializeWeights(store);
  assertThrows(
    () => parseSafetensors(bytes.subarray(0, bytes.length - 4)),
    Error,
    "invalid byte range",
  );
  assertThrows(
    () => parseSafetensors(bytes.subarray(0, 5)),
    Error,
    "shorter than the 8-byte header length",
  );
  store.dispose();
});

Deno.test("loadWeights names the missing file", async () => {
  const store = new ParameterStore();
  await assertRejects(
    () => loadWeights("/nonexistent/w.safetensors", store),
    Error,
    "/nonexistent/w.safetensors",
  );
  assert(store.names().length === 0);
});

Deno.test("ParameterStore assign rejects shape change", () => {
  const store = new ParameterStore();
  store.add("a", tf.zeros([2, 3]));
  const value = tf.zeros([3, 2]);
  assertThrows(
    () => store.assign("a", value),
    Error,
    'parameter "a" has shape [2,3] but the new value has shape [3,2]',
  );
  value.dispose();
  store.dispose();
});
