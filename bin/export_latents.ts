/**
 * `deno task export-latents`: saves the pre-quantization encoder latents `u`
 * of a trained tokenizer (WeTok, arXiv 2508.05599) on the photos of a corpus
 * set, for the `file` source of the entropy approximation-error study.
 *
 * Writes FILE (raw little-endian float32, one row of d values per token, in
 * photo order then raster order, also after subsampling) and FILE.json
 * (checkpoint, photos, d, rows, code version), both atomically.
 *
 * Usage: deno task export-latents --checkpoint PATH --out FILE [options]; see --help.
 */
import { fileURLToPath } from "node:url";
import { initBackend, parseBackendName, Rng, tf } from "../lib/engine/mod.ts";
import {
  CORPUS_SETS,
  type CorpusSet,
  loadCorpus,
  loadEvalBatch,
  withCorpusRebuildHint,
} from "../lib/data/mod.ts";
import { atomicWrite, atomicWriteJson } from "../lib/io/atomic_write.ts";
import { errorMessage, log } from "../lib/io/log.ts";
import { Progress } from "../lib/io/progress.ts";
import {
  downsamplingFactor,
  Encoder,
  findConfig,
  ParameterStore,
  type TokenizerConfig,
} from "../lib/nn/mod.ts";
import { matchStoreTensors } from "../lib/tokenizer/mod.ts";
import {
  type CheckpointData,
  loadCheckpoint,
  resolveCheckpointFile,
} from "../lib/train/checkpoint.ts";
import { parseTrainConfig, type TrainConfig } from "../lib/train/config.ts";
import { exitWithUsageError, parseCliArgs, UsageError } from "./_cli.ts";

const HELP = `Usage: deno task export-latents --checkpoint PATH --out FILE [options]

Runs the encoder of a trained tokenizer on the training and held-out photos of a
corpus set, resized and centre-cropped by the evaluation protocol, and writes the
pre-quantization latents u as raw little-endian float32 rows of d values to FILE,
with a JSON sidecar FILE.json.

Options:
  --checkpoint PATH   run folder of "deno task train" (newest ckpt-*.wtk) or one .wtk file
  --out FILE          output file of float32 rows
  --weights ema|raw   checkpoint weights (default ema, as the evaluation uses)
  --set NAME          corpus set: ci or full (default: the checkpoint's training set)
  --size S            evaluation side in pixels (default: the checkpoint's cropSize,
                      which the training run also evaluates at)
  --max-rows N        keep at most N rows, drawn without replacement (default: all)
  --seed N            seed of the row subsample (default 0)
  --batch N           images per encoder call (default 8)
  --cache DIR         corpus cache of "deno task corpus" (default: WETOK_CACHE, else .cache/wetok)
  --backend NAME      wasm (default), cpu, webgpu or tensorflow; also WETOK_BACKEND
  --help              print this text

Exit status: 0 when FILE and FILE.json were written, 2 for invalid options or a
checkpoint that cannot be loaded, 1 for any other failure, such as a corpus that
was not built.`;

/** Contents of the JSON sidecar next to a latent file. */
interface LatentSidecar {
  format: "float32-le rows";
  d: number;
  rows: number;
  /** Rows before subsampling: photos x tokens per photo. */
  totalRows: number;
  subsampleSeed: number | null;
  checkpoint: string;
  step: number;
  weights: string;
  network: string;
  quantizer: TrainConfig["quantizer"];
  corpusSet: CorpusSet;
  evalSize: number;
  tokenGrid: [number, number];
  photos: { id: string; split: string }[];
  commit: string;
  date: string;
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`invalid --${name} "${text}": expected a positive integer`);
  }
  return value;
}

async function gitCommit(): Promise<string> {
  try {
    const output = await new Deno.Command("git", { args: ["rev-parse", "--short", "HEAD"] })
      .output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : "unknown";
  } catch (err) {
    log.warn(
      `export-latents: failed to read the git commit, recording "unknown": ${errorMessage(err)}`,
    );
    return "unknown";
  }
}

/** Encoder of a checkpoint, with the weights chosen and the run's training config. */
interface LoadedEncoder {
  encoder: Encoder;
  file: string;
  step: number;
  config: TrainConfig;
}

