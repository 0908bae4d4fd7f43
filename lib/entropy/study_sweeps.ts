/**
 * The analysis sweeps of the entropy approximation-error study: each draws
 * seeded latents, measures every estimator against the exact codebook entropy
 * with {@link analyzeApproximation}, runs the checks of `study_checks.ts` on
 * every measurement and returns the records behind the figures.
 */
import { Rng } from "../engine/mod.ts";
import { log } from "../io/log.ts";
import { Progress } from "../io/progress.ts";
import {
  analyzeApproximation,
  type ApproximationResult,
  contiguousGroupings,
  type NamedGrouping,
} from "./approximation_error.ts";
import { describeSource, drawLatents, type LatentSource, latentLogits } from "./latent_sources.ts";
import { type ApproximationChecks, checkApproximation, type OrderViolation } from "./study_checks.ts";
import type {
  ErrorVsCorrelationSweep,
  ErrorVsGroupsSweep,
  ErrorVsTemperatureSweep,
  EstimatorScatterSweep,
  NonNestedSearchSweep,
} from "./study_config.ts";
import { allGroupings, divisors, formatGrouping, groupSizes } from "./study_grouping.ts";

/** Totals of the checks over every measurement of a sweep. */
export interface CheckTotals {
  /** Number of measurements (latent sets times temperatures). */
  analyses: number;
  /** Largest `|error - total correlation|` seen, in nats. */
  maxIdentityGap: number;
  /** Largest mismatch between a marginal computed alone and summed from `pbar`. */
  maxMarginalMismatch: number;
  /** Smallest error of any grouping or the bitwise estimate, in nats. */
  minError: number;
  /** Refinement pairs compared (finer, coarser), summed over measurements. */
  refinementPairs: number;
  /** Refinement pairs where the finer grouping had the lower error. */
  refinementViolations: number;
  /** Non-nested pairs where the grouping with more groups had the lower error. */
  nonNestedInversions: number;
  /** Pooled group counts whose scaled estimate fell below the per-group sum. */
  pooledBelowSum: number;
  /** Measurements that failed a check. */
  failed: number;
  /** First few refinement violations, for the report. */
  violationExamples: OrderViolation[];
}

/** Records of one sweep with the totals of its checks. */
export interface SweepRecords<R> {
  records: R[];
  checks: CheckTotals;
}

/** Creates empty check totals. */
export function emptyTotals(): CheckTotals {
  return {
    analyses: 0,
    maxIdentityGap: 0,
    maxMarginalMismatch: 0,
    minError: Infinity,
    refinementPairs: 0,
    refinementViolations: 0,
    nonNestedInversions: 0,
    pooledBelowSum: 0,
    failed: 0,
    violationExamples: [],
  };
}

/** Adds one measurement's checks to the totals and logs a failed check. */
export function addChecks(totals: CheckTotals, result: ApproximationResult, checks: ApproximationChecks, where: string): void {
  totals.analyses++;
  totals.maxIdentityGap = Math.max(totals.maxIdentityGap, checks.maxIdentityGap ?? 0);
  totals.maxMarginalMismatch = Math.max(totals.maxMarginalMismatch, result.marginalMismatch ?? 0);
  totals.minError = Math.min(totals.minError, checks.minError);
  totals.refinementPairs += checks.refinementPairs;
  totals.refinementViolations += checks.refinementViolations.length;
  totals.nonNestedInversions += checks.nonNestedInversions.length;
  totals.pooledBelowSum += checks.pooledBelowSum.length;
  if (!checks.passed) {
    totals.failed++;
    log.error(
      `entropy study: check failed for ${where}: identity gap ${checks.maxIdentityGap}, min error ` +
        `${checks.minError}, ${checks.refinementViolations.length} refinement violation(s), pooled below ` +
        `sum for g in [${checks.pooledBelowSum}]`,
    );
    totals.violationExamples.push(...checks.refinementViolations.slice(0, 5 - totals.violationExamples.length));
  }
}

/** Per-group sum of one grouping in a record. */
export interface GroupRecord {
  /** Grouping label, `g=<count>` for consecutive groups. */
  name: string;
  /** Number of groups. */
  groupCount: number;
  /** Per-group sum, in nats. */
  estimate: number;
  /** Per-group sum minus the exact entropy, in nats. */
  error: number;
  /** Total correlation as a divergence over all codes, in nats. */
  totalCorrelation: number | null;
}

