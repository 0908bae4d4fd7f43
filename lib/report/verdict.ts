/**
 * Verdicts on the claims of the WeTok paper (arXiv 2508.05599). Each claim is
 * a criterion on our measured metrics, and the verdict states whether our
 * numbers reproduce it.
 *
 * Two measurements are called different only when they differ by more than a
 * margin: the larger of the criterion's tolerance and, when both have two or
 * more seeds, twice the standard error of the difference of their means.
 * Differences inside the margin make the verdict "inconclusive".
 */

/**
 * Outcome of checking one claim. "not tested at this scale" marks a claim
 * that the runs cannot test (such as a comparison with tokenizers that are not available).
 */
export type Verdict =
  | "reproduced"
  | "not reproduced"
  | "inconclusive"
  | "not tested at this scale";

/** A metric aggregated over the seeds of one run label. */
export interface Measurement {
  /** Mean over seeds. */
  mean: number;
  /** Sample standard deviation over seeds (0 with one seed). */
  std: number;
  /** Number of seeds. */
  n: number;
}

/** Better direction of a metric. */
export type Better = "lower" | "higher";

/**
 * A claim as a checkable criterion.
 * - `order`: `runs` are listed best first, and each must beat the next on `metric`.
 * - `best`: `run` must beat every run in `among` on `metric`.
 * - `threshold`: the `run`'s `metric` must be below (`better: "lower"`) or
 *   above (`better: "higher"`) `value`.
 */
export type Criterion =
  | { kind: "order"; metric: string; better: Better; runs: string[]; tolerance: number }
  | {
    kind: "best";
    metric: string;
    better: Better;
    run: string;
    among: string[];
    tolerance: number;
  }
  | {
    kind: "threshold";
    metric: string;
    better: Better;
    run: string;
    value: number;
    tolerance: number;
  };

/** A verdict with the criterion in words and the numbers behind it. */
export interface VerdictResult {
  verdict: Verdict;
  /** The criterion in words, such as "rFID: gq-2x8 < lfq-1x16 < bsq-16x1 (margin >= 0.5)". */
  criterion: string;
  /** The numbers compared, or what was missing. */
  evidence: string;
}

/** Measurements of one metric, by run label. */
export type MeasurementsByRun = ReadonlyMap<string, Measurement>;

/** Aggregates values over seeds into a mean, sample standard deviation and count. */
export function measure(values: readonly number[]): Measurement {
  const n = values.length;
  if (n === 0) throw new Error("measure: no values; give at least one value");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n };
}

/** Comparison of two measurements: -1 when `a` is better, 1 when `b` is, 0 within the margin. */
export function compare(
  a: Measurement,
  b: Measurement,
  better: Better,
  tolerance: number,
): -1 | 0 | 1 {
  const margin = comparisonMargin(a, b, tolerance);
  const gain = better === "lower" ? b.mean - a.mean : a.mean - b.mean;
  if (gain > margin) return -1;
  if (-gain > margin) return 1;
  return 0;
}

/** Margin below which two means are treated as equal (see the module documentation). */
export function comparisonMargin(a: Measurement, b: Measurement, tolerance: number): number {
  if (a.n < 2 || b.n < 2) return tolerance;
  const standardError = Math.sqrt(a.std ** 2 / a.n + b.std ** 2 / b.n);
  return Math.max(tolerance, 2 * standardError);
}

/**
 * Checks a criterion against measurements of its metric.
 * A missing run makes the verdict "inconclusive", with the missing labels as evidence.
 */
export function evaluateCriterion(
  criterion: Criterion,
  measurements: MeasurementsByRun,
): VerdictResult {
  const text = describeCriterion(criterion);
  const labels = criterion.kind === "order"
    ? criterion.runs
    : criterion.kind === "best"
    ? [criterion.run, ...criterion.among]
    : [criterion.run];
  const missing = labels.filter((label) => !measurements.has(label));
  if (missing.length > 0) {
    return {
      verdict: "inconclusive",
      criterion: text,
      evidence: `no result for ${missing.join(", ")}`,
    };
  }
  const get = (label: string) => measurements.get(label)!;
  const evidence = labels.map((label) => `${label} ${formatMeasurement(get(label))}`).join(", ");

  if (criterion.kind === "threshold") {
    const m = get(criterion.run);
    const gain = criterion.better === "lower" ? criterion.value - m.mean : m.mean - criterion.value;
    const verdict: Verdict = gain > criterion.tolerance
      ? "reproduced"
      : -gain > criterion.tolerance
      ? "not reproduced"
      : "inconclusive";
    return { verdict, criterion: text, evidence };
  }

  const pairs: [string, string][] = criterion.kind === "order"
    ? criterion.runs.slice(1).map((label, i) => [criterion.runs[i], label])
    : criterion.among.map((label) => [criterion.run, label]);
  const outcomes = pairs.map(([a, b]) =>
    compare(get(a), get(b), criterion.better, criterion.tolerance)
  );
  const verdict: Verdict = outcomes.some((o) => o === 1)
    ? "not reproduced"
    : outcomes.every((o) => o === -1)
    ? "reproduced"
    : "inconclusive";
  const singleSeed = labels.some((label) => get(label).n < 2);
  return { verdict, criterion: singleSeed ? `${text}; ${SINGLE_SEED_CAVEAT}` : text, evidence };
}

/**
 * Caveat appended to a comparison's criterion when a run has one seed: its
 * margin is the tolerance alone, with no seed-to-seed spread in it.
 */
export const SINGLE_SEED_CAVEAT = "one seed, so the margin has no seed-to-seed spread in it";

/** Writes a criterion in words, with its metric, direction and tolerance. */
export function describeCriterion(criterion: Criterion): string {
  const op = criterion.better === "lower" ? "<" : ">";
  const tolerance = `margin >= ${criterion.tolerance}`;
  switch (criterion.kind) {
    case "order":
      return `${criterion.metric}: ${criterion.runs.join(` ${op} `)} (${tolerance})`;
    case "best":
      return `${criterion.metric}: ${criterion.run} ${op} each of ${
        criterion.among.join(", ")
      } (${tolerance})`;
    case "threshold":
      return `${criterion.metric} of ${criterion.run} ${op} ${criterion.value} (${tolerance})`;
  }
}

/** Formats a measurement as "0.123" or "0.123 ± 0.010 (n=3)". */
export function formatMeasurement(m: Measurement): string {
  const mean = formatNumber(m.mean);
  return m.n > 1 ? `${mean} ± ${formatNumber(m.std)} (n=${m.n})` : mean;
}

/** Formats a number with 4 significant digits, without exponent for 1e-3 to 1e6. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}