/**
 * Returns the architecture of a checkpoint's network: a released or small
 * config of lib/nn, or a `custom-ch<C>-x<M1>-<M2>...-rb<R>` network of the
 * experiment executor, whose latent channels come from the stored encoder.
 */
function architectureOf(network: string, data: CheckpointData, file: string): TokenizerConfig {
  const custom = /^custom-ch(\d+)-x(\d+(?:-\d+)*)-rb(\d+)$/.exec(network);
  if (custom === null) return findConfig(network).tokenizer;
  const bias = data.tensors["model/encoder.conv_out.bias"];
  if (bias === undefined || bias.shape.length !== 1) {
    throw new Error(
      `checkpoint ${file} contains no encoder output bias "model/encoder.conv_out.bias"`,
    );
  }
  return {
    ch: Number(custom[1]),
    chMult: custom[2].split("-").map(Number),
    numResBlocks: Number(custom[3]),
    zChannels: bias.shape[0],
  };
}

/**
 * Loads the encoder of a checkpoint file, or of the newest checkpoint of a run
 * folder. A trainable weight comes from `ema/<name>` when `weights` is "ema".
 */
async function loadEncoder(path: string, weights: "ema" | "raw"): Promise<LoadedEncoder> {
  // NOTE: checkpoints from before network names carried d and g (custom-ch..-rb<R>) cannot be
  // loaded by lib/tokenizer, so this loads the encoder alone with the same key layout.
  const file = await resolveCheckpointFile(path);
  const data = await loadCheckpoint(file);
  const config = parseTrainConfig(data.config);
  const encoder = new Encoder(architectureOf(config.network, data, file), {
    rng: new Rng(0),
    store: new ParameterStore(),
  });
  const { chosen, problems } = matchStoreTensors(encoder.store, data, weights, "encoder");
  for (const [name, stored] of chosen) {
    tf.tidy(() => encoder.store.assign(name, tf.tensor(stored.values, stored.shape, "float32")));
  }
  const known = new Set(encoder.store.names());
  for (const key of Object.keys(data.tensors)) {
    if (key.startsWith("model/encoder.") && !known.has(key.slice("model/".length))) {
      problems.push(`unexpected "${key}"`);
    }
  }
  if (problems.length > 0) {
    encoder.store.dispose();
    throw new Error(
      `checkpoint ${file} does not match its network "${config.network}": ${
        problems.slice(0, 4).join("; ")
      }`,
    );
  }
  return { encoder, file, step: data.step, config };
}

/**
 * Runs the encoder on image files loaded by the evaluation protocol at `size`
 * pixels, `batchSize` images per call, and returns the latents as rows of d.
 *
 * @throws RangeError when a latent value is not finite.
 */
async function encodePhotos(
  encoder: Encoder,
  files: string[],
  size: number,
  batchSize: number,
): Promise<Float32Array> {
  const d = encoder.config.zChannels;
  const rowsPerPhoto = (size / downsamplingFactor(encoder.config)) ** 2;
  const all = new Float32Array(files.length * rowsPerPhoto * d);
  const progress = new Progress({ label: "export-latents", total: files.length, unit: "photo" });
  for (let start = 0; start < files.length; start += batchSize) {
    const images = await loadEvalBatch(files.slice(start, start + batchSize), size);
    const latent = tf.tidy(() => encoder.apply(images));
    try {
      all.set(await latent.data(), start * rowsPerPhoto * d);
    } finally {
      tf.dispose([images, latent]);
    }
    progress.update(Math.min(start + batchSize, files.length));
  }
  const bad = all.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new RangeError(
      `encoder latent ${all[bad]} at row ${
        Math.floor(bad / d)
      } is not finite; check the checkpoint weights`,
    );
  }
  return all;
}

/** Returns `count` rows of `d` values drawn without replacement by `rng`, kept in their original order. */
function subsampleRows(all: Float32Array, d: number, count: number, rng: Rng): Float32Array {
  const chosen = rng.permutation(all.length / d).slice(0, count).sort((a, b) => a - b);
  const output = new Float32Array(count * d);
  chosen.forEach((row, i) => output.set(all.subarray(row * d, (row + 1) * d), i * d));
  return output;
}