/** One measurement as stored in the data files. */
export interface MeasurementRecord {
  /** Source label. */
  source: string;
  /** Codebook bits `d`. */
  bits: number;
  /** Tokens `N`. */
  tokens: number;
  /** Temperature `tau`. */
  temperature: number;
  /** Exact `H(pbar)`, in nats. */
  exactEntropy: number;
  /** Mean per-token entropy, in nats. */
  perSampleEntropy: number;
  /** Bitwise estimate, in nats. */
  bitwiseEstimate: number;
  /** Per-group sums. */
  groupings: GroupRecord[];
  /** Pooled estimates: raw `H(mean_k pbar_k)` and scaled by g, in nats. */
  pooled: { groupCount: number; estimate: number; scaledEstimate: number }[];
  /** Wall time of the measurement, in seconds. */
  seconds: number;
}

/** Measures one set of logits and folds its checks into `totals`. */
export function measure(
  source: string,
  temperature: number,
  latents: ReturnType<typeof drawLatents>,
  groupings: NamedGrouping[],
  pooledGroupCounts: number[],
  totals: CheckTotals,
): { record: MeasurementRecord; result: ApproximationResult; checks: ApproximationChecks } {
  // Enumerations of 2^32 code-token products or more take minutes, so they log their own progress.
  const where = `${source}, d=${latents.bits}, tau=${temperature}`;
  const progress = latents.tokens * 2 ** latents.bits >= 2 ** 32
    ? new Progress({ label: `exact H(pbar) for ${where}`, total: 100, unit: "%" })
    : null;
  const result = analyzeApproximation(latentLogits(latents, temperature), {
    groupings,
    pooledGroupCounts,
    onProgress: progress ? (fraction) => progress.update(Math.round(100 * fraction)) : undefined,
  });
  const checks = checkApproximation(result);
  addChecks(totals, result, checks, where);
  const record: MeasurementRecord = {
    source,
    bits: result.bits,
    tokens: result.tokens,
    temperature,
    exactEntropy: result.exactEntropy,
    perSampleEntropy: result.perSampleEntropy,
    bitwiseEstimate: result.bitwiseEstimate,
    groupings: result.groupings.map((g) => ({
      name: g.name,
      groupCount: g.groupCount,
      estimate: g.estimate,
      error: g.error,
      totalCorrelation: g.totalCorrelation,
    })),
    pooled: result.pooled,
    seconds: result.seconds,
  };
  return { record, result, checks };
}

/**
 * Measures one latent set against consecutive groupings into each of
 * `groupCounts` groups, which also serve as the pooled estimator's group counts.
 */
function measureConsecutiveGroups(
  source: LatentSource,
  temperature: number,
  latents: ReturnType<typeof drawLatents>,
  groupCounts: number[],
  totals: CheckTotals,
): MeasurementRecord {
  const groupings = contiguousGroupings(latents.bits, groupCounts);
  return measure(describeSource(source), temperature, latents, groupings, groupCounts, totals)
    .record;
}

/** Sweeps d and every group count dividing d, for each source and temperature. */
export function runErrorVsGroups(config: ErrorVsGroupsSweep): SweepRecords<MeasurementRecord> {
  const totals = emptyTotals();
  const records: MeasurementRecord[] = [];
  const root = new Rng(config.seed);
  // Cost grows as 2^d, so progress counts codes rather than points.
  const work = (d: number) => config.temperatures.length * config.tokens * 2 ** d;
  const progress = new Progress({
    label: config.id,
    total: config.sources.length * config.bits.reduce((s, d) => s + work(d), 0),
    unit: "code-token",
  });
  let done = 0;
  for (const source of config.sources) {
    for (const d of config.bits) {
      const latents = drawLatents(source, config.tokens, d, root.fork());
      for (const temperature of config.temperatures) {
        const record = measureConsecutiveGroups(source, temperature, latents, divisors(d), totals);
        records.push(record);
        done += config.tokens * 2 ** d;
        progress.update(done, `${describeSource(source)} d=${d} tau=${temperature}`);
      }
    }
  }
  return { records, checks: totals };
}

/** Sweeps the correlation inside blocks of bits at fixed d and temperature. */
export function runErrorVsCorrelation(
  config: ErrorVsCorrelationSweep,
): SweepRecords<MeasurementRecord & { correlation: number; blockSize: number }> {
  const totals = emptyTotals();
  const records: (MeasurementRecord & { correlation: number; blockSize: number })[] = [];
  const root = new Rng(config.seed);
  const progress = new Progress({ label: config.id, total: config.blockSizes.length * config.correlations.length, unit: "point" });
  for (const blockSize of config.blockSizes) {
    for (const correlation of config.correlations) {
      const source: LatentSource = { kind: "correlated", correlation, blockSize };
      const latents = drawLatents(source, config.tokens, config.bits, root.fork());
      const record = measureConsecutiveGroups(
        source,
        config.temperature,
        latents,
        config.groupCounts,
        totals,
      );
      records.push({ ...record, correlation, blockSize });
      progress.update(records.length);
    }
  }
  return { records, checks: totals };
}

