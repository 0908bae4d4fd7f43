/**
 * The two tables of every experiment report: our measurements beside the
 * numbers of the WeTok paper (arXiv 2508.05599), and its claims with our verdicts.
 */
import { formatPaperValue, type PaperClaim, type PaperValue } from "./paper_values.ts";
import type { Table } from "./table.ts";
import { formatMeasurement, type Measurement, type VerdictResult } from "./verdict.ts";

/** One measured quantity beside the paper's value. */
export interface ValueRow {
  /** Setting, such as "GQ 2 x 8" or "d = 24, exact". */
  setting: string;
  /** Metric with unit, such as "rFID" or "peak memory (MiB)". */
  metric: string;
  /** The paper's value, or `null` where the paper gives none for this setting. */
  paper: PaperValue | null;
  /** Our measurement, or `null` when the run has no result. */
  ours: Measurement | null;
  /** Why `ours` is missing (such as "failed: not available yet"), shown instead of a number. */
  oursMissing?: string;
  /** Scale the run used: smoke, cpu or paper. */
  scale: string;
}

/** One claim of the paper with our verdict. */
export interface ClaimRow {
  claim: PaperClaim;
  result: VerdictResult;
  scale: string;
}

/** Note under a values table whose paper column contains a value read from a figure. */
export const APPROXIMATE_PAPER_VALUE_NOTE =
  '"~" marks a paper value read from a figure of arXiv 2508.05599, not printed in its text.';

/**
 * Builds the table of measured values: Setting, Metric, Paper, Ours, Scale.
 * A note names what each known paper value measures and where the paper gives
 * it; {@link APPROXIMATE_PAPER_VALUE_NOTE} is added when one is read from a figure.
 */
export function valuesTable(
  id: string,
  title: string,
  rows: ValueRow[],
  notes: string[] = [],
): Table {
  const known = rows.filter((row) => row.paper && row.paper.value !== null);
  if (known.length > 0) {
    const described = known.map((row) =>
      `${row.setting}: ${row.paper!.quantity} (${row.paper!.source})`
    );
    notes = [...notes, `Paper values: ${described.join("; ")}.`];
  }
  if (known.some((row) => row.paper!.approximate)) {
    notes = [...notes, APPROXIMATE_PAPER_VALUE_NOTE];
  }
  return {
    id,
    title,
    columns: [
      { header: "Setting" },
      { header: "Metric" },
      { header: "Paper", align: "right" },
      { header: "Ours", align: "right" },
      { header: "Scale" },
    ],
    rows: rows.map((row) => [
      row.setting,
      row.metric,
      formatPaperValue(row.paper),
      formatOurs(row.ours, row.oursMissing),
      row.scale,
    ]),
    notes,
  };
}

/** One cell of the per-run metrics table: our measurement and the paper's value. */
export interface MetricCell {
  /** Our measurement, or `null` when the run has no value for this metric. */
  ours: Measurement | null;
  /** Reason `ours` is missing (such as "not measured"), shown instead of a number. */
  oursMissing?: string;
  /** The paper's value for this setting and metric, or `null` where none is known. */
  paper: PaperValue | null;
}

/** One run of the per-run metrics table: one cell per metric column. */
export interface MetricsRow {
  setting: string;
  cells: MetricCell[];
  scale: string;
}

/** Note under every per-run metrics table, saying where paper values appear. */
export const METRICS_TABLE_NOTE =
  'A paper value appears as "(paper: X)" after ours where arXiv 2508.05599 reports one for that setting and metric, with "~" when it is read from a figure of the paper; every other paper value is unknown here.';

/**
 * Builds the table of every measured metric per run: Setting, one column per
 * metric label, Scale. A cell shows our value, then "(paper: X)" when the paper's value is known.
 * @throws Error when a row has a different number of cells than `metricLabels`.
 */
export function metricsTable(
  id: string,
  title: string,
  metricLabels: string[],
  rows: MetricsRow[],
  notes: string[] = [METRICS_TABLE_NOTE],
): Table {
  return {
    id,
    title,
    columns: [
      { header: "Setting" },
      ...metricLabels.map((header) => ({ header, align: "right" as const })),
      { header: "Scale" },
    ],
    rows: rows.map((row) => {
      if (row.cells.length !== metricLabels.length) {
        throw new Error(
          `metrics table "${id}": row ${row.setting} has ${row.cells.length} cells for ` +
            `${metricLabels.length} metrics; give one cell per metric`,
        );
      }
      return [row.setting, ...row.cells.map(formatMetricCell), row.scale];
    }),
    notes,
  };
}

/** Formats our measurement for a cell, or the reason it is missing ("not run" when none is given). */
function formatOurs(ours: Measurement | null, oursMissing: string | undefined): string {
  return ours ? formatMeasurement(ours) : (oursMissing ?? "not run");
}

function formatMetricCell(cell: MetricCell): string {
  const ours = formatOurs(cell.ours, cell.oursMissing);
  if (!cell.paper || cell.paper.value === null) return ours;
  return `${ours} (paper: ${formatPaperValue(cell.paper)})`;
}

/** Builds the table of claims: Claim, Source, Ours, Scale, Verdict, Criterion. */
export function claimsTable(
  id: string,
  title: string,
  rows: ClaimRow[],
  notes: string[] = [],
): Table {
  return {
    id,
    title,
    columns: [
      { header: "Claim" },
      { header: "Source" },
      { header: "Ours" },
      { header: "Scale" },
      { header: "Verdict" },
      { header: "Criterion" },
    ],
    rows: rows.map((row) => [
      row.claim.statement,
      row.claim.source,
      row.result.evidence,
      row.scale,
      row.result.verdict,
      row.result.criterion,
    ]),
    notes,
  };
}
