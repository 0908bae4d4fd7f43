/**
 * Time and memory of the tensor codebook-entropy estimators against the
 * codebook size d, on the active TensorFlow.js backend. The estimators are
 * exact (LFQ), per-group sum and pooled (GQ), and bitwise (BSQ), each timed
 * for one value and its gradient. The float64 enumeration of the study is
 * timed beside them, for its value only.
 */
import { Rng, tf } from "../engine/mod.ts";
import { log } from "../io/log.ts";
import { Progress } from "../io/progress.ts";
import { bitwiseCodebookEntropy } from "./bitwise_entropy.ts";
import { exactCodebookEntropy } from "./exact_codebook_entropy.ts";
import { groupPooledCodebookEntropy, groupSumCodebookEntropy } from "./group_entropy.ts";
import { drawLatents, latentLogits } from "./latent_sources.ts";
import type { CostVsBitsSweep } from "./study_config.ts";
import { enumeratedEntropy } from "./study_enumeration.ts";

/** Names of the measured estimators. */
export const COST_ESTIMATORS = ["exact", "group-sum", "group-pooled", "bitwise", "float64-study"] as const;

/** One measured point. */
export interface CostRecord {
  /** Estimator name, one of {@link COST_ESTIMATORS}. */
  estimator: typeof COST_ESTIMATORS[number];
  /** Codebook bits `d`. */
  bits: number;
  /** Number of groups (1 for exact, d for bitwise). */
  groups: number;
  /** Tokens `N`. */
  tokens: number;
  /** Fastest wall time of value plus gradient over the repeats, in seconds (value only for float64-study). */
  seconds: number | null;
  /** Peak bytes of live tensors during one pass, from `tf.profile`; null for float64-study. */
  peakBytes: number | null;
  /** Estimate, in bytes, of a dense float32 `[N, g, 2^(d/g)]` probability table and its gradient. */
  denseBytes: number;
  /** Entropy value, in nats, for cross-checking the estimators. */
  value: number | null;
  /** Error message when the estimator could not run, such as over its memory budget. */
  error?: string;
}

/** The records of a cost sweep and the backend they were measured on. */
export interface CostRecords {
  backend: string;
  records: CostRecord[];
}

type Estimator = (logits: tf.Tensor2D) => tf.Scalar;

/** Returns the estimator function and group count of a named tensor estimator at `d` bits. */
function estimatorAt(name: typeof COST_ESTIMATORS[number], bits: number, groupBits: number): [Estimator, number] {
  const groups = bits / groupBits;
  switch (name) {
    case "exact":
      return [(x) => exactCodebookEntropy(x), 1];
    case "group-sum":
      return [(x) => groupSumCodebookEntropy(x, groups), groups];
    case "group-pooled":
      return [(x) => groupPooledCodebookEntropy(x, groups), groups];
    default:
      return [(x) => bitwiseCodebookEntropy(x), bits];
  }
}

/**
 * Measures every estimator at every d of the config, on the active backend.
 * An estimator that throws (for example over its memory budget) is recorded
 * with its error message and the sweep goes on.
 */
export async function runCostVsBits(config: CostVsBitsSweep): Promise<CostRecords> {
  const records: CostRecord[] = [];
  const rng = new Rng(config.seed);
  const progress = new Progress({ label: config.id, total: config.bits.length, unit: "d", intervalMs: 0 });
  for (const bits of config.bits) {
    const latents = drawLatents({ kind: "correlated", correlation: 0.5 }, config.tokens, bits, rng.fork());
    const logits = latentLogits(latents, config.temperature);
    const tensor = tf.tensor2d(Float32Array.from(logits.data), [config.tokens, bits]);
    for (const name of COST_ESTIMATORS) {
      if (name === "float64-study") {
        log.info(`${config.id}: measuring the float64 enumeration at d=${bits}`);
        const started = performance.now();
        const value = enumeratedEntropy(logits);
        records.push({
          estimator: name,
          bits,
          groups: 1,
          tokens: config.tokens,
          seconds: (performance.now() - started) / 1000,
          peakBytes: null,
          denseBytes: 0,
          value,
        });
        continue;
      }
      const [estimator, groups] = estimatorAt(name, bits, config.groupBits);
      log.info(`${config.id}: measuring ${name} with ${groups} group(s) at d=${bits}`);
      const denseBytes = name === "bitwise"
        ? 2 * 4 * config.tokens * bits
        : 2 * 4 * config.tokens * groups * 2 ** (bits / groups);
      try {
        records.push({
          ...(await measureTensorEstimator(estimator, tensor, config.repeats)),
          estimator: name,
          bits,
          groups,
          tokens: config.tokens,
          denseBytes,
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${config.id}: ${name} at d=${bits} failed`, err);
        records.push({
          estimator: name,
          bits,
          groups,
          tokens: config.tokens,
          seconds: null,
          peakBytes: null,
          denseBytes,
          value: null,
          error: message,
        });
      }
    }
    tensor.dispose();
    progress.update(config.bits.indexOf(bits) + 1, `d=${bits}`);
  }
  return { backend: tf.getBackend(), records };
}

/**
 * Profiles one pass of value plus gradient (which also warms the kernels up),
 * then times `repeats` more passes and keeps the fastest.
 */
async function measureTensorEstimator(
  estimator: Estimator,
  logits: tf.Tensor2D,
  repeats: number,
): Promise<{ seconds: number; peakBytes: number; value: number }> {
  const pass = () => {
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => estimator(x as tf.Tensor2D))(logits);
    const v = value.dataSync()[0];
    grad.dataSync();
    value.dispose();
    grad.dispose();
    return v;
  };
  let value = NaN;
  const info = await tf.profile(() => {
    value = pass();
  });
  let seconds = Infinity;
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    value = pass();
    seconds = Math.min(seconds, (performance.now() - started) / 1000);
  }
  return { seconds, peakBytes: info.peakBytes, value };
}
