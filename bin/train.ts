/**
 * Trains a WeTok tokenizer in two stages (arXiv 2508.05599) and writes
 * checkpoints and a JSON-lines metrics log to the run folder. Running the same
 * command again resumes from the newest checkpoint in that folder.
 *
 * Usage: deno task train --config NAME|FILE [options]; see --help.
 */
import { join } from "node:path";
import { type BackendName, initBackend, parseBackendName } from "../lib/engine/mod.ts";
import { CORPUS_SETS, type CorpusSet, withCorpusRebuildHint } from "../lib/data/mod.ts";
import { errorMessage, log } from "../lib/io/log.ts";
import {
  buildWetokComponents,
  ImageCropData,
  imagePaths,
  mergeTrainConfig,
  namedTrainConfig,
  parseTrainConfig,
  runStreams,
  TRAIN_CONFIGS,
  type TrainConfig,
  Trainer,
} from "../lib/train/mod.ts";
import { exitWithUsageError, parseCliArgs } from "./_cli.ts";

const HELP = `Usage: deno task train --config NAME|FILE [options]

Trains encoder, quantizer and decoder (stage 1), then the generative decoder
(stage 2), resuming from the newest checkpoint in the run folder.

Options:
  --config NAME|FILE  training config: one of ${Object.keys(TRAIN_CONFIGS).join(", ")},
                      or a JSON file (it may name a base config in "extends")
  --set JSON          JSON object merged over the config, e.g. '{"stage1":{"steps":50}}'
  --run-dir DIR       folder for checkpoints and metrics.jsonl (default runs/<config name>)
  --cache DIR         corpus cache of "deno task corpus" (default: WETOK_CACHE, else .cache/wetok)
  --short-side PX     photos are shrunk by an integer factor to a short side of at
                      least PX pixels before cropping (default 4 x the crop size)
  --until STEP        stop after this many updates in total (default: the end of stage 2)
  --backend NAME      wasm (default), cpu, webgpu or tensorflow; also WETOK_BACKEND
  --help              print this text

Exit status: 0 when training finished or stopped at --until, 1 when a step of
training failed, 2 for invalid options, an invalid config or --set, or training
data that cannot be found.`;

const { values } = parseCliArgs("train", {
  options: {
    config: { type: "string" },
    set: { type: "string" },
    "run-dir": { type: "string" },
    cache: { type: "string" },
    "short-side": { type: "string" },
    until: { type: "string" },
    backend: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
if (values.config === undefined) {
  exitWithUsageError("train", "missing --config: give a config name or a JSON file");
}

let inputs: TrainInputs;
try {
  inputs = await resolveInputs(values.config);
} catch (err) {
  exitWithUsageError("train", errorMessage(err));
}
try {
  await train(inputs);
} catch (err) {
  // The messages name the failed step and the fix, so no stack trace is printed.
  log.error("train failed", err);
  Deno.exit(1);
}

/** Everything a run needs that comes from the command line, checked before any training. */
interface TrainInputs {
  config: TrainConfig;
  runDir: string;
  until: number | undefined;
  shortSide: number;
  backend: BackendName;
  paths: string[];
}

/**
 * Reads the config, the flag values and the list of training images.
 *
 * @throws Error naming the invalid value and the fix.
 */
async function resolveInputs(configArg: string): Promise<TrainInputs> {
  let config: TrainConfig = configArg in TRAIN_CONFIGS
    ? namedTrainConfig(configArg)
    : parseTrainConfig(await readJson(configArg, "--config"));
  if (values.set !== undefined) config = mergeTrainConfig(config, parseJson(values.set, "--set"));
  const until = values.until === undefined ? undefined : positiveInteger(values.until, "--until");
  const shortSide = values["short-side"] === undefined
    ? 4 * config.cropSize
    : positiveInteger(values["short-side"], "--short-side");
  const backend = parseBackendName(values.backend ?? Deno.env.get("WETOK_BACKEND"));
  const cacheDir = values.cache ?? Deno.env.get("WETOK_CACHE") ?? ".cache/wetok";
  let paths: string[];
  try {
    paths = await imagePaths(config.data, "train", cacheDir);
  } catch (err) {
    throw new Error(
      `training data "${config.data}" of config ${config.name} cannot be listed: ${
        errorMessage(err)
      }; build the corpus with "deno task corpus" or set "data" to an image folder`,
    );
  }
  return {
    config,
    runDir: values["run-dir"] ?? join("runs", config.name),
    until,
    shortSide,
    backend,
    paths,
  };
}

async function train(inputs: TrainInputs): Promise<void> {
  const { config, runDir, until, shortSide, paths } = inputs;
  await initBackend(inputs.backend);
  log.info(
    `train ${config.name}: ${paths.length} training images from ${config.data}, short side >= ${shortSide} px`,
  );
  const data = await readTrainingImages(paths, shortSide, config.data);
  const streams = runStreams(config.seed);
  const components = buildWetokComponents(config, streams, data);
  const trainer = await Trainer.create(config, components, { runDir });
  const summary = await trainer.run(until);
  console.log(JSON.stringify({ runDir, ...summary }));
}

/** Reads the training photos, adding the corpus fix when a photo listed in the corpus index is missing. */
async function readTrainingImages(
  paths: string[],
  shortSide: number,
  data: string,
): Promise<ImageCropData> {
  try {
    return await ImageCropData.fromFiles(paths, shortSide);
  } catch (err) {
    const isCorpusSet = (CORPUS_SETS as readonly string[]).includes(data);
    throw isCorpusSet ? withCorpusRebuildHint(err, data as CorpusSet) : err;
  }
}

async function readJson(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(
      `${flag} ${path}: not a known config name and the file cannot be read (${
        (err as Error).message
      }); ` +
        `use one of ${Object.keys(TRAIN_CONFIGS).join(", ")} or a JSON file`,
    );
  }
  return parseJson(text, `${flag} ${path}`);
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${origin} is not valid JSON: ${(err as Error).message}`);
  }
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${flag} must be a positive integer, got "${text}"`);
  }
  return value;
}
