/**
 * Feature-extraction benchmark: images per second of each extractor on each
 * backend, and the time of one Frechet distance, printed as one Markdown table.
 *
 * - nsfwjs InceptionV3 to mixed5 (299x299 input) on each TensorFlow.js backend;
 * - the perceptual distance on the same layers, forward and backward, at 256x256;
 * - ONNX through onnxruntime-node: a small 3-layer conv net the benchmark
 *   builds (about 0.46 GFLOP per 299x299 image), or the model given with --onnx;
 * - the Frechet distance in float64 at the given feature dimensions.
 *
 * Usage: deno task bench:features [--backends wasm,cpu] [--images N] [--onnx PATH] [--fd-dims 768,2048]
 *   --images   images per timed run on wasm and ONNX (default 8); cpu uses 1
 *   --fd-dims  feature dimensions for the Frechet timing (default 768; 2048 takes about 20 CPU s)
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { type BackendName, initBackend, parseBackendName, Rng, tf } from "../lib/engine/mod.ts";
import { log } from "../lib/io/log.ts";
import { loadNsfwjsInception } from "../lib/metrics/features/nsfwjs_inception.ts";
import { perceptualDistance } from "../lib/metrics/features/perceptual_distance.ts";
import { loadOnnxExtractor } from "../lib/metrics/features/onnx_extractor.ts";
import { encodeOnnxModel } from "../lib/metrics/features/onnx_builder.ts";
import { featureStatistics, frechetDistance } from "../lib/metrics/frechet.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backends: { type: "string", default: "wasm,cpu" },
    images: { type: "string", default: "8" },
    onnx: { type: "string" },
    "fd-dims": { type: "string", default: "768" },
  },
});
const images = Number(values.images);
if (!Number.isInteger(images) || images < 1) {
  throw new Error(`--images must be a positive integer, got ${values.images}`);
}
const backends = values.backends.split(",").map((name) => parseBackendName(name));
const fdDims = values["fd-dims"].split(",").map(Number);
if (fdDims.some((d) => !Number.isInteger(d) || d < 1)) {
  throw new Error(`--fd-dims must list positive integers, got ${values["fd-dims"]}`);
}

interface Row {
  what: string;
  backend: string;
  input: string;
  batch: number;
  perSecond: number;
  unit: string;
  /** Process CPU time per item, ms (all threads summed). */
  cpuMs: number;
}
const rows: Row[] = [];

/** CPU seconds of the last {@link time} call. */
let lastCpuSeconds = 0;

/** Runs `work` once to warm up, then once timed; returns wall seconds and sets {@link lastCpuSeconds}. */
async function time(work: () => Promise<void>): Promise<number> {
  await work();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await work();
  const cpu = process.cpuUsage(cpuStart);
  lastCpuSeconds = (cpu.user + cpu.system) / 1e6;
  return (performance.now() - start) / 1000;
}

for (const backend of backends as BackendName[]) {
  await initBackend(backend);
  const net = await loadNsfwjsInception();
  const batch = backend === "cpu" ? 1 : images;
  const rng = new Rng(1);
  const x = rng.uniformTensor([batch, 256, 256, 3], -1, 1) as tf.Tensor4D;
  log.info(`bench: nsfwjs mixed5 features on ${backend}, batch ${batch}`);
  const extract = await time(async () => void await net.extract(x));
  rows.push({
    what: "nsfwjs InceptionV3 mixed5 features",
    backend,
    input: "256 -> 299",
    batch,
    perSecond: batch / extract,
    unit: "img/s",
    cpuMs: 1000 * lastCpuSeconds / batch,
  });

  const pairs = backend === "cpu" ? 1 : 2;
  const a = rng.uniformTensor([pairs, 256, 256, 3], -1, 1) as tf.Tensor4D;
  const b = rng.uniformTensor([pairs, 256, 256, 3], -1, 1) as tf.Tensor4D;
  log.info(`bench: perceptual distance forward+backward on ${backend}, ${pairs} pairs`);
  const grad = tf.grad((t: tf.Tensor) => tf.sum(perceptualDistance(net, t as tf.Tensor4D, b)));
  const step = await time(async () => {
    const g = grad(a);
    await g.data();
    g.dispose();
  });
  rows.push({
    what: "perceptual distance, forward + backward",
    backend,
    input: "256",
    batch: pairs,
    perSecond: pairs / step,
    unit: "pairs/s",
    cpuMs: 1000 * lastCpuSeconds / pairs,
  });
  tf.dispose([x, a, b]);
  net.dispose();
}

