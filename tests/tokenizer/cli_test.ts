import { assert, assertAlmostEquals, assertEquals, assertStringIncludes } from "@std/assert";
import { join } from "node:path";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { decodeImage, writePng } from "../../lib/data/mod.ts";
import { psnr, toUint8 } from "../../lib/metrics/mod.ts";
import { loadBundle, loadTokenizerFromCheckpoint, readTokenFile } from "../../lib/tokenizer/mod.ts";
import { sinusoidImages, trainTinyRun } from "./_trained_run.ts";
import { runCli } from "../bin/_run_cli.ts";

await initBackend("wasm", { announce: false });

async function writeSinusoidPng(
  path: string,
  height: number,
  width: number,
  seed: number,
): Promise<void> {
  const tensor = sinusoidImages(1, height, width, new Rng(seed));
  await writePng(path, { width, height, data: toUint8(await tensor.data(), "round") });
  tensor.dispose();
}

const run = await trainTinyRun();
run.trainer.dispose();
const work = await Deno.makeTempDir({ prefix: "tokenizer_cli_" });
const bundle = join(work, "bundle");
const square = join(work, "square.png");
const odd = join(work, "odd.png");
const broken = join(work, "broken.png");
await writeSinusoidPng(square, 32, 32, 1);
await writeSinusoidPng(odd, 37, 21, 2);
await Deno.writeFile(broken, new TextEncoder().encode("this is not an image"));

Deno.test("export CLI writes a loadable bundle", async () => {
  const result = await runCli("export.ts", ["--checkpoint", run.runDir, "--out", bundle]);
  assertEquals(result.code, 0, result.stderr);
  const { tokenizer, config } = await loadBundle(bundle);
  assertEquals(config.provenance?.weights, "ema");
  assert(typeof config.provenance?.exportedAt === "string", "the export time is recorded");

  const fromCheckpoint = (await loadTokenizerFromCheckpoint(run.runDir)).tokenizer;
  const images = sinusoidImages(1, 32, 32, new Rng(4));
  const a = tokenizer.decode(await tokenizer.encode(images));
  const b = fromCheckpoint.decode(await fromCheckpoint.encode(images));
  assertEquals(Array.from(await a.data()), Array.from(await b.data()));
  tf.dispose([images, a, b]);
  tokenizer.dispose();
  fromCheckpoint.dispose();
});

Deno.test("tokenize CLI skips corrupt images and reports", async () => {
  const out = join(work, "fixed");
  const result = await runCli("tokenize.ts", [
    "--bundle",
    bundle,
    "--size",
    "32",
    "--out",
    out,
    "--backend",
    "wasm",
    square,
    broken,
    odd,
  ]);
  assertEquals(result.code, 1, "a skipped image gives exit status 1");
  assertStringIncludes(result.stderr, `${broken}: cannot decode image`);
  assertEquals(result.stdout.trim().split("\n").length, 2, result.stdout);
  assertStringIncludes(result.stdout, "square.png: 4x4x4 tokens, PSNR");

  const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
  assertEquals(summary.skipped.map((s: { file: string }) => s.file), [broken]);
  assertEquals(summary.results.length, 2);

  // The written tokens decode to the written PNG, and the PNG gives the reported PSNR.
  const { tokenizer } = await loadBundle(bundle);
  const { indices, header } = await readTokenFile(join(out, "square.tokens.json"));
  assertEquals(header.shape, [1, 4, 4, 4]);
  const decoded = tokenizer.decode(indices);
  const expected = toUint8(await decoded.data(), "truncate");
  const png = await decodeImage(join(out, "square.reconstruction.png"));
  assertEquals(Array.from(png.data), Array.from(expected));
  const original = await decodeImage(square);
  assertAlmostEquals(summary.results[0].psnr, psnr(original.data, png.data), 1e-9);
  decoded.dispose();
  tokenizer.dispose();
});

Deno.test("tokenize CLI original resolution keeps size", async () => {
  // The input's own folder as output: the input must stay unchanged.
  const out = work;
  const before = await Deno.readFile(odd);
  const result = await runCli("tokenize.ts", [
    "--checkpoint",
    run.runDir,
    "--original-resolution",
    "--seed",
    "3",
    "--out",
    out,
    "--backend",
    "wasm",
    odd,
  ]);
  assertEquals(result.code, 0, result.stderr);
  const png = await decodeImage(join(out, "odd.reconstruction.png"));
  assertEquals([png.width, png.height], [21, 37]);
  assertEquals(await Deno.readFile(odd), before);
  const { header } = await readTokenFile(join(out, "odd.tokens.json"));
  assertEquals(header.shape, [1, 5, 3, 4]);
  assertEquals(header.input, {
    mode: "original-resolution",
    width: 21,
    height: 37,
    padding: { top: 1, left: 1, bottom: 2, right: 2 },
  });
  assertEquals(header.decoding, { noise: "normal", seed: 3 });
});

Deno.test("tokenize CLI missing image omits corpus", async () => {
  const missing = join(work, "no-such-image.png");
  const result = await runCli("tokenize.ts", [
    "--bundle",
    bundle,
    "--size",
    "32",
    "--out",
    join(work, "missing"),
    "--backend",
    "wasm",
    missing,
  ]);
  assertEquals(result.code, 1, "a skipped image gives exit status 1");
  assertStringIncludes(result.stderr, `${missing}: cannot decode image ${missing}: file not found`);
  assert(!result.stderr.includes("corpus"), `a user's image gets corpus advice:\n${result.stderr}`);
});

Deno.test("tokenize CLI rejects missing checkpoint", async () => {
  const missing = join(work, "no-such-run");
  const result = await runCli("tokenize.ts", ["--checkpoint", missing, square]);
  assertEquals(result.code, 2);
  assertStringIncludes(result.stderr, `checkpoint ${missing} not found`);
});

Deno.test("tokenize CLI rejects size off the factor", async () => {
  const result = await runCli("tokenize.ts", [
    "--bundle",
    bundle,
    "--size",
    "30",
    "--backend",
    "wasm",
    square,
  ]);
  assertEquals(result.code, 2);
  assertStringIncludes(
    result.stderr,
    "invalid --size 30: it must be a multiple of the downsampling factor 8",
  );
});

Deno.test({
  name: "tokenize CLI test cleanup",
  fn: async () => {
    await Deno.remove(work, { recursive: true });
    await Deno.remove(run.runDir, { recursive: true });
  },
  sanitizeResources: false,
});
