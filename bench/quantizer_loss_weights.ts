/**
 * Measures the held-out PSNR of the small CPU training setup with the official
 * quantizer loss weights (commitment 0.25, entropy 0.1) and with both terms off.
 * One factor at a time moves from the setup of `tests/train/real_training_test.ts`
 * towards that of the `cpu` scale of `deno task reproduce`:
 *
 * - `test`: the test's setup, the `small` config (CR24-small: f8, 64 bits in
 *   8 groups) trained on 32x32 crops of the `ci` photo set;
 * - `full-set`: the same, trained on the `full` photo set;
 * - `harness-net`: the same as `test`, with the harness's network
 *   (32 channels, chMult 1,2,2, one residual block: f4, GQ 16 bits in 2 groups).
 *
 * Every case trains stage 1 only (no GAN loss, as in both setups) and is
 * evaluated six ways. Three sets of weights are used: the live weights (as the
 * test does) and two EMA averages (decay 0.99 as in `small`, and
 * `1 - 10 / updates` as in the harness). Each is measured with two protocols:
 * the `ci` held-out photos cut into 32x32 tiles of their 128x128 centre (the
 * test's protocol), and the first 32 `full` held-out photos resized and
 * centre-cropped to 32x32 (the harness's protocol). PSNR is the mean over
 * images of the 8-bit PSNR (truncated as in the official evaluation).
 *
 * Each case runs in its own child process, `--jobs` at a time; a child's log
 * is printed only when it fails.
 *
 * Usage: deno run -A bench/quantizer_loss_weights.ts [--steps N] [--jobs N]
 *   [--cases test,full-set,harness-net] [--cache DIR]
 * The cache defaults to WETOK_CACHE or .cache/wetok and must hold the `ci`
 * and `full` photo sets of `deno task corpus`.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { initBackend, tf } from "../lib/engine/mod.ts";
import { imagesToTensor } from "../lib/data/batch.ts";
import { evalTransform } from "../lib/data/eval_protocol.ts";
import { decodeImage } from "../lib/data/image_io.ts";
import { splitIntoTiles } from "../lib/data/tiles.ts";
import { customNetworkName } from "../lib/nn/mod.ts";
import {
  buildWetokComponents,
  Ema,
  ImageCropData,
  imagePaths,
  namedTrainConfig,
  reconstructionPsnr,
  runStreams,
  type TrainConfig,
  Trainer,
  type WetokTokenizer,
} from "../lib/train/mod.ts";

const CASES = ["test", "full-set", "harness-net"] as const;
type CaseName = typeof CASES[number];
const WEIGHTS = {
  official: { commitment: 0.25, entropy: 0.1 },
  none: { commitment: 0, entropy: 0 },
} as const;
type WeightsName = keyof typeof WEIGHTS;

/** Held-out images evaluated with the harness's protocol, as at its `cpu` scale. */
const HARNESS_EVAL_IMAGES = 32;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "240" },
    jobs: { type: "string", default: "2" },
    cases: { type: "string", default: CASES.join(",") },
    cache: { type: "string", default: Deno.env.get("WETOK_CACHE") ?? ".cache/wetok" },
    child: { type: "string" },
  },
});

/** PSNR of one trained case under each evaluation. */
interface Row {
  caseName: CaseName;
  weights: WeightsName;
  updates: number;
  seconds: number;
  /** Mean PSNR in dB, keyed by `<weights>/<protocol>`, such as "live/ci-tiles". */
  psnr: Record<string, number>;
}

function parseSteps(text: string): number {
  const steps = Number(text);
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`invalid --steps ${text}: expected an integer >= 1`);
  }
  return steps;
}

function caseConfig(caseName: CaseName, weights: WeightsName, steps: number): TrainConfig {
  const overrides: Record<string, unknown> = {
    weights: { quantizer: { ...WEIGHTS[weights] } },
    stage1: { steps },
    stage2: { steps: 0 },
    checkpointEvery: 100_000,
    logEvery: 60,
  };
  if (caseName === "full-set") overrides.data = "full";
  if (caseName === "harness-net") {
    overrides.network = customNetworkName(
      { ch: 32, chMult: [1, 2, 2], numResBlocks: 1, zChannels: 16 },
      2,
    );
  }
  return namedTrainConfig("small", overrides);
}

async function evalSets(cache: string, cropSize: number): Promise<Record<string, tf.Tensor4D>> {
  const ciTest = await ImageCropData.fromFiles(
    await imagePaths("ci", "test", cache),
    4 * cropSize,
  );
  const ciTiles = splitIntoTiles(ciTest.centerCrops(4 * cropSize), cropSize);
  const fullPaths = (await imagePaths("full", "test", cache)).slice(0, HARNESS_EVAL_IMAGES);
  const fullImages = [];
  for (const path of fullPaths) {
    fullImages.push(await evalTransform(await decodeImage(path), cropSize));
  }
  return { "ci-tiles": ciTiles, "full-32": imagesToTensor(fullImages) };
}

