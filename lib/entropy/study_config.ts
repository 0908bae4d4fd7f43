/**
 * Sweep configurations of the entropy approximation-error study, as tracked
 * JSON files under `experiments/entropy-*.json`. Each file describes one
 * sweep; its `quick` object overrides fields for CI-sized runs.
 */
import type { LatentSource } from "./latent_sources.ts";

/** Fields shared by every sweep. */
export interface SweepCommon {
  /** Config id, also the stem of the data file: lower-case letters, digits and `-`. */
  id: string;
  /** Seed of the latent draws. */
  seed: number;
  /** Tokens `N` per latent set. */
  tokens: number;
  /** Overrides applied by a quick (CI-sized) run. */
  quick?: Record<string, unknown>;
}

/** Error of the per-group sum against the group count, for each d. */
export interface ErrorVsGroupsSweep extends SweepCommon {
  sweep: "error-vs-groups";
  /** Codebook bits `d`; every divisor of each `d` is a group count. */
  bits: number[];
  /** Latent sources, one figure each per temperature. */
  sources: LatentSource[];
  /** Temperatures `tau`. */
  temperatures: number[];
}

/** Error against the correlation between latent entries. */
export interface ErrorVsCorrelationSweep extends SweepCommon {
  sweep: "error-vs-correlation";
  /** Codebook bits `d`. */
  bits: number;
  /** Correlations `rho` in [0, 1). */
  correlations: number[];
  /** Bits per correlated block, one figure each (d: all bits correlated). */
  blockSizes: number[];
  /** Group counts of the per-group sum (divisors of d). */
  groupCounts: number[];
  /** Temperature `tau`. */
  temperature: number;
}

/** Error against the temperature. */
export interface ErrorVsTemperatureSweep extends SweepCommon {
  sweep: "error-vs-temperature";
  /** Codebook bits `d`. */
  bits: number;
  /** Temperatures `tau`, usually log-spaced. */
  temperatures: number[];
  /** Group counts of the per-group sum (divisors of d). */
  groupCounts: number[];
  /** Latent source. */
  source: LatentSource;
}

/** Every estimator's value against the exact entropy over many latent sets. */
export interface EstimatorScatterSweep extends SweepCommon {
  sweep: "estimator-scatter";
  /** Codebook bits `d`. */
  bits: number;
  /** Latent sources. */
  sources: LatentSource[];
  /** Temperatures `tau`. */
  temperatures: number[];
  /** Latent sets drawn per source and temperature. */
  draws: number;
  /** Group counts of the per-group sum and the pooled estimator (divisors of d). */
  groupCounts: number[];
}

/** Time and memory of each tensor estimator against d. */
export interface CostVsBitsSweep extends SweepCommon {
  sweep: "cost-vs-d";
  /** Codebook bits `d`. */
  bits: number[];
  /** Bits per group of the group-wise estimators; must divide every d. */
  groupBits: number;
  /** Timed repetitions per point (the minimum is kept). */
  repeats: number;
  /** Temperature `tau` of the latents. */
  temperature: number;
}

/** Search for non-nested groupings where more groups give less error. */
export interface NonNestedSearchSweep extends SweepCommon {
  sweep: "non-nested-search";
  /** Codebook bits `d`, at most 8 (every partition is measured). */
  bits: number;
  /** Latent sets drawn per source and temperature. */
  trials: number;
  /** Latent sources. */
  sources: LatentSource[];
  /** Temperatures `tau`. */
  temperatures: number[];
  /** The two groupings compared in the figure, the finer one second. */
  pair: [number[][], number[][]];
}

/** One sweep configuration. */
export type SweepConfig =
  | ErrorVsGroupsSweep
  | ErrorVsCorrelationSweep
  | ErrorVsTemperatureSweep
  | EstimatorScatterSweep
  | CostVsBitsSweep
  | NonNestedSearchSweep;

/** Names of the sweeps. */
export const SWEEP_KINDS = [
  "error-vs-groups",
  "error-vs-correlation",
  "error-vs-temperature",
  "estimator-scatter",
  "cost-vs-d",
  "non-nested-search",
] as const;

/**
 * Checks a parsed config file and returns it typed, with the `quick`
 * overrides applied when `quick` is true.
 * @param source file name, for messages.
 * @throws Error naming the file, the field and the expected value.
 */
