/**
 * Tokenizes images with a trained WeTok tokenizer (arXiv 2508.05599) and
 * reconstructs them: per image, the token indices (JSON header and binary),
 * the reconstruction as PNG, and PSNR and SSIM against the tokenized input.
 *
 * Usage: deno task tokenize --checkpoint DIR|--bundle DIR IMAGE... [options]; see --help.
 */
import { basename, extname, join } from "node:path";
import { initBackend, parseBackendName, Rng } from "../lib/engine/mod.ts";
import {
  decodeImage,
  evalTransform,
  imagesToTensor,
  type RgbImage,
  writePng,
} from "../lib/data/mod.ts";
import { atomicWriteJson } from "../lib/io/atomic_write.ts";
import { errorMessage, log } from "../lib/io/log.ts";
import { Progress } from "../lib/io/progress.ts";
import { psnr, ssim, toUint8, type Uint8Conversion } from "../lib/metrics/mod.ts";
import {
  loadBundle,
  loadTokenizerFromCheckpoint,
  type Tokenizer,
  type TokenizerNoise,
  writeTokenFile,
} from "../lib/tokenizer/mod.ts";
import { exitWithUsageError, parseCliArgs } from "./_cli.ts";

const DEFAULT_SIZE = 256;

const HELP = `Usage: deno task tokenize --checkpoint DIR|--bundle DIR IMAGE... [options]

Encodes each image to per-group token indices, decodes them, and writes per image
NAME.tokens.json (shape, bit order, group layout), NAME.tokens.bin (the indices)
and NAME.reconstruction.png to the output folder, plus summary.json.
Prints PSNR (dB) and SSIM (7x7 uniform window) against the tokenized input.

Options:
  --checkpoint PATH        run folder of "deno task train" (newest ckpt-*.wtk) or one .wtk file
  --bundle DIR             folder written by "deno task export"
  --weights ema|raw        checkpoint weights to use (default ema); only with --checkpoint
  --out DIR                output folder (default tokens)
  --size S                 resize the short side to S pixels and centre-crop S x S, the
                           evaluation protocol (default ${DEFAULT_SIZE}); S must be a multiple
                           of the downsampling factor
  --original-resolution    keep the image size: pad with mid grey to a multiple of the
                           downsampling factor, then crop the reconstruction back
  --seed N                 generative decoding with N(0, 1) noise from seed N (the same
                           seed for every image); needs a stage-2 tokenizer
  --deterministic          decode with zero noise (z = 0), the default
  --uint8 round|truncate   conversion of the reconstruction to 8-bit pixels, for the PNG
                           and the metrics (default truncate, as the official evaluation)
  --backend NAME           wasm (default), cpu, webgpu or tensorflow; also WETOK_BACKEND
  --help                   print this text

Exit status: 0 when every image was tokenized, 1 when some were skipped (listed
at the end and in summary.json), 2 for invalid options or a tokenizer that
cannot be loaded.`;