// ONNX runs on onnxruntime's CPU provider; TensorFlow.js only resizes and lays out the input.
await initBackend(backends.includes("wasm") ? "wasm" : backends[0], { announce: false });
const onnxPath = values.onnx ?? await writeSmallConvModel();
const onnx = await loadOnnxExtractor({ path: onnxPath });
const onnxInput = new Rng(2).uniformTensor([images, 256, 256, 3], -1, 1) as tf.Tensor4D;
log.info(`bench: ONNX features (${onnxPath}), batch ${images}`);
const onnxSeconds = await time(async () => void await onnx.extract(onnxInput));
rows.push({
  what: values.onnx
    ? `ONNX ${onnxPath} (${onnx.dim} features)`
    : "ONNX 3-conv net, ~0.46 GFLOP/img",
  backend: "onnxruntime-node cpu",
  input: "256 -> 299",
  batch: images,
  perSecond: images / onnxSeconds,
  unit: "img/s",
  cpuMs: 1000 * lastCpuSeconds / images,
});
onnxInput.dispose();
await onnx.dispose();
if (!values.onnx) await Deno.remove(onnxPath);

for (const dim of fdDims) {
  const rng = new Rng(3);
  const count = dim + 100;
  const s1 = featureStatistics(rng.normalArray(count * dim), count, dim);
  const s2 = featureStatistics(rng.normalArray(count * dim, 0.1, 1.1), count, dim);
  log.info(`bench: Frechet distance at ${dim} dimensions`);
  const seconds = await time(() => Promise.resolve(void frechetDistance(s1, s2)));
  rows.push({
    what: `Frechet distance, d = ${dim} (full rank)`,
    backend: "JavaScript float64",
    input: "-",
    batch: 1,
    perSecond: 1 / seconds,
    unit: "distances/s",
    cpuMs: 1000 * lastCpuSeconds,
  });
}

const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "unknown")).split(" ").slice(
  0,
  3,
).join(", ");
console.log(
  `\nFeature extraction, ${new Date().toISOString()}, ${Deno.build.os} ${Deno.build.arch}, ` +
    `${navigator.hardwareConcurrency} logical cores, load average ${load}\n`,
);
console.log("| what | backend | input | batch | rate | wall ms per item | CPU ms per item |");
console.log("|---|---|---|---:|---:|---:|---:|");
for (const row of rows) {
  console.log(
    `| ${row.what} | ${row.backend} | ${row.input} | ${row.batch} | ${
      row.perSecond.toFixed(3)
    } ${row.unit} | ` +
      `${(1000 / row.perSecond).toFixed(0)} | ${row.cpuMs.toFixed(0)} |`,
  );
}

/** Writes a 3-conv ReLU net with global pooling (3 -> 32 -> 64 -> 128, stride 2) to a temporary file. */
async function writeSmallConvModel(): Promise<string> {
  const rng = new Rng(4);
  const layers = [[3, 32], [32, 64], [64, 128]];

  const nodes = [];
  const initializers = [];
  let input = "images";
  for (const [i, [cin, cout]] of layers.entries()) {
    initializers.push({
      name: `w${i}`,
      dims: [cout, cin, 3, 3],
      values: rng.normalArray(cout * cin * 9, 0, Math.sqrt(2 / (cin * 9))),
    });
    nodes.push({
      op: "Conv",
      inputs: [input, `w${i}`],
      outputs: [`c${i}`],
      attributes: [
        { name: "kernel_shape", ints: [3, 3] },
        { name: "strides", ints: [2, 2] },
        { name: "pads", ints: [1, 1, 1, 1] },
      ],
    });
    nodes.push({ op: "Relu", inputs: [`c${i}`], outputs: [`r${i}`] });
    input = `r${i}`;
  }

  nodes.push({ op: "GlobalAveragePool", inputs: [input], outputs: ["pooled"] });
  nodes.push({
    op: "Flatten",
    inputs: ["pooled"],
    outputs: ["features"],
    attributes: [{ name: "axis", int: 1 }],
  });
  const bytes = encodeOnnxModel({
    name: "bench_conv",
    nodes,
    initializers,
    inputs: [{ name: "images", dims: ["batch", 3, 299, 299] }],
    outputs: [{ name: "features", dims: ["batch", 128] }],
  });

  const path = await Deno.makeTempFile({ suffix: ".onnx" });
  await Deno.writeFile(path, bytes);
  return path;
}