/** Sweeps the temperature on one latent set. */
export function runErrorVsTemperature(config: ErrorVsTemperatureSweep): SweepRecords<MeasurementRecord> {
  const totals = emptyTotals();
  const records: MeasurementRecord[] = [];
  const latents = drawLatents(config.source, config.tokens, config.bits, new Rng(config.seed));
  const progress = new Progress({ label: config.id, total: config.temperatures.length, unit: "point" });
  for (const temperature of config.temperatures) {
    const record = measureConsecutiveGroups(
      config.source,
      temperature,
      latents,
      config.groupCounts,
      totals,
    );
    records.push(record);
    progress.update(records.length);
  }
  return { records, checks: totals };
}

/** Measures many latent sets for the estimator-against-exact scatter. */
export function runEstimatorScatter(config: EstimatorScatterSweep): SweepRecords<MeasurementRecord> {
  const totals = emptyTotals();
  const records: MeasurementRecord[] = [];
  const root = new Rng(config.seed);
  const total = config.sources.length * config.temperatures.length * config.draws;
  const progress = new Progress({ label: config.id, total, unit: "set" });
  for (const source of config.sources) {
    for (const temperature of config.temperatures) {
      for (let draw = 0; draw < config.draws; draw++) {
        const latents = drawLatents(source, config.tokens, config.bits, root.fork());
        const record = measureConsecutiveGroups(
          source,
          temperature,
          latents,
          config.groupCounts,
          totals,
        );
        records.push(record);
        progress.update(records.length);
      }
    }
  }
  return { records, checks: totals };
}

/** One trial of the non-nested search. */
export interface SearchRecord {
  source: string;
  temperature: number;
  trial: number;
  /** Exact `H(pbar)`, in nats. */
  exactEntropy: number;
  /** Errors of the two configured groupings, in nats, coarser first. */
  pairErrors: [number, number];
  /** Non-nested pairs in this trial where more groups gave less error. */
  inversions: number;
  /** The inversion with the largest error gap in this trial, or null. */
  largestInversion: OrderViolation | null;
}

/** Result of the non-nested search, with the pair labels. */
export interface SearchRecords extends SweepRecords<SearchRecord> {
  /** Labels of the two compared groupings. */
  pairLabels: [string, string];
  /** Non-nested pairs of groupings with different group counts, per trial. */
  comparablePairs: number;
}

/**
 * Measures every partition of the d bits on many latent sets and counts the
 * non-nested pairs where the grouping with more groups has the lower error.
 */
export function runNonNestedSearch(config: NonNestedSearchSweep): SearchRecords {
  const totals = emptyTotals();
  const records: SearchRecord[] = [];
  const partitions = allGroupings(config.bits);
  const groupings: NamedGrouping[] = [
    { name: "pair-coarser", groups: config.pair[0] },
    { name: "pair-finer", groups: config.pair[1] },
    ...partitions.map((groups) => ({ name: groupSizes(groups), groups })),
  ];
  const root = new Rng(config.seed);
  const total = config.sources.length * config.temperatures.length * config.trials;
  const progress = new Progress({ label: config.id, total, unit: "trial" });
  let comparablePairs = 0;
  for (const source of config.sources) {
    for (const temperature of config.temperatures) {
      for (let trial = 0; trial < config.trials; trial++) {
        const latents = drawLatents(source, config.tokens, config.bits, root.fork());
        const result = analyzeApproximation(latentLogits(latents, temperature), { groupings });
        const checks = checkApproximation({ ...result, groupings: result.groupings.slice(2) });
        addChecks(totals, result, checks, `${describeSource(source)}, tau=${temperature}, trial ${trial}`);
        comparablePairs = checks.nonNestedPairs;
        let largest: OrderViolation | null = null;
        for (const v of checks.nonNestedInversions) {
          if (!largest || v.coarserError - v.finerError > largest.coarserError - largest.finerError) largest = v;
        }
        records.push({
          source: describeSource(source),
          temperature,
          trial,
          exactEntropy: result.exactEntropy,
          pairErrors: [result.groupings[0].error, result.groupings[1].error],
          inversions: checks.nonNestedInversions.length,
          largestInversion: largest,
        });
        progress.update(records.length);
      }
    }
  }
  return {
    records,
    checks: totals,
    pairLabels: [formatGrouping(config.pair[0]), formatGrouping(config.pair[1])],
    comparablePairs,
  };
}
