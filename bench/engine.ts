/**
 * Engine benchmark: GFLOP/s of a 1024^2 matmul, a 3x3 conv forward, and a 3x3
 * conv forward + backward (input and filter gradients), at stride 1 and 2.
 * It runs on each available backend and prints one Markdown table with the
 * machine description.
 *
 * - wasm: with the project's kernels, on [8, 64, 64, 64], 64 -> 64 channels;
 *   also the stock wasm `Conv2DBackpropInput` against the project's, for contrast.
 * - cpu: the pure-JavaScript backend on a smaller shape so that it finishes.
 * - webgpu: when Deno finds an adapter, on the wasm shapes.
 *
 * Usage: deno task bench:engine [--reps N] [--backends wasm,cpu,webgpu]
 *
 * Each figure is the median of N timed runs (default 3) after one warm-up run,
 * or a single timed run when that takes over 5 s. A conv forward + backward
 * counts 3x the forward FLOPs. Besides wall time, the table gives the process
 * CPU time (user + system, all threads) of a run and GFLOP/s per CPU second.
 * On a shared machine the wall-time figures drop with the load, while the
 * CPU-time figures of the one-thread wasm backend stay close to what an idle
 * machine gives.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import {
  type BackendName,
  hasWebGpuAdapter,
  initBackend,
  parseBackendName,
} from "../lib/engine/backend.ts";
import { Rng } from "../lib/engine/rng.ts";
import { stockWasmKernel } from "../lib/engine/wasm_kernels.ts";
import { toTensor } from "../lib/engine/kernels/wasm_memory.ts";
import { log } from "../lib/io/log.ts";
import { Progress } from "../lib/io/progress.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { reps: { type: "string", default: "3" }, backends: { type: "string" } },
});
const reps = Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) {
  throw new Error(`invalid --reps ${values.reps}: expected a positive integer`);
}
const requested: BackendName[] = values.backends
  ? values.backends.split(",").map((name) => parseBackendName(name))
  : ["wasm", "cpu", "webgpu"];

/** Duration of one run (ms) above which a figure is timed once instead of `reps` times. */
const SLOW_RUN_MS = 5_000;

/** One benchmark: a function run repeatedly, and its FLOPs per run. */
interface Job {
  backend: BackendName;
  label: string;
  shape: string;
  flops: number;
  run: () => tf.Tensor[];
}

interface Row {
  backend: string;
  label: string;
  shape: string;
  timing: Timing | null;
  flops: number;
  note: string;
}

/** Median wall time and median process CPU time of a run, in milliseconds. */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

function convFlops(x: number[], filter: number[], stride: number): number {
  const [b, h, w] = x;
  const [kh, kw, cIn, cOut] = filter;
  return 2 * b * Math.ceil(h / stride) * Math.ceil(w / stride) * kh * kw * cIn * cOut;
}