export function parseSweepConfig(value: unknown, source: string, quick = false): SweepConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${source}: invalid config: expected a JSON object`);
  }
  const raw = value as Record<string, unknown>;
  const merged: Record<string, unknown> = quick && raw.quick ? { ...raw, ...(raw.quick as object) } : { ...raw };
  const fail = (field: string, expected: string): never => {
    throw new Error(`${source}: invalid ${field} ${JSON.stringify(merged[field])}: expected ${expected}`);
  };
  const positiveInteger = (field: string) => {
    const v = merged[field];
    if (!Number.isInteger(v) || (v as number) < 1) fail(field, "a positive integer");
  };
  const numberList = (field: string, check: (v: number) => boolean, expected: string) => {
    const v = merged[field];
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "number" && check(x))) {
      fail(field, `a non-empty list of ${expected}`);
    }
  };
  const isBits = (v: number) => Number.isInteger(v) && v >= 1 && v <= 26;
  const isTemperature = (v: number) => Number.isFinite(v) && v > 0;

  if (typeof merged.id !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(merged.id)) {
    fail("id", "lower-case letters, digits and -");
  }
  if (!SWEEP_KINDS.includes(merged.sweep as typeof SWEEP_KINDS[number])) {
    fail("sweep", `one of ${SWEEP_KINDS.join(", ")}`);
  }
  if (!Number.isInteger(merged.seed)) fail("seed", "an integer");
  positiveInteger("tokens");

  switch (merged.sweep) {
    case "error-vs-groups":
      numberList("bits", isBits, "bit counts from 1 to 26");
      sourceList(merged, "sources", fail);
      numberList("temperatures", isTemperature, "positive temperatures");
      break;
    case "error-vs-correlation":
      if (!isBits(merged.bits as number)) fail("bits", "a bit count from 1 to 26");
      numberList("correlations", (v) => v >= 0 && v < 1, "correlations in [0, 1)");
      numberList("blockSizes", (v) => Number.isInteger(v) && (merged.bits as number) % v === 0, "divisors of bits");
      divisorList(merged, fail);
      if (!isTemperature(merged.temperature as number)) fail("temperature", "a positive number");
      break;
    case "error-vs-temperature":
      if (!isBits(merged.bits as number)) fail("bits", "a bit count from 1 to 26");
      numberList("temperatures", isTemperature, "positive temperatures");
      divisorList(merged, fail);
      if (typeof merged.source !== "object" || merged.source === null) fail("source", "a latent source object");
      break;
    case "estimator-scatter":
      if (!isBits(merged.bits as number)) fail("bits", "a bit count from 1 to 26");
      sourceList(merged, "sources", fail);
      numberList("temperatures", isTemperature, "positive temperatures");
      positiveInteger("draws");
      divisorList(merged, fail);
      break;
    case "cost-vs-d":
      numberList("bits", isBits, "bit counts from 1 to 26");
      positiveInteger("groupBits");
      if ((merged.bits as number[]).some((d) => d % (merged.groupBits as number) !== 0)) {
        fail("groupBits", "a divisor of every entry of bits");
      }
      positiveInteger("repeats");
      if (!isTemperature(merged.temperature as number)) fail("temperature", "a positive number");
      break;
    case "non-nested-search": {
      const bits = merged.bits as number;
      if (!Number.isInteger(bits) || bits < 2 || bits > 8) fail("bits", "a bit count from 2 to 8");
      positiveInteger("trials");
      sourceList(merged, "sources", fail);
      numberList("temperatures", isTemperature, "positive temperatures");
      const pair = merged.pair;
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(Array.isArray)) {
        fail("pair", "two groupings, each a list of bit lists");
      }
      break;
    }
  }
  delete merged.quick;
  return merged as unknown as SweepConfig;
}

function sourceList(merged: Record<string, unknown>, field: string, fail: (f: string, e: string) => never): void {
  const v = merged[field];
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === "object" && s !== null && "kind" in s)) {
    fail(field, "a non-empty list of latent source objects with a kind");
  }
}

function divisorList(merged: Record<string, unknown>, fail: (f: string, e: string) => never): void {
  const bits = merged.bits as number;
  const v = merged.groupCounts;
  if (!Array.isArray(v) || v.length === 0 || !v.every((g) => Number.isInteger(g) && g >= 1 && bits % g === 0)) {
    fail("groupCounts", `a non-empty list of divisors of ${bits}`);
  }
}
