/**
 * The report of one experiment: its values and claims tables and its figures,
 * built from the experiment config and the run records of one scale, and
 * rendered as a Markdown page and a LaTeX fragment.
 */
import type {
  ExperimentConfig,
  FigureSpec,
  RunRecord,
  RunResult,
  Scale,
  ValueSpec,
} from "../experiment/mod.ts";
import {
  type ClaimRow,
  claimsTable,
  METRICS_TABLE_NOTE,
  type MetricsRow,
  metricsTable,
  type ValueRow,
  valuesTable,
} from "./comparison.ts";
import type { Figure, PlotlyTrace } from "./figure.ts";
import { paperClaim, paperValue } from "./paper_values.ts";
import { renderLatex, renderMarkdown, type Table } from "./table.ts";
import { evaluateCriterion, measure, type Measurement } from "./verdict.ts";
import {
  NSFWJS_MIXED5_METRIC,
  NSFWJS_PERCEPTUAL_METRIC,
} from "../metrics/features/metric_names.ts";

/** The built report of one experiment at one scale. */
export interface ExperimentReport {
  name: string;
  title: string;
  scale: Scale;
  tables: Table[];
  figures: Figure[];
  /** Sentences under the tables: config notes, code versions, missing figures. */
  notes: string[];
}

/**
 * Checks that every paper value and claim key in the config exists, so a
 * misspelt key fails before any run starts.
 * @throws Error naming the experiment and the unknown key.
 */