/** Builds the jobs of one backend; tensors are created on the active backend. */
function jobsFor(backend: BackendName, rng: Rng): Job[] {
  const small = backend === "cpu";
  const a = rng.normalTensor([1024, 1024]) as tf.Tensor2D;
  const b = rng.normalTensor([1024, 1024]) as tf.Tensor2D;
  const xShape = small ? [1, 16, 16, 32] : [8, 64, 64, 64];
  const fShape = small ? [3, 3, 32, 32] : [3, 3, 64, 64];
  const x = rng.normalTensor(xShape) as tf.Tensor4D;
  const f = rng.normalTensor(fShape, 0, 0.05) as tf.Tensor4D;
  const shape = `[${xShape}] ${fShape[2]}->${fShape[3]}`;

  const jobs: Job[] = [];
  if (!small) {
    jobs.push({
      backend,
      label: "matmul 1024^2",
      shape: "[1024,1024]x[1024,1024]",
      flops: 2 * 1024 ** 3,
      run: () => [tf.matMul(a, b)],
    });
  }

  for (const stride of [1, 2]) {
    const fwd = convFlops(xShape, fShape, stride);
    const dy = tf.onesLike(tf.conv2d(x, f, stride, "same"));
    jobs.push({
      backend,
      label: `conv 3x3 stride ${stride} forward`,
      shape,
      flops: fwd,
      run: () => [tf.conv2d(x, f, stride, "same")],
    });
    jobs.push({
      backend,
      label: `conv 3x3 stride ${stride} forward+backward`,
      shape,
      flops: 3 * fwd,
      run: () => {
        const conv = (xi: tf.Tensor, fi: tf.Tensor) =>
          tf.conv2d(xi as tf.Tensor4D, fi as tf.Tensor4D, stride, "same");
        const { value, grads } = tf.valueAndGrads(conv)([x, f], dy);
        return [value, ...grads];
      },
    });

    if (backend === "wasm") {
      const attrs = {
        inputShape: xShape,
        strides: stride,
        pad: "same",
        dataFormat: "NHWC",
        dimRoundingMode: undefined,
      };
      jobs.push({
        backend,
        label: `conv 3x3 stride ${stride} input gradient (project)`,
        shape,
        flops: fwd,
        run: () => [
          tf.conv2dTranspose(dy, f, xShape as [number, number, number, number], stride, "same"),
        ],
      });
      const stock = stockWasmKernel(tf.Conv2DBackpropInput);
      if (stock) {
        jobs.push({
          backend,
          label: `conv 3x3 stride ${stride} input gradient (stock wasm)`,
          shape,
          flops: fwd,
          run: () => [
            toTensor(
              stock.kernelFunc({
                inputs: { dy, filter: f },
                backend: tf.backend(),
                attrs: attrs as unknown as tf.NamedAttrMap,
              }) as tf.TensorInfo,
            ),
          ],
        });
      }
    }
  }
  return jobs;
}

async function timeJob(job: Job): Promise<Timing> {
  const once = async (): Promise<Timing> => {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const outs = job.run();
    for (const t of outs) await t.data();
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = performance.now() - start;
    tf.dispose(outs);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  await once();
  const runs: Timing[] = [];
  for (let i = 0; i < reps; i++) {
    runs.push(await once());
    // A figure that takes more than SLOW_RUN_MS per run is timed once, to keep the benchmark short.
    if (runs[0].wallMs > SLOW_RUN_MS) break;
  }
  const median = (values: number[]) => values.sort((u, v) => u - v)[Math.floor(values.length / 2)];
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)) };
}

function gflops(flops: number, ms: number): string {
  return (flops / ms / 1e6).toFixed(2);
}

async function machineDescription(): Promise<string[]> {
  let cpu = "unknown CPU";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = info.match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu;
  } catch (err) {
    log.warn(`bench: could not read /proc/cpuinfo: ${(err as Error).message}`);
  }
  const load = await Deno.readTextFile("/proc/loadavg").catch(() => "unknown");
  return [
    `date: ${new Date().toISOString()}`,
    `load average at start (1, 5, 15 min): ${load.split(" ").slice(0, 3).join(", ")}`,
    `cpu: ${cpu}, ${navigator.hardwareConcurrency} logical cores`,
    `deno: ${Deno.version.deno} (V8 ${Deno.version.v8})`,
    `tfjs-core: ${tf.version_core}; tfjs-backend-wasm 4.22.0 (SIMD, one thread)`,
  ];
}

