/**
 * Contents of an experiment's report: metrics, rows beside the values of WeTok
 * (arXiv 2508.05599), its claims with our criteria, and figures. Types only, so that `lib/report`
 * can import them without importing the runner.
 */

/** A metric of the run results, with its display label and better direction. */
export interface MetricSpec {
  /** Key in `RunResult.metrics`, such as "rfid" or "peakBytes". */
  key: string;
  /** Column or axis label with unit, such as "rFID" or "peak memory (MiB)". */
  label: string;
  better?: "lower" | "higher";
  /** Factor applied before display, such as 2^-20 to show bytes as MiB (default 1). */
  displayScale?: number;
}

/** A row of the values table: one run label and metric, with the key of the published value. */
export interface ValueSpec {
  run: string;
  metric: string;
  /** Key of the paper value (see `lib/report/paper_values.ts`); omitted when WeTok reports none. */
  paper?: string;
  /** Setting text (default: the run label). */
  setting?: string;
}

/** A claim of WeTok (arXiv 2508.05599) and the criterion that checks it on our results. */
export interface ClaimSpec {
  /** Key of the published claim (see `lib/report/paper_values.ts`). */
  claim: string;
  /**
   * How the claim's settings map to the runs at this scale, written before the
   * criterion, such as "c3-b3 stands for 256 channels x 4 blocks".
   */
  mapping?: string;
  /**
   * Reason the runs cannot test the claim, such as a missing baseline. When set,
   * the verdict is "not tested at this scale" and the criterion is shown as a proxy.
   */
  untested?: string;
  criterion:
    | {
      kind: "order";
      metric: string;
      better: "lower" | "higher";
      runs: string[];
      tolerance: number;
    }
    | {
      kind: "best";
      metric: string;
      better: "lower" | "higher";
      run: string;
      among: string[];
      tolerance: number;
    }
    | {
      kind: "threshold";
      metric: string;
      better: "lower" | "higher";
      run: string;
      value: number;
      tolerance: number;
    };
}

/**
 * A figure built from run results.
 * Paths (`x`, `y`, `group`) are dotted paths into a run record, such as
 * "config.quantizer.groups" or "metrics.compressionRatio".
 * - `line`: x is a numeric path, one trace per value of `group`.
 * - `bar`: one bar per run label.
 * - `heatmap`: x and y are paths, colour is the metric.
 * - `series`: one trace per run label, y from `RunResult.series[metric]`, x the index (from 1).
 */
export interface FigureSpec {
  id: string;
  title: string;
  kind: "line" | "bar" | "heatmap" | "series";
  /** Metric key, or series key for `series`. */
  metric: string;
  /** Record path of the x values (`line`, `heatmap`), such as "config.quantizer.groups". */
  x?: string;
  /** Record path of the y values (`heatmap`). */
  y?: string;
  /** Record path whose values split traces (`line`), such as "config.method". */
  group?: string;
  xTitle: string;
  yTitle: string;
  xType?: "linear" | "log" | "category";
  yType?: "linear" | "log" | "category";
  /** Paper values drawn as extra points: x position, paper value key and trace name. */
  paperPoints?: { x: number; paper: string; name: string }[];
  caption?: string;
}

/** The report section of an experiment config. */
export interface ReportSpec {
  metrics: MetricSpec[];
  values: ValueSpec[];
  claims: ClaimSpec[];
  figures: FigureSpec[];
  /** Sentences under the tables, such as why a number differs from the published one. */
  notes?: string[];
}
