/**
 * Benchmark of the entropy estimators: time of one forward and backward pass
 * and peak tensor memory, for d from 8 to 48 bits and g in {1, 2, 4, 8, d/8, d}
 * groups, at 4,096 tokens by default, printed as a Markdown table.
 *
 * Beside each row: the size of the dense table `[tokens, g, 2^(d/g)]` of
 * float32 logits that a softmax over every (sub-)code builds, as the official
 * WeTok code does, and the figures the paper (arXiv 2508.05599) reports.
 *
 * Usage: deno task bench:entropy [--backend wasm|cpu|webgpu] [--tokens 4096]
 *          [--dims 8,16,20,24,28,32,40,48] [--max-bytes 1073741824]
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { initBackend, parseBackendName, Rng, tf } from "../lib/engine/mod.ts";
import {
  bitwiseCodebookEntropy,
  DEFAULT_EXACT_MAX_BYTES,
  exactCodebookEntropy,
  exactEntropyWorkingBytes,
  formatBytes,
  groupPooledCodebookEntropy,
  groupSumCodebookEntropy,
  lfqBitLogits,
  perSampleEntropy,
} from "../lib/entropy/mod.ts";
import { errorMessage, log } from "../lib/io/log.ts";
import { Progress } from "../lib/io/progress.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    backend: { type: "string" },
    tokens: { type: "string", default: "4096" },
    dims: { type: "string", default: "8,16,20,24,28,32,40,48" },
    "max-bytes": { type: "string", default: String(DEFAULT_EXACT_MAX_BYTES) },
  },
});

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a positive integer, got ${text}`);
  }
  return value;
}

const tokens = positiveInteger("tokens", values.tokens!);
const dims = values.dims!.split(",").map((d) => positiveInteger("dims", d.trim()));
const maxBytes = positiveInteger("max-bytes", values["max-bytes"]!);
const backend = await initBackend(
  parseBackendName(values.backend ?? Deno.env.get("WETOK_BACKEND")),
);

type Estimator = "per-sample" | "exact" | "group-sum" | "group-pooled" | "bitwise";

interface Row {
  d: number;
  g: number;
  estimator: Estimator;
}

/**
 * Returns the rows of the table: the per-sample term once per d, then each estimator its
 * grouping allows, for g in {1, 2, 4, 8, d} and the 8-bit groups of the
 * released WeTok models (g = d/8).
 */
function rowsOf(d: number): Row[] {
  const rows: Row[] = [{ d, g: 1, estimator: "per-sample" }];
  const candidates = [1, 2, 4, 8, d, d / 8].filter((g) => Number.isInteger(g) && d % g === 0);
  const groups = [...new Set(candidates)].sort((a, b) => a - b);
  for (const g of groups) {
    if (g === 1) rows.push({ d, g, estimator: "exact" });
    else if (g === d) rows.push({ d, g, estimator: "group-sum" }, { d, g, estimator: "bitwise" });
    else rows.push({ d, g, estimator: "group-sum" }, { d, g, estimator: "group-pooled" });
  }
  return rows;
}

function estimate(row: Row, logits: tf.Tensor2D): tf.Scalar {
  const options = { maxBytes };
  switch (row.estimator) {
    case "per-sample":
      return perSampleEntropy(logits);
    case "exact":
      return exactCodebookEntropy(logits, options);
    case "group-sum":
      return groupSumCodebookEntropy(logits, row.g, options);
    case "group-pooled":
      return groupPooledCodebookEntropy(logits, row.g, options);
    case "bitwise":
      return bitwiseCodebookEntropy(logits);
  }
}

/** Returns the bytes of the dense float32 logits table `[tokens, g, 2^(d/g)]` (the pooled variant has the same size). */
function denseTableBytes(row: Row): number {
  if (row.estimator === "per-sample") return 0;
  return 4 * tokens * row.g * 2 ** (row.d / row.g);
}

/** Returns the working memory `exactEntropyWorkingBytes` estimates for this row, or 0 for the closed forms. */
function workingBytes(row: Row): number {
  const width = row.d / row.g;
  if (row.estimator === "exact") return exactEntropyWorkingBytes(tokens, row.d);
  if (row.estimator === "group-sum") return exactEntropyWorkingBytes(tokens, width, row.g);
  if (row.estimator === "group-pooled") return exactEntropyWorkingBytes(tokens * row.g, width);
  return 0;
}

/** Returns the paper's figure for this row, or an empty string. */
function paperNote(row: Row): string {
  if (row.estimator === "exact" && row.d === 24) return "exact LFQ out of GPU memory at d = 24";
  if (
    row.d === 40 && (row.estimator === "group-sum" || row.estimator === "group-pooled") &&
    row.g === 4
  ) {
    return "GQ at d = 40: 10.6 GB (whole training step, batch unknown)";
  }
  return "";
}

interface Measurement {
  value: number;
  /** Median wall time of one forward and backward pass. */
  milliseconds: number;
  /** Median process CPU time (user + system, all threads) of one pass. */
  cpuMilliseconds: number;
  peakBytes: number;
}