const header = await machineDescription();
const backends: BackendName[] = [];
for (const name of requested) {
  if (name === "webgpu" && !(await hasWebGpuAdapter())) {
    log.warn("bench: webgpu skipped: Deno found no WebGPU adapter");
    continue;
  }
  backends.push(name);
}
log.info(`bench: start, backends ${backends.join(", ")}, ${reps} timed runs per figure`);
const rows: Row[] = [];
const descriptions: string[] = [];
for (const name of backends) {
  let info;
  try {
    info = await initBackend(name, { announce: false });
  } catch (err) {
    log.error(`bench: backend ${name} failed to start`, err);
    continue;
  }
  descriptions.push(`${name}: ${info.description}`);
  const rng = new Rng(1);
  const jobs = jobsFor(name, rng);
  const progress = new Progress({
    label: `bench ${name}`,
    total: jobs.length,
    unit: "figure",
    intervalMs: 0,
  });
  for (const [i, job] of jobs.entries()) {
    let detail = `${job.label}: failed`;
    try {
      const timing = await timeJob(job);
      rows.push({
        backend: name,
        label: job.label,
        shape: job.shape,
        timing,
        flops: job.flops,
        note: "",
      });
      detail = `${job.label}: ${gflops(job.flops, timing.wallMs)} GFLOP/s`;
    } catch (err) {
      log.error(`bench: ${name} ${job.label} failed`, err);
      const note = (err as Error).message.slice(0, 60);
      rows.push({
        backend: name,
        label: job.label,
        shape: job.shape,
        timing: null,
        flops: job.flops,
        note,
      });
    }
    progress.update(i + 1, detail);
  }
}

const find = (backend: string, label: string) =>
  rows.find((r) => r.backend === backend && r.label === label);
/** Ratio of the GFLOP/s of two rows, by wall time and by CPU time. */
const ratio = (num: Row | undefined, den: Row | undefined) => {
  if (!num?.timing || !den?.timing) return "n/a";
  const byWall = (num.flops / num.timing.wallMs) / (den.flops / den.timing.wallMs);
  const byCpu = (num.flops / num.timing.cpuMs) / (den.flops / den.timing.cpuMs);
  return `${byWall.toFixed(2)} by wall time, ${byCpu.toFixed(2)} by CPU time`;
};

const lines: string[] = [];
lines.push(...header.map((h) => `- ${h}`));
lines.push(...descriptions.map((d) => `- ${d}`));
lines.push("");
lines.push("| backend | benchmark | shape | wall ms | GFLOP/s | CPU ms | GFLOP/s per CPU s |");
lines.push("|---|---|---|---:|---:|---:|---:|");
for (const r of rows) {
  if (r.timing === null) {
    lines.push(`| ${r.backend} | ${r.label} | ${r.shape} | failed | ${r.note} | | |`);
    continue;
  }
  const { wallMs, cpuMs } = r.timing;
  lines.push(
    `| ${r.backend} | ${r.label} | ${r.shape} | ${wallMs.toFixed(1)} | ${
      gflops(r.flops, wallMs)
    } | ` +
      `${cpuMs.toFixed(1)} | ${gflops(r.flops, cpuMs)} |`,
  );
}
lines.push("");
lines.push("Ratios of GFLOP/s, measured in this run:");
for (const stride of [1, 2]) {
  const fwd = find("wasm", `conv 3x3 stride ${stride} forward`);
  const both = find("wasm", `conv 3x3 stride ${stride} forward+backward`);
  lines.push(`- wasm stride ${stride}: forward+backward / forward = ${ratio(both, fwd)}`);
  lines.push(
    `- wasm stride ${stride}: project input gradient / stock input gradient = ${
      ratio(
        find("wasm", `conv 3x3 stride ${stride} input gradient (project)`),
        find("wasm", `conv 3x3 stride ${stride} input gradient (stock wasm)`),
      )
    }`,
  );
  lines.push(
    `- stride ${stride} forward+backward: wasm / cpu = ${
      ratio(both, find("cpu", `conv 3x3 stride ${stride} forward+backward`))
    }`,
  );
  lines.push(
    `- stride ${stride} forward+backward: webgpu / wasm = ${
      ratio(find("webgpu", `conv 3x3 stride ${stride} forward+backward`), both)
    }`,
  );
}
console.log(lines.join("\n"));
log.info("bench: done");