async function evaluateAll(
  tokenizer: WetokTokenizer,
  sets: Record<string, tf.Tensor4D>,
  prefix: string,
  into: Record<string, number>,
): Promise<void> {
  for (const [name, images] of Object.entries(sets)) {
    into[`${prefix}/${name}`] = await reconstructionPsnr(tokenizer, images);
  }
}

async function runCase(caseName: CaseName, weights: WeightsName, steps: number): Promise<Row> {
  await initBackend("wasm", { announce: false });
  const config = caseConfig(caseName, weights, steps);
  const train = await ImageCropData.fromFiles(
    await imagePaths(config.data, "train", values.cache),
    4 * config.cropSize,
  );
  const sets = await evalSets(values.cache, config.cropSize);
  const components = buildWetokComponents(config, runStreams(config.seed), train);
  const runDir = await Deno.makeTempDir({ prefix: "bench_qlw_" });
  const trainer = await Trainer.create(config, components, { runDir });
  const tokenizer = components.tokenizer;
  // A second EMA with the harness's decay for short runs, updated after every update.
  const generatorVariables = {
    ...tokenizer.parameters("encoder"),
    ...tokenizer.parameters("quantizer"),
    ...tokenizer.parameters("decoder"),
  };
  const harnessEma = new Ema(generatorVariables, Math.max(0.5, 1 - 10 / steps));

  const started = performance.now();
  for (let step = 1; step <= steps; step++) {
    await trainer.run(step);
    harnessEma.update();
  }
  const seconds = (performance.now() - started) / 1000;

  const psnr: Record<string, number> = {};
  await evaluateAll(tokenizer, sets, "live", psnr);
  await trainer.ema.withAveragedWeights(() => evaluateAll(tokenizer, sets, "ema-0.99", psnr));
  await harnessEma.withAveragedWeights(() => evaluateAll(tokenizer, sets, "ema-harness", psnr));

  harnessEma.dispose();
  trainer.dispose();
  tf.dispose(Object.values(sets));
  await Deno.remove(runDir, { recursive: true });
  return { caseName, weights, updates: steps, seconds, psnr };
}

async function runChild(job: string, steps: number): Promise<Row> {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(import.meta.url),
      "--child",
      job,
      "--steps",
      String(steps),
      "--cache",
      values.cache,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const output = await command.output();
  const text = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    console.error(new TextDecoder().decode(output.stderr));
    throw new Error(`case ${job} failed with exit code ${output.code}; its stderr is above`);
  }
  return JSON.parse(text.split("\n").at(-1) ?? "") as Row;
}

function printTable(rows: Row[]): void {
  const evaluations = Object.keys(rows[0].psnr);
  console.log(`\nHeld-out PSNR (dB) after ${rows[0].updates} updates, official weights | both off`);
  console.log(`| case | evaluation | official | none | none - official |`);
  console.log(`|---|---|---:|---:|---:|`);
  for (const caseName of CASES) {
    const official = rows.find((r) => r.caseName === caseName && r.weights === "official");
    const none = rows.find((r) => r.caseName === caseName && r.weights === "none");
    if (!official || !none) continue;
    for (const evaluation of evaluations) {
      const a = official.psnr[evaluation];
      const b = none.psnr[evaluation];
      console.log(
        `| ${caseName} | ${evaluation} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${
          (b - a).toFixed(2)
        } |`,
      );
    }
  }
  console.log(
    `\nTraining time per case (s): ${
      rows.map((r) => `${r.caseName}/${r.weights} ${r.seconds.toFixed(0)}`).join(", ")
    }`,
  );
}

const steps = parseSteps(values.steps);
if (values.child) {
  const [caseName, weights] = values.child.split("/") as [CaseName, WeightsName];
  console.log(JSON.stringify(await runCase(caseName, weights, steps)));
} else {
  const cases = values.cases.split(",").map((name) => {
    if (!(CASES as readonly string[]).includes(name)) {
      throw new RangeError(
        `invalid case "${name}" in --cases: expected some of ${CASES.join(", ")}`,
      );
    }
    return name as CaseName;
  });
  const jobs = cases.flatMap((c) =>
    (Object.keys(WEIGHTS) as WeightsName[]).map((w) => `${c}/${w}`)
  );
  const parallel = Math.max(1, Number(values.jobs));
  const rows: Row[] = [];
  let next = 0;
  const workers = Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const row = await runChild(job, steps);
      rows.push(row);
      console.error(`finished ${job}: ${JSON.stringify(row.psnr)}`);
    }
  });
  await Promise.all(workers);
  console.log(`date: ${new Date().toISOString()}, load average: ${Deno.loadavg().join(", ")}`);
  printTable(rows);
}