/** Returns the process CPU time (user + system) since `start`, in milliseconds. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Runs value and gradient once under `tf.profile` for the peak memory, then
 * returns the median time of up to 3 more runs.
 */
async function measure(row: Row, logits: tf.Tensor2D): Promise<Measurement> {
  const valueAndGrad = tf.valueAndGrad((x: tf.Tensor) => estimate(row, x as tf.Tensor2D));
  let value = NaN;
  const profileStart = performance.now();
  const profileCpu = process.cpuUsage();
  const profile = await tf.profile(async () => {
    const { value: v, grad } = valueAndGrad(logits);
    value = (await v.data())[0];
    await grad.data();
    tf.dispose([v, grad]);
  });
  const profiled = performance.now() - profileStart;
  // Runs of more than 10 s are timed once, under tf.profile, whose overhead is
  // small next to their matrix products.
  if (profiled > 10_000) {
    const cpuMilliseconds = cpuSince(profileCpu);
    return { value, milliseconds: profiled, cpuMilliseconds, peakBytes: profile.peakBytes };
  }
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let spent = 0;
  while (times.length < 3 && (times.length === 0 || spent < 2000)) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const { value: v, grad } = valueAndGrad(logits);
    await v.data();
    await grad.data();
    tf.dispose([v, grad]);
    times.push(performance.now() - start);
    cpuTimes.push(cpuSince(cpuStart));
    spent += times[times.length - 1];
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    value,
    milliseconds: median(times),
    cpuMilliseconds: median(cpuTimes),
    peakBytes: profile.peakBytes,
  };
}

const rows = dims.flatMap(rowsOf);
const header = [
  "d",
  "g",
  "bits/group",
  "estimator",
  "value (nats)",
  "fwd+bwd wall ms",
  "CPU ms",
  "peak tensors",
  "estimate",
  "dense table (official form)",
  "paper",
];
const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
log.info(
  `bench:entropy: ${rows.length} rows, ${tokens} tokens, d in [${dims}], budget ${
    formatBytes(maxBytes)
  }, ` +
    `backend ${backend.name}`,
);
const progress = new Progress({
  label: "bench:entropy",
  total: rows.length,
  unit: "row",
  intervalMs: 5000,
});
const rng = new Rng(2508);
const started = performance.now();
let done = 0;
for (const d of dims) {
  // u ~ N(0, 0.01^2) at tau 0.01 gives logits 4u/tau ~ N(0, 4^2): confident but not saturated bits.
  const latent = rng.normalTensor([tokens, d], 0, 0.01) as tf.Tensor2D;
  const logits = lfqBitLogits(latent, 0.01);
  for (const row of rows.filter((r) => r.d === d)) {
    const dense = row.estimator === "per-sample" ? "-" : formatBytes(denseTableBytes(row));
    const width = row.d / row.g;
    const cells = [String(row.d), String(row.g), String(width), row.estimator];
    const accepted = width <= 32 && workingBytes(row) <= maxBytes;
    if (accepted && workingBytes(row) > 0 && tokens * row.g * 2 ** width > 2 ** 34) {
      const what = `d = ${row.d}, g = ${row.g}, ${row.estimator}`;
      const codes = `${row.g} x 2^${width} codes for ${tokens} tokens`;
      log.info(`bench:entropy: ${what}: enumerating ${codes}; this can take minutes`);
    }
    try {
      const m = await measure(row, logits);
      const estimate = workingBytes(row) > 0 ? formatBytes(workingBytes(row)) : "-";
      cells.push(
        m.value.toFixed(4),
        m.milliseconds.toFixed(1),
        m.cpuMilliseconds.toFixed(1),
        formatBytes(m.peakBytes),
        estimate,
      );
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      log.warn(
        `bench:entropy: d = ${row.d}, g = ${row.g}, ${row.estimator} rejected: ${
          errorMessage(err)
        }`,
      );
      const needed = workingBytes(row);
      const reason = needed > maxBytes
        ? `rejected: needs ${formatBytes(needed)}`
        : "rejected: code too wide";
      cells.push("-", reason, "-", "-", formatBytes(needed));
    }
    cells.push(dense, paperNote(row));
    lines.push(`| ${cells.join(" | ")} |`);
    progress.update(++done, `d = ${row.d}, g = ${row.g}, ${row.estimator}`);
  }
  tf.dispose([latent, logits]);
}
log.info(
  `bench:entropy: finished ${rows.length} rows in ${
    ((performance.now() - started) / 1000).toFixed(1)
  } s`,
);
const load = await Deno.readTextFile("/proc/loadavg").catch(() => "unknown");
console.log(
  `Entropy estimators, ${tokens} tokens, backend ${backend.name} (${backend.description})`,
);
console.log(`Load average at the end (1, 5, 15 min): ${load.split(" ").slice(0, 3).join(", ")}\n`);
console.log(lines.join("\n"));