/** Encodes float32 values as little-endian bytes, whatever the platform's byte order. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return bytes;
}

async function main(): Promise<number> {
  const { values } = parseCliArgs("export-latents", {
    options: {
      checkpoint: { type: "string" },
      out: { type: "string" },
      weights: { type: "string", default: "ema" },
      set: { type: "string" },
      size: { type: "string" },
      "max-rows": { type: "string" },
      seed: { type: "string", default: "0" },
      batch: { type: "string", default: "8" },
      cache: { type: "string" },
      backend: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.checkpoint === undefined || values.out === undefined) {
    throw new UsageError("missing --checkpoint or --out");
  }
  const weights = values.weights;
  if (weights !== "ema" && weights !== "raw") {
    throw new UsageError(`invalid --weights "${weights}": use ema or raw`);
  }
  const maxRows = values["max-rows"] === undefined
    ? null
    : positiveInteger("max-rows", values["max-rows"]);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) {
    throw new UsageError(`invalid --seed "${values.seed}": expected an integer of at least 0`);
  }
  const batchSize = positiveInteger("batch", values.batch);
  const cacheDir = values.cache ?? Deno.env.get("WETOK_CACHE") ??
    fileURLToPath(new URL("../.cache/wetok", import.meta.url));

  let backendName;
  try {
    backendName = parseBackendName(values.backend ?? Deno.env.get("WETOK_BACKEND"));
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  await initBackend(backendName, { announce: true });
  let loaded: LoadedEncoder;
  try {
    loaded = await loadEncoder(values.checkpoint, weights);
  } catch (err) {
    // A checkpoint that cannot be loaded is invalid input, but --help shows no fix for it.
    console.error(`export-latents: ${errorMessage(err)}`);
    return 2;
  }
  const { encoder, file, step, config } = loaded;
  try {
    const set = (values.set ?? config.data) as CorpusSet;
    if (!CORPUS_SETS.includes(set)) {
      throw new UsageError(
        `invalid corpus set "${set}": expected one of ${CORPUS_SETS.join(", ")}` +
          (values.set === undefined
            ? ` (the checkpoint trained on "${config.data}"); pass --set`
            : ""),
      );
    }
    const size = values.size === undefined ? config.cropSize : positiveInteger("size", values.size);
    const f = downsamplingFactor(encoder.config);
    if (size % f !== 0) {
      throw new UsageError(
        `invalid eval size ${size}: expected a multiple of the downsampling factor ${f}`,
      );
    }
    const corpus = await loadCorpus(cacheDir, set);
    const photos = [...corpus.photos].sort((a, b) => a.id.localeCompare(b.id));
    if (photos.length === 0) {
      throw new Error(`corpus set "${set}" in ${cacheDir} contains no photos`);
    }

    const d = encoder.config.zChannels;
    const grid = size / f;
    const rowsPerPhoto = grid * grid;
    const totalRows = photos.length * rowsPerPhoto;
    log.info(
      `export-latents: started, ${photos.length} photos of set "${set}" at ${size} x ${size}, ` +
        `${totalRows} rows of d = ${d}, checkpoint ${file} (step ${step}, ${weights})`,
    );
    let all: Float32Array;
    try {
      all = await encodePhotos(encoder, photos.map((p) => p.file), size, batchSize);
    } catch (err) {
      throw withCorpusRebuildHint(err, set);
    }
    const output = maxRows !== null && maxRows < totalRows
      ? subsampleRows(all, d, maxRows, new Rng(seed))
      : all;
    const rows = output.length / d;
    await atomicWrite(values.out, littleEndianBytes(output));
    const sidecar: LatentSidecar = {
      format: "float32-le rows",
      d,
      rows,
      totalRows,
      subsampleSeed: rows < totalRows ? seed : null,
      checkpoint: file,
      step,
      weights,
      network: config.network,
      quantizer: config.quantizer,
      corpusSet: set,
      evalSize: size,
      tokenGrid: [grid, grid],
      photos: photos.map((p) => ({ id: p.id, split: p.split })),
      commit: await gitCommit(),
      date: new Date().toISOString(),
    };
    await atomicWriteJson(`${values.out}.json`, sidecar);
    log.info(`export-latents: finished, ${rows} of ${totalRows} rows written to ${values.out}`);
    return 0;
  } finally {
    encoder.store.dispose();
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    if (err instanceof UsageError) exitWithUsageError("export-latents", err.message);
    log.error("export-latents failed", err);
    Deno.exit(1);
  }
}
