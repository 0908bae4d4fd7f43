/**
 * Speed and memory of one training update of the small reference config
 * ("small": CR24-small at 32x32 crops) on each backend: stage 1 (encoder,
 * quantizer, decoder) and stage 2 (generative decoder plus discriminator).
 *
 * Each backend runs in its own child process, so that its resident memory is
 * measured alone. Per stage: one warm-up update, then the timed updates, then
 * one update under `tf.profile` for the peak tensor memory (it also writes the
 * stage-end checkpoint, outside the timed updates).
 *
 * Usage: deno task bench:train [--steps N] [--batch N] [--cpu-steps N] [--cpu-batch N]
 *   [--backends wasm,cpu,webgpu]
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import process from "node:process";
import {
  hasWebGpuAdapter,
  initBackend,
  parseBackendName,
  type Rng,
  tf,
} from "../lib/engine/mod.ts";
import {
  buildWetokComponents,
  namedTrainConfig,
  runStreams,
  type TrainData,
  Trainer,
} from "../lib/train/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    steps: { type: "string", default: "3" },
    batch: { type: "string", default: "8" },
    "cpu-batch": { type: "string", default: "1" },
    "cpu-steps": { type: "string", default: "1" },
    backends: { type: "string", default: "wasm,cpu,webgpu" },
    child: { type: "string" },
  },
});

/** One row of the table. */
interface Row {
  backend: string;
  batch: number;
  stage: number;
  secondsPerStep: number;
  /** Process CPU time (user + system, all threads) per update; the better figure on a busy machine. */
  cpuSecondsPerStep: number;
  imagesPerSecond: number;
  peakTensorMiB: number;
  rssMiB: number;
}

const MIB = 1024 * 1024;

/** Uniform noise images: the speed of an update does not depend on the pixels. */
const noiseData: TrainData = {
  sampleBatch: (batchSize: number, cropSize: number, rng: Rng) =>
    rng.uniformTensor([batchSize, cropSize, cropSize, 3], -1, 1) as tf.Tensor4D,
};

async function measure(backend: string, batch: number, steps: number): Promise<Row[]> {
  await initBackend(parseBackendName(backend), { announce: false });
  // Per stage: warm-up, timed updates and the profiled update.
  const perStage = steps + 2;
  const config = namedTrainConfig("small", {
    batchSize: batch,
    stage1: { steps: perStage },
    stage2: { steps: perStage },
    checkpointEvery: 10 * perStage,
  });
  const runDir = await Deno.makeTempDir({ prefix: "bench_train_" });
  const components = buildWetokComponents(config, runStreams(config.seed), noiseData);
  const trainer = await Trainer.create(config, components, {
    runDir,
    progressIntervalMs: 3_600_000,
  });
  const rows: Row[] = [];
  let rss = Deno.memoryUsage().rss;
  for (const stage of [1, 2]) {
    const start = (stage - 1) * perStage;
    await trainer.run(start + 1);
    const t0 = performance.now();
    const cpuStart = process.cpuUsage();
    await trainer.run(start + 1 + steps);
    const seconds = (performance.now() - t0) / 1000 / steps;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6 / steps;
    rss = Math.max(rss, Deno.memoryUsage().rss);
    const profile = await tf.profile(async () => {
      await trainer.run(start + 2 + steps);
    });
    rss = Math.max(rss, Deno.memoryUsage().rss);
    rows.push({
      backend,
      batch,
      stage,
      secondsPerStep: seconds,
      cpuSecondsPerStep: cpuSeconds,
      imagesPerSecond: batch / seconds,
      peakTensorMiB: profile.peakBytes / MIB,
      rssMiB: rss / MIB,
    });
  }
  trainer.dispose();
  await Deno.remove(runDir, { recursive: true });
  return rows;
}

if (values.child !== undefined) {
  const [backend, batch, steps] = values.child.split(":");
  const rows = await measure(backend, Number(batch), Number(steps));
  console.log(JSON.stringify(rows));
  Deno.exit(0);
}

const rows: Row[] = [];
const notes: string[] = [];
for (const backend of values.backends.split(",").map((b) => b.trim())) {
  if (backend === "webgpu" && !(await hasWebGpuAdapter())) {
    notes.push("webgpu: no WebGPU adapter, skipped");
    continue;
  }
  const batch = Number(backend === "cpu" ? values["cpu-batch"] : values.batch);
  const steps = Number(backend === "cpu" ? values["cpu-steps"] : values.steps);
  console.error(`bench train: ${backend}, batch ${batch}, ${steps} timed updates per stage`);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(import.meta.url), "--child", `${backend}:${batch}:${steps}`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) {
    notes.push(`${backend}: failed with exit code ${output.code} (see the log above)`);
    continue;
  }
  const text = new TextDecoder().decode(output.stdout).trim().split("\n").pop()!;
  rows.push(...(JSON.parse(text) as Row[]));
}

console.log(
  "| backend | batch | stage | wall s/update | CPU s/update | images/s (wall) | peak tensors (MiB) | peak RSS (MiB) |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.backend} | ${r.batch} | ${r.stage} | ${r.secondsPerStep.toFixed(3)} | ${
      r.cpuSecondsPerStep.toFixed(3)
    } | ` +
      `${r.imagesPerSecond.toFixed(2)} | ` +
      `${r.peakTensorMiB.toFixed(1)} | ${r.rssMiB.toFixed(0)} |`,
  );
}
for (const note of notes) console.log(`\n${note}`);
