/**
 * Checks of the facts about the per-group sum estimator of the codebook
 * entropy (WeTok, arXiv 2508.05599), applied to measured results. The error
 * equals the total correlation between groups, and refining a grouping never
 * lowers it. Groupings that do not refine each other are not ordered by their
 * group count, so their inversions are counted, not failed.
 */
import type { ApproximationResult, GroupingError } from "./approximation_error.ts";
import { formatGrouping, isRefinement } from "./study_grouping.ts";

/** Default absolute tolerance of the checks, in nats (float64 sums over up to 2^24 codes). */
export const DEFAULT_CHECK_TOLERANCE = 1e-9;

/** A pair of groupings where the finer one has the smaller error. */
export interface OrderViolation {
  /** Grouping with more groups. */
  finer: string;
  /** Grouping with fewer groups. */
  coarser: string;
  /** Error of `finer`, in nats. */
  finerError: number;
  /** Error of `coarser`, in nats. */
  coarserError: number;
}

/** Outcome of the checks on one result. */
export interface ApproximationChecks {
  /** Largest `|error - total correlation|` over the groupings, in nats (null when not computed). */
  maxIdentityGap: number | null;
  /** Smallest error over the groupings and the bitwise estimate, in nats (never below `-tolerance` when correct). */
  minError: number;
  /** Ordered pairs (finer, coarser) with a strictly finer grouping, bitwise included. */
  refinementPairs: number;
  /** Pairs of non-nested groupings with different group counts. */
  nonNestedPairs: number;
  /** Pairs where a refinement has a lower error than the grouping it refines. */
  refinementViolations: OrderViolation[];
  /** Pairs of non-nested groupings where the one with more groups has the lower error. */
  nonNestedInversions: OrderViolation[];
  /** Pooled group counts whose scaled estimate is below the per-group sum of the same consecutive groups. */
  pooledBelowSum: number[];
  /** Tolerance used, in nats. */
  tolerance: number;
  /** True when the identity, non-negativity, refinement order and pooled bound all hold. */
  passed: boolean;
}

/**
 * Runs every check on one result. The tolerance scales with the exact
 * entropy: `tolerance * max(1, H(pbar))`.
 */
export function checkApproximation(
  result: ApproximationResult,
  tolerance = DEFAULT_CHECK_TOLERANCE,
): ApproximationChecks {
  const tol = tolerance * Math.max(1, result.exactEntropy);
  let maxIdentityGap: number | null = null;
  for (const g of result.groupings) {
    if (g.totalCorrelation === null) continue;
    maxIdentityGap = Math.max(maxIdentityGap ?? 0, Math.abs(g.error - g.totalCorrelation));
  }
  const minError = Math.min(result.bitwiseError, ...result.groupings.map((g) => g.error));

  const refinementViolations: OrderViolation[] = [];
  const nonNestedInversions: OrderViolation[] = [];
  let refinementPairs = result.groupings.length;
  let nonNestedPairs = 0;
  for (const a of result.groupings) {
    for (const b of result.groupings) {
      if (a === b || a.groupCount <= b.groupCount) continue;
      // A grouping with more groups either refines the other or is not nested with it.
      const nested = isRefinement(a.groups, b.groups);
      if (nested) refinementPairs++;
      else nonNestedPairs++;
      if (a.error >= b.error - tol) continue;
      if (nested) refinementViolations.push(orderViolation(a, b));
      else nonNestedInversions.push(orderViolation(a, b));
    }
  }

  // The bitwise estimate is the grouping into d single bits, which refines every grouping.
  for (const g of result.groupings) {
    if (result.bitwiseError < g.error - tol) {
      refinementViolations.push({
        finer: `bitwise (${result.bits} single bits)`,
        coarser: `${g.name} ${formatGrouping(g.groups)}`,
        finerError: result.bitwiseError,
        coarserError: g.error,
      });
    }
  }

  const pooledBelowSum: number[] = [];
  for (const pooled of result.pooled) {
    const sum = result.groupings.find((g) => g.name === `g=${pooled.groupCount}`);
    if (sum && pooled.scaledEstimate < sum.estimate - tol) pooledBelowSum.push(pooled.groupCount);
  }

  const passed = (maxIdentityGap === null || maxIdentityGap <= tol) && minError >= -tol &&
    refinementViolations.length === 0 && pooledBelowSum.length === 0;
  return {
    maxIdentityGap,
    minError,
    refinementPairs,
    nonNestedPairs,
    refinementViolations,
    nonNestedInversions,
    pooledBelowSum,
    tolerance: tol,
    passed,
  };
}

function orderViolation(finer: GroupingError, coarser: GroupingError): OrderViolation {
  return {
    finer: `${finer.name} ${formatGrouping(finer.groups)}`,
    coarser: `${coarser.name} ${formatGrouping(coarser.groups)}`,
    finerError: finer.error,
    coarserError: coarser.error,
  };
}