export function checkPaperReferences(config: ExperimentConfig): void {
  const where = `experiment ${config.name}`;
  try {
    for (const value of config.report.values) if (value.paper) paperValue(value.paper);
    for (const claim of config.report.claims) paperClaim(claim.claim);
    for (const figure of config.report.figures) {
      for (const point of figure.paperPoints ?? []) paperValue(point.paper);
    }
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads a dotted path such as "config.quantizer.groups" from a run record. */
export function recordValue(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Builds the report of one experiment from run records at one scale. Only
 * finished records give numbers, and failed ones explain missing numbers.
 */
export function buildExperimentReport(
  config: ExperimentConfig,
  scale: Scale,
  records: readonly RunRecord[],
): ExperimentReport {
  checkPaperReferences(config);
  const spec = config.report;
  const done = records.filter((r): r is RunResult => r.status === "done" && r.scale === scale);
  const failures = new Map<string, string>();
  for (const record of records) {
    if (
      record.status === "failed" && record.scale === scale &&
      !done.some((d) => d.label === record.label)
    ) {
      failures.set(
        record.label,
        record.unavailable ? `not available yet` : `failed: ${record.error}`,
      );
    }
  }
  const labels = config.runs.map((r) => r.label);
  const outsideScale = new Set(
    config.runs.filter((r) => r.scales && !r.scales.includes(scale)).map((r) => r.label),
  );
  const measurements = (metric: string) =>
    measurementsByLabel(done, metric, displayScale(config, metric));

  // Values: the listed rows, or every run and metric.
  const valueSpecs: ValueSpec[] = spec.values.length > 0
    ? spec.values
    : labels.flatMap((run) => spec.metrics.map((m) => ({ run, metric: m.key })));
  const valueRows: ValueRow[] = valueSpecs.map((v) => {
    const measured = measurements(v.metric).get(v.run) ?? null;
    const hasRun = done.some((d) => d.label === v.run);
    return {
      setting: v.setting ?? v.run,
      metric: metricLabel(config, v.metric),
      paper: v.paper ? paperValue(v.paper) : null,
      ours: measured,
      oursMissing: outsideScale.has(v.run)
        ? `not part of scale ${scale}`
        : failures.get(v.run) ?? (hasRun ? "not measured" : "not run"),
      scale,
    };
  });

  const missingReason = (label: string) =>
    outsideScale.has(label)
      ? `not part of scale ${scale}`
      : failures.get(label) ?? (done.some((d) => d.label === label) ? "not measured" : "not run");
  const perRun = perRunMetrics(config, done, labels, measurements, missingReason, scale);

  const testsClaims = config.scales[scale].testsClaims ?? true;
  const claimRows: ClaimRow[] = spec.claims.map((c) => {
    // The criterion text names the metric by its display label (with unit), not its key.
    const labelled = { ...c.criterion, metric: metricLabel(config, c.criterion.metric) };
    const result = evaluateCriterion(labelled, measurements(c.criterion.metric));
    if (c.mapping) result.criterion = `${c.mapping}. ${result.criterion}`;
    if (c.untested) {
      result.verdict = "not tested at this scale";
      result.criterion = `proxy only (${c.untested}): ${result.criterion}`;
    } else if (!testsClaims) {
      result.verdict = "inconclusive";
      result.evidence = `scale ${scale} does not test claims; ${result.evidence}`;
    }
    return { claim: paperClaim(c.claim), result, scale };
  });

  const notes = [...(spec.notes ?? []), ...evaluatedImageNotes(done, config)];
  const runNotes = new Map<string, string[]>();
  for (const record of done) {
    for (const note of record.notes ?? []) {
      runNotes.set(note, [...new Set([...(runNotes.get(note) ?? []), record.label])]);
    }
  }
  for (const [note, noteLabels] of runNotes) {
    notes.push(`${note} (runs: ${noteLabels.join(", ")}).`);
  }
  const versions = [...new Set(done.map((d) => d.codeVersion))];
  if (versions.length > 0) notes.push(`Code version(s) of these results: ${versions.join(", ")}.`);
  notes.push(`Scale ${scale}: ${config.scales[scale].description}`);

  const figures: Figure[] = [];
  for (const figureSpec of spec.figures) {
    const figure = buildFigure(config, figureSpec, done, scale);
    if (figure) figures.push(figure);
    else notes.push(`Figure ${figureSpec.id} has no data yet at scale ${scale}.`);
  }

  return {
    name: config.name,
    title: config.title,
    scale,
    tables: [
      valuesTable(
        `${config.name}-values`,
        `${config.title}: measurements (scale ${scale})`,
        valueRows,
      ),
      ...(claimRows.length > 0
        ? [
          claimsTable(
            `${config.name}-claims`,
            `${config.title}: claims of arXiv 2508.05599 (scale ${scale})`,
            claimRows,
          ),
        ]
        : []),
      ...(perRun.labels.length > 0
        ? [
          metricsTable(
            `${config.name}-metrics`,
            `${config.title}: every measured metric per run (scale ${scale})`,
            perRun.labels,
            perRun.rows,
            [METRICS_TABLE_NOTE, ...perRun.notes],
          ),
        ]
        : []),
    ],
    figures,
    notes,
  };
}

/**
 * Collects the per-run metrics table: the report's metrics that some run
 * measured, then every other number the records contain, by key.
 */
function perRunMetrics(
  config: ExperimentConfig,
  done: readonly RunResult[],
  labels: readonly string[],
  measurements: (metric: string) => Map<string, Measurement>,
  missingReason: (label: string) => string,
  scale: Scale,
): { labels: string[]; rows: MetricsRow[]; notes: string[] } {
  const recorded = new Set<string>();
  for (const record of done) {
    for (const [key, value] of Object.entries(record.metrics)) {
      if (typeof value === "number" && Number.isFinite(value)) recorded.add(key);
    }
  }
  const specKeys = config.report.metrics.map((m) => m.key);
  const keys = besideSsim([
    ...specKeys.filter((key) => recorded.has(key)),
    ...[...recorded].filter((key) => !specKeys.includes(key)).sort(),
  ]);
  const byKey = new Map(keys.map((key) => [key, measurements(key)]));
  const rows: MetricsRow[] = labels.map((label) => ({
    setting: label,
    cells: keys.map((key) => {
      const paperKey = config.report.values.find((v) =>
        v.run === label && v.metric === key && v.paper
      )?.paper;
      const ours = byKey.get(key)!.get(label) ?? null;
      return {
        ours,
        ...(ours ? {} : { oursMissing: missingReason(label) }),
        paper: paperKey ? paperValue(paperKey) : null,
      };
    }),
    scale,
  }));
  const unmeasured = specKeys.filter((key) => !recorded.has(key));
  const notes: string[] = unmeasured.length > 0 && done.length > 0
    ? [`No run measured ${unmeasured.map((key) => metricLabel(config, key)).join(", ")}.`]
    : [];
  const trainingMinutes = trainingMinutesByLabel(done);
  if (trainingMinutes.size > 0) {
    for (const row of rows) {
      const ours = trainingMinutes.get(row.setting) ?? null;
      row.cells.push({
        ours,
        ...(ours ? {} : { oursMissing: missingReason(row.setting) }),
        paper: null,
      });
    }
  }
  const headers = keys.map((key) => metricLabel(config, key));
  if (trainingMinutes.size > 0) {
    headers.push(TRAINING_TIME_HEADER);
    notes.push(TRAINING_TIME_NOTE);
  }
  return { labels: headers, rows, notes };
}

/** Moves the 11x11 Gaussian SSIM right after the 7x7 uniform one, so the two windows sit side by side. */
function besideSsim(keys: string[]): string[] {
  if (!keys.includes("ssim") || !keys.includes("ssimGaussian11")) return keys;
  const others = keys.filter((key) => key !== "ssimGaussian11");
  others.splice(others.indexOf("ssim") + 1, 0, "ssimGaussian11");
  return others;
}

/** Header of the per-run training time column. */
export const TRAINING_TIME_HEADER = "Training time (min)";

/** Note under a per-run metrics table with a training time column. */
export const TRAINING_TIME_NOTE =
  "Training time is the wall time of a run's last attempt (training and evaluation) from its " +
  "record's wallSeconds; a result copied from an identical run shows the time of the run it copies.";

/**
 * Aggregates the wall time of each run label's `train` records over its
 * seeds, in minutes. Records of other tasks train nothing, so they are left
 * out. A record copied from an identical run keeps the wall time of the run
 * that was trained, so the copy shows the source's time.
 */
function trainingMinutesByLabel(done: readonly RunResult[]): Map<string, Measurement> {
  const values = new Map<string, number[]>();
  for (const record of done) {
    if (record.config.task !== "train") continue;
    if (typeof record.wallSeconds !== "number" || !Number.isFinite(record.wallSeconds)) continue;
    values.set(record.label, [...(values.get(record.label) ?? []), record.wallSeconds / 60]);
  }
  return new Map([...values].map(([label, list]) => [label, measure(list)]));
}

/**
 * States how many held-out images each run evaluated, from the `evaluatedImages`
 * metric, beside the number its config requested.
 */
function evaluatedImageNotes(done: readonly RunResult[], config: ExperimentConfig): string[] {
  const counts = new Map<string, string[]>();
  for (const record of done) {
    const evaluated = record.metrics.evaluatedImages;
    if (typeof evaluated !== "number") continue;
    const requested = recordValue(record, "config.data.evalImages");
    const text = typeof requested === "number" && requested !== evaluated
      ? `${evaluated} held-out images (${requested} requested, fewer exist in the photo set)`
      : `${evaluated} held-out images`;
    counts.set(text, [...(counts.get(text) ?? []), record.label]);
  }
  const runCount = config.runs.length;
  return [...counts].map(([text, runLabels]) =>
    runLabels.length === runCount
      ? `Every run evaluated ${text}.`
      : `Evaluated ${text} (runs: ${[...new Set(runLabels)].join(", ")}).`
  );
}

function displayScale(config: ExperimentConfig, metric: string): number {
  return config.report.metrics.find((m) => m.key === metric)?.displayScale ?? 1;
}

/**
 * Names the SSIM window of each SSIM metric key, because the two windows give
 * different values for the same images.
 */
const SSIM_WINDOWS: Record<string, string> = {
  ssim: "7x7 uniform window",
  ssimGaussian11: "11x11 Gaussian window",
};

/** Display labels of the metric keys that the executors write, with units. */
const DEFAULT_METRIC_LABELS: Record<string, string> = {
  psnr: "PSNR (dB)",
  usage: "codebook usage (share of codes)",
  compressionRatio: "compression ratio",
  evaluatedImages: "held-out images",
  decodeMs: "decoding time per image (ms)",
  noiseSpread: "spread under noise (pixel std)",
  finalPsnr: "PSNR after the last round (dB)",
  drift: "|PSNR change| over the last round (dB)",
  codebookEntropyNats: "codebook entropy (nats)",
  fdNsfwjs: NSFWJS_MIXED5_METRIC,
  perceptualNsfwjs: NSFWJS_PERCEPTUAL_METRIC,
  medianMs: "median time (ms)",
  outOfMemory: "out of memory (1 = yes)",
};

/**
 * Returns the display label of a metric: the config's label, else a default
 * label for the executors' keys, else the key. An SSIM key gets its window
 * appended unless the label already names it.
 */
function metricLabel(config: ExperimentConfig, metric: string): string {
  const window = SSIM_WINDOWS[metric];
  const label = config.report.metrics.find((m) => m.key === metric)?.label ??
    (window ? "SSIM" : DEFAULT_METRIC_LABELS[metric] ?? metric);
  return window && !label.includes(window) ? `${label} (${window})` : label;
}

/** Aggregates one metric over the seeds of each run label. */
function measurementsByLabel(
  done: readonly RunResult[],
  metric: string,
  factor: number,
): Map<string, Measurement> {
  const values = new Map<string, number[]>();
  for (const record of done) {
    const value = record.metrics[metric];
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    values.set(record.label, [...(values.get(record.label) ?? []), value * factor]);
  }
  return new Map([...values].map(([label, list]) => [label, measure(list)]));
}

function buildFigure(
  config: ExperimentConfig,
  spec: FigureSpec,
  done: readonly RunResult[],
  scale: Scale,
): Figure | null {
  const factor = displayScale(config, spec.metric);
  const byLabel = measurementsByLabel(done, spec.metric, factor);
  // Paths read from the first record of each label: its config is shared by all seeds.
  const firstRecord = new Map<string, RunResult>();
  for (const record of done) {
    if (!firstRecord.has(record.label)) firstRecord.set(record.label, record);
  }
  const labels = config.runs.map((r) => r.label);
  const traces: PlotlyTrace[] = [];

  if (spec.kind === "bar") {
    const present = labels.filter((l) => byLabel.has(l));
    if (present.length > 0) {
      traces.push({
        type: "bar",
        name: "ours",
        x: present,
        y: present.map((l) => byLabel.get(l)!.mean),
        error_y: { type: "data", array: present.map((l) => byLabel.get(l)!.std), visible: true },
      });
    }
  } else if (spec.kind === "line") {
    const groups = new Map<string, { x: number; y: number; std: number; label: string }[]>();
    for (const label of labels) {
      const m = byLabel.get(label);
      if (!m) continue;
      const record = firstRecord.get(label);
      const group = spec.group ? String(recordValue(record, spec.group)) : "ours";
      const x = Number(recordValue(record, spec.x!));
      if (!Number.isFinite(x)) continue;
      groups.set(group, [...(groups.get(group) ?? []), { x, y: m.mean, std: m.std, label }]);
    }
    for (const [name, points] of groups) {
      points.sort((a, b) => a.x - b.x);
      traces.push({
        type: "scatter",
        mode: "lines+markers",
        name,
        x: points.map((p) => p.x),
        y: points.map((p) => p.y),
        text: points.map((p) => p.label),
        error_y: {
          type: "data",
          array: points.map((p) => p.std),
          visible: points.some((p) => p.std > 0),
        },
      });
    }
  } else if (spec.kind === "heatmap") {
    const cells = labels.filter((l) => byLabel.has(l)).map((l) => ({
      x: String(recordValue(firstRecord.get(l), spec.x!)),
      y: String(recordValue(firstRecord.get(l), spec.y!)),
      z: byLabel.get(l)!.mean,
    }));
    if (cells.length > 0) {
      const xs = [...new Set(cells.map((c) => c.x))];
      const ys = [...new Set(cells.map((c) => c.y))];
      const z = ys.map((y) => xs.map((x) => cells.find((c) => c.x === x && c.y === y)?.z ?? null));
      traces.push({
        type: "heatmap",
        x: xs,
        y: ys,
        z,
        colorbar: { title: { text: metricLabel(config, spec.metric) } },
      });
    }
  } else {
    for (const label of labels) {
      const series = done.filter((d) => d.label === label && Array.isArray(d.series?.[spec.metric]))
        .map((d) => d.series![spec.metric]);
      if (series.length === 0) continue;
      const length = Math.min(...series.map((s) => s.length));
      const mean = Array.from(
        { length },
        (_, i) => series.reduce((a, s) => a + s[i], 0) / series.length,
      );
      traces.push({
        type: "scatter",
        mode: "lines+markers",
        name: label,
        x: Array.from({ length }, (_, i) => i + 1),
        y: mean,
      });
    }
  }
  if (traces.length === 0) return null;

  const points = (spec.paperPoints ?? []).map((p) => ({ ...p, value: paperValue(p.paper) }))
    .filter((p) => p.value.value !== null);
  if (points.length > 0) {
    traces.push({
      type: "scatter",
      mode: "markers+text",
      name: "arXiv 2508.05599",
      x: points.map((p) => p.x),
      y: points.map((p) => p.value.value),
      text: points.map((p) => `${p.name}${p.value.approximate ? " (read from figure)" : ""}`),
      textposition: "top center",
      marker: { symbol: "diamond", size: 10 },
    });
  }
  // On a log axis Plotly labels minor ticks (2, 5, 20, ...) that crowd the few
  // data points, so a log x axis of a line figure gets ticks at the data's x values.
  const xTicks = spec.kind === "line" && spec.xType === "log"
    ? [...new Set(traces.flatMap((t) => (t.x as unknown[]).filter((x) => typeof x === "number")))]
      .sort((a, b) => (a as number) - (b as number)) as number[]
    : undefined;
  return {
    id: `${config.name}-${spec.id}`,
    title: `${spec.title} (scale ${scale})`,
    x: { title: spec.xTitle, type: spec.xType, ...(xTicks ? { tickValues: xTicks } : {}) },
    y: { title: spec.yTitle, type: spec.yType },
    traces,
    ...(spec.caption ? { caption: spec.caption } : {}),
  };
}

/**
 * Renders a report as a Markdown page: title, description, tables, notes and
 * links to the figures (expected next to the page, in `figureDir`).
 */
export function reportMarkdown(
  report: ExperimentReport,
  description: string,
  figureDir: string,
): string {
  const parts = [`# ${report.title}`, "", description, ""];
  for (const table of report.tables) parts.push(renderMarkdown(table));
  if (report.figures.length > 0) {
    parts.push("### Figures", "");
    for (const figure of report.figures) {
      parts.push(
        `- [${figure.title}](${figureDir}/${figure.id}.html) ([PNG](${figureDir}/${figure.id}.png), [data](${figureDir}/${figure.id}.json))`,
      );
    }
    parts.push("");
  }
  parts.push("### Notes", "", ...report.notes.map((n) => `- ${n}`), "");
  return parts.join("\n");
}

/** Renders a report's tables as LaTeX `table` environments (needs booktabs). */
export function reportLatex(report: ExperimentReport): string {
  return [
    `% ${report.title} (scale ${report.scale}), generated by bin/reproduce.ts`,
    ...report.tables.map(renderLatex),
  ]
    .join("\n");
}