const { values, positionals } = parseCliArgs("tokenize", {
  allowPositionals: true,
  options: {
    checkpoint: { type: "string" },
    bundle: { type: "string" },
    weights: { type: "string" },
    out: { type: "string", default: "tokens" },
    size: { type: "string" },
    "original-resolution": { type: "boolean", default: false },
    seed: { type: "string" },
    deterministic: { type: "boolean", default: false },
    uint8: { type: "string", default: "truncate" },
    backend: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

function usageError(message: string): never {
  exitWithUsageError("tokenize", message);
}

if ((values.checkpoint === undefined) === (values.bundle === undefined)) {
  usageError("give exactly one of --checkpoint PATH and --bundle DIR");
}
if (values.weights !== undefined && values.checkpoint === undefined) {
  usageError(
    "--weights applies only to --checkpoint, because a bundle contains one set of weights",
  );
}
if (values.weights !== undefined && values.weights !== "ema" && values.weights !== "raw") {
  usageError(`invalid --weights "${values.weights}": use ema or raw`);
}
if (positionals.length === 0) usageError("missing IMAGE: give at least one image file");
if (values.size !== undefined && values["original-resolution"]) {
  usageError("--size and --original-resolution exclude each other; give one");
}
if (values.seed !== undefined && values.deterministic) {
  usageError("--seed and --deterministic exclude each other; give one");
}
if (values.uint8 !== "round" && values.uint8 !== "truncate") {
  usageError(`invalid --uint8 "${values.uint8}": use round or truncate`);
}
const size = values["original-resolution"]
  ? null
  : positiveInteger(values.size ?? String(DEFAULT_SIZE), "--size");
const seed = values.seed === undefined ? null : integer(values.seed, "--seed");
const conversion = values.uint8 as Uint8Conversion;

let backendName;
try {
  backendName = parseBackendName(values.backend ?? Deno.env.get("WETOK_BACKEND"));
} catch (err) {
  usageError(errorMessage(err));
}
await initBackend(backendName);
const { tokenizer, source } = await openTokenizer();
const f = tokenizer.downsamplingFactor;
if (size !== null && size % f !== 0) {
  usageError(
    `invalid --size ${size}: it must be a multiple of the downsampling factor ${f}, for example ${
      Math.max(1, Math.round(size / f)) * f
    }`,
  );
}
if (seed !== null && !tokenizer.decoder.generative) {
  usageError(
    "--seed needs a generative decoder, but this tokenizer was trained in stage 1 only; drop --seed",
  );
}

const outDir = values.out!;
await Deno.mkdir(outDir, { recursive: true });
log.info(
  `tokenize: ${positionals.length} images with ${tokenizer.spec.network} (${source}), ` +
    `${size === null ? "original resolution" : `${size}x${size}`}, ` +
    `${seed === null ? "zero noise" : `noise seed ${seed}`}, output ${outDir}`,
);

const results: Record<string, unknown>[] = [];
const skipped: { file: string; reason: string }[] = [];
const usedNames = new Set<string>();
const progress = new Progress({ label: "tokenize", total: positionals.length, unit: "img" });
for (const [n, file] of positionals.entries()) {
  try {
    results.push(await tokenizeOne(file, uniqueName(file)));
  } catch (err) {
    log.error(`tokenize: skipped ${file}`, err);
    skipped.push({ file, reason: errorMessage(err) });
  }
  progress.update(n + 1);
}
await atomicWriteJson(join(outDir, "summary.json"), {
  tokenizer: source,
  size,
  seed,
  uint8: conversion,
  results,
  skipped,
});
log.info(
  `tokenize: done, ${results.length} tokenized, ${skipped.length} skipped; summary in ${
    join(outDir, "summary.json")
  }`,
);
tokenizer.dispose();
if (skipped.length > 0) {
  console.error(`skipped ${skipped.length} of ${positionals.length} images:`);
  for (const { file, reason } of skipped) console.error(`  ${file}: ${reason}`);
  Deno.exit(1);
}

async function openTokenizer(): Promise<{ tokenizer: Tokenizer; source: string }> {
  try {
    if (values.bundle !== undefined) {
      return {
        tokenizer: (await loadBundle(values.bundle)).tokenizer,
        source: `bundle ${values.bundle}`,
      };
    }
    const weights = (values.weights ?? "ema") as "ema" | "raw";
    const loaded = await loadTokenizerFromCheckpoint(values.checkpoint!, { weights });
    const { checkpoint, step } = loaded.provenance;
    return {
      tokenizer: loaded.tokenizer,
      source: `${weights} weights of ${checkpoint}, step ${step}`,
    };
  } catch (err) {
    console.error(`error: ${errorMessage(err)}`);
    Deno.exit(2);
  }
}

async function tokenizeOne(file: string, name: string): Promise<Record<string, unknown>> {
  const original = await decodeImage(file);
  const input: RgbImage = size === null ? original : await evalTransform(original, size);
  const batch = imagesToTensor([input]);
  const noise: TokenizerNoise = seed === null ? "zero" : new Rng(seed);
  const { indices, images, region } = await tokenizer.reconstruct(batch, {
    noise,
    originalResolution: size === null,
  });
  batch.dispose();
  const pixels = toUint8(await images.data(), conversion);
  images.dispose();

  const reconstruction: RgbImage = { width: input.width, height: input.height, data: pixels };
  // The suffix keeps an input PNG in the output folder from being overwritten.
  const pngPath = join(outDir, `${name}.reconstruction.png`);
  await writePng(pngPath, reconstruction);
  const shape = { width: input.width, height: input.height, channels: 3 };
  const metrics = {
    psnr: psnr(input.data, pixels),
    ssim: ssim(input.data, pixels, shape, { window: "uniform7" }),
  };
  const padding = region === null ? null : {
    top: region.top,
    left: region.left,
    bottom: indices.shape[1] * f - region.top - region.height,
    right: indices.shape[2] * f - region.left - region.width,
  };
  const { jsonPath } = await writeTokenFile(join(outDir, name), indices, {
    source: { file, width: original.width, height: original.height },
    input: size === null
      ? { mode: "original-resolution", width: input.width, height: input.height, padding }
      : { mode: "resize-centre-crop", width: size, height: size },
    tokenizer: {
      source,
      network: tokenizer.spec.network,
      quantizer: tokenizer.spec.quantizer,
      downsamplingFactor: f,
    },
    decoding: seed === null ? { noise: "zero" } : { noise: "normal", seed },
    reconstruction: basename(pngPath),
    metrics: { ...metrics, uint8: conversion, ssimWindow: "uniform7" },
  });
  const [, h, w] = indices.shape;
  const psnrText = Number.isFinite(metrics.psnr)
    ? `${metrics.psnr.toFixed(2)} dB`
    : "inf (identical)";
  console.log(
    `${file}: ${h}x${w}x${indices.groups} tokens, PSNR ${psnrText}, SSIM ${
      metrics.ssim.toFixed(4)
    } -> ${pngPath}`,
  );
  return {
    file,
    tokens: jsonPath,
    reconstruction: pngPath,
    shape: [1, h, w, indices.groups],
    ...metrics,
  };
}

/** Output name of an image: its file name without extension, with "-2", "-3", ... on repeats. */
function uniqueName(file: string): string {
  const stem = basename(file, extname(file)) || "image";
  let name = stem;
  for (let k = 2; usedNames.has(name); k++) name = `${stem}-${k}`;
  usedNames.add(name);
  return name;
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    usageError(`${flag} must be a positive integer, got "${text}"`);
  }
  return value;
}

function integer(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value)) {
    usageError(`${flag} must be an integer, got "${text}"`);
  }
  return value;
}
