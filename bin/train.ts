/**
 * Trains a WeTok tokenizer in two stages (arXiv 2508.05599) and writes
 * checkpoints and a JSON-lines metrics log to the run folder. Running the same
 * command again resumes from the newest checkpoint in that folder.
 *
 * Usage: deno task train --config NAME|FILE [options]; see --help.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { initBackend, parseBackendName } from "../lib/engine/mod.ts";
import { log } from "../lib/io/log.ts";
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
  --help              print this text`;

const { values } = parseArgs({
  args: Deno.args,
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
  console.error(`missing --config\n\n${HELP}`);
  Deno.exit(2);
}

try {
  await main(values.config);
} catch (err) {
  // The messages name the invalid value or the failed step and the fix, so no stack trace is printed.
  log.error("train failed", err);
  Deno.exit(1);
}

async function main(configArg: string): Promise<void> {
  let config: TrainConfig = configArg in TRAIN_CONFIGS
    ? namedTrainConfig(configArg)
    : parseTrainConfig(await readJson(configArg, "--config"));
  if (values.set !== undefined) config = mergeTrainConfig(config, parseJson(values.set, "--set"));
  const runDir = values["run-dir"] ?? join("runs", config.name);
  const until = values.until === undefined ? undefined : positiveInteger(values.until, "--until");
  const shortSide = values["short-side"] === undefined
    ? 4 * config.cropSize
    : positiveInteger(values["short-side"], "--short-side");

  await initBackend(parseBackendName(values.backend ?? Deno.env.get("WETOK_BACKEND")));
  const cacheDir = values.cache ?? Deno.env.get("WETOK_CACHE") ?? ".cache/wetok";
  const paths = await imagePaths(config.data, "train", cacheDir);
  log.info(
    `train ${config.name}: ${paths.length} training images from ${config.data}, short side >= ${shortSide} px`,
  );
  const data = await ImageCropData.fromFiles(paths, shortSide);
  const streams = runStreams(config.seed);
  const components = buildWetokComponents(config, streams, data);
  const trainer = await Trainer.create(config, components, { runDir });
  const summary = await trainer.run(until);
  console.log(JSON.stringify({ runDir, ...summary }));
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
