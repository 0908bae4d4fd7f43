/**
 * Experiment configs: one JSON file per table or figure under `experiments/`,
 * listing its runs, three scales, and what the report shows.
 *
 * A run's config is resolved by deep-merging, in this order: the experiment's
 * `defaults`, the scale's `overrides`, the run's `config`, and the run's
 * `at[scale]`. Objects merge key by key, arrays and other values replace, and
 * `null` removes a key (such as an `entropyMethod` that FSQ does not use).
 * Each scale lists seeds, and every run is repeated once per seed.
 */
import { ConfigError, describe, FieldChecker, isRecord } from "./config_error.ts";
import type { ClaimSpec, FigureSpec, MetricSpec, ReportSpec, ValueSpec } from "./report_spec.ts";
import { type RunConfig, validateRunConfig } from "./run_config.ts";

/**
 * Scales of every experiment: `smoke` (minutes, CI), `cpu` (a 2-core CPU machine,
 * at most 6 hours for all experiments) and `paper` (the settings of WeTok,
 * arXiv 2508.05599, for a GPU).
 */
export const SCALES = ["smoke", "cpu", "paper"] as const;
/** A scale name. */
export type Scale = typeof SCALES[number];

/** One scale of an experiment. */
export interface ScaleSpec {
  /** Summary of this scale and its estimated wall time, in one sentence. */
  description: string;
  /** Seeds; each run is repeated once per seed. */
  seeds: number[];
  /** Partial run config merged over the defaults at this scale. */
  overrides?: Record<string, unknown>;
  /**
   * Whether results at this scale can test the published claims (default true).
   * When false, every verdict at this scale is "inconclusive".
   */
  testsClaims?: boolean;
}

/** One run of an experiment, before resolution. */
export interface RunSpec {
  /** Label shown in tables and used in file names: lower-case letters, digits, `-`, `_`, `.`. */
  label: string;
  /** Partial run config merged over the defaults and the scale's overrides. */
  config?: Record<string, unknown>;
  /** Partial run config per scale, merged last. */
  at?: Partial<Record<Scale, Record<string, unknown>>>;
  /** Scales this run belongs to (default: all). */
  scales?: Scale[];
}

/** A parsed experiment config. */
export interface ExperimentConfig {
  /** Name, equal to the file stem; results go to `results/<name>/`. */
  name: string;
  title: string;
  description: string;
  defaults: Record<string, unknown>;
  scales: Record<Scale, ScaleSpec>;
  runs: RunSpec[];
  report: ReportSpec;
}

/** A run ready to execute: label, seed, scale and the validated config. */
export interface ResolvedRun {
  experiment: string;
  label: string;
  scale: Scale;
  seed: number;
  config: RunConfig;
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
const LABEL_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

/**
 * Reads and parses an experiment config file.
 * @throws ConfigError naming the file and field; Error when the file is missing or not JSON.
 */
export async function loadExperimentConfig(path: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(`failed to read experiment config ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON in experiment config ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const config = parseExperimentConfig(value, path);
  const stem = path.replace(/^.*\//, "").replace(/\.json$/, "");
  if (stem !== config.name) {
    throw new ConfigError(
      path,
      "name",
      `"${config.name}" differs from the file name; rename one to match "${stem}"`,
    );
  }
  return config;
}

/**
 * Parses an experiment config and checks it completely: every run is resolved
 * and validated at every scale, and the report refers only to existing runs and metrics.
 * @param source File path or other name used in error messages.
 * @throws ConfigError naming the source, the field path, the value and the fix.
 */
export function parseExperimentConfig(value: unknown, source: string): ExperimentConfig {
  const check = new FieldChecker(source);
  const root = check.object(value, "(root)");
  check.keys(root, "", [
    "$comment",
    "name",
    "title",
    "description",
    "defaults",
    "scales",
    "runs",
    "report",
  ]);
  const name = check.string(root.name, "name");
  if (!NAME_PATTERN.test(name)) {
    check.fail("name", `invalid value "${name}": use lower-case letters, digits, "-" and "_"`);
  }

  const scalesValue = check.object(root.scales, "scales");
  check.keys(scalesValue, "scales", SCALES);
  const scales = {} as Record<Scale, ScaleSpec>;
  for (const scale of SCALES) {
    const field = `scales.${scale}`;
    const spec = check.object(scalesValue[scale], field);
    check.keys(spec, field, ["description", "seeds", "overrides", "testsClaims"]);
    const seeds = check.array(spec.seeds, `${field}.seeds`).map((s, i) =>
      check.integer(s, `${field}.seeds[${i}]`, 0, 2 ** 32 - 1)
    );
    if (new Set(seeds).size !== seeds.length) {
      check.fail(`${field}.seeds`, `duplicate seeds in [${seeds}]`);
    }
    scales[scale] = {
      description: check.string(spec.description, `${field}.description`),
      seeds,
      ...(spec.overrides !== undefined
        ? { overrides: check.object(spec.overrides, `${field}.overrides`) }
        : {}),
      ...(spec.testsClaims !== undefined
        ? { testsClaims: check.boolean(spec.testsClaims, `${field}.testsClaims`) }
        : {}),
    };
  }

  const runs = check.array(root.runs, "runs").map((r, i) => parseRunSpec(r, check, `runs[${i}]`));
  const labels = new Set<string>();
  runs.forEach((run, i) => {
    if (labels.has(run.label)) {
      check.fail(`runs[${i}].label`, `duplicate label "${run.label}"; labels must be unique`);
    }
    labels.add(run.label);
  });

  const config: ExperimentConfig = {
    name,
    title: check.string(root.title, "title"),
    description: check.string(root.description, "description"),
    defaults: check.object(root.defaults, "defaults"),
    scales,
    runs,
    report: parseReportSpec(root.report, check, labels),
  };
  for (const scale of SCALES) resolveRuns(config, scale, source);
  return config;
}

function parseRunSpec(value: unknown, check: FieldChecker, field: string): RunSpec {
  const run = check.object(value, field);
  check.keys(run, field, ["label", "config", "at", "scales"]);
  const label = check.string(run.label, `${field}.label`);
  if (!LABEL_PATTERN.test(label)) {
    check.fail(
      `${field}.label`,
      `invalid value "${label}": use lower-case letters, digits, "-", "_" and "."`,
    );
  }
  const spec: RunSpec = { label };
  if (run.config !== undefined) spec.config = check.object(run.config, `${field}.config`);
  if (run.at !== undefined) {
    const at = check.object(run.at, `${field}.at`);
    check.keys(at, `${field}.at`, SCALES);
    spec.at = {};
    for (const [scale, partial] of Object.entries(at)) {
      spec.at[scale as Scale] = check.object(partial, `${field}.at.${scale}`);
    }
  }
  if (run.scales !== undefined) {
    spec.scales = check.array(run.scales, `${field}.scales`).map((s, i) =>
      check.oneOf(s, `${field}.scales[${i}]`, SCALES)
    );
  }
  return spec;
}

function parseReportSpec(value: unknown, check: FieldChecker, labels: Set<string>): ReportSpec {
  const report = check.object(value, "report");
  check.keys(report, "report", ["metrics", "values", "claims", "figures", "notes"]);
  const metrics: MetricSpec[] = check.array(report.metrics, "report.metrics").map((m, i) => {
    const field = `report.metrics[${i}]`;
    const metric = check.object(m, field);
    check.keys(metric, field, ["key", "label", "better", "displayScale"]);
    const spec: MetricSpec = {
      key: check.string(metric.key, `${field}.key`),
      label: check.string(metric.label, `${field}.label`),
    };
    if (metric.better !== undefined) {
      spec.better = check.oneOf(metric.better, `${field}.better`, ["lower", "higher"] as const);
    }
    if (metric.displayScale !== undefined) {
      spec.displayScale = check.positive(metric.displayScale, `${field}.displayScale`);
    }
    return spec;
  });
  const metricKeys = metrics.map((m) => m.key);
  const requireLabel = (label: unknown, field: string) => {
    const text = check.string(label, field);
    if (!labels.has(text)) {
      check.fail(field, `no run is labelled "${text}"; expected one of ${[...labels].join(", ")}`);
    }
    return text;
  };
  const requireMetric = (key: unknown, field: string) => check.oneOf(key, field, metricKeys);

  const values: ValueSpec[] = (report.values === undefined ? [] : (report.values as unknown[])).map(
    (v, i) => {
      const field = `report.values[${i}]`;
      const row = check.object(v, field);
      check.keys(row, field, ["run", "metric", "paper", "setting"]);
      const spec: ValueSpec = {
        run: requireLabel(row.run, `${field}.run`),
        metric: requireMetric(row.metric, `${field}.metric`),
      };
      if (row.paper !== undefined) spec.paper = check.string(row.paper, `${field}.paper`);
      if (row.setting !== undefined) spec.setting = check.string(row.setting, `${field}.setting`);
      return spec;
    },
  );

  const references = { labels, requireLabel, requireMetric };
  const claims = optionalArray(report.claims).map((c, i) =>
    parseClaimSpec(c, check, `report.claims[${i}]`, references)
  );
  const figureIds = new Set<string>();
  const figures = optionalArray(report.figures).map((f, i) =>
    parseFigureSpec(f, check, `report.figures[${i}]`, references, figureIds)
  );
  const notes = report.notes === undefined
    ? undefined
    : check.array(report.notes, "report.notes").map((n, i) =>
      check.string(n, `report.notes[${i}]`)
    );
  return { metrics, values, claims, figures, ...(notes ? { notes } : {}) };
}

/** Checks of run labels and metric keys shared by the parts of a report spec. */
interface ReportReferences {
  labels: Set<string>;
  requireLabel: (label: unknown, field: string) => string;
  requireMetric: (key: unknown, field: string) => string;
}

function optionalArray(value: unknown): unknown[] {
  return value === undefined ? [] : (value as unknown[]);
}

function parseClaimSpec(
  value: unknown,
  check: FieldChecker,
  field: string,
  refs: ReportReferences,
): ClaimSpec {
  const { requireLabel, requireMetric } = refs;
  const claim = check.object(value, field);
  check.keys(claim, field, ["claim", "mapping", "untested", "criterion"]);
  const cf = `${field}.criterion`; // criterion field path
  const criterion = check.object(claim.criterion, cf);
  const kind = check.oneOf(criterion.kind, `${cf}.kind`, ["order", "best", "threshold"] as const);
  const metric = requireMetric(criterion.metric, `${cf}.metric`);
  const better = check.oneOf(criterion.better, `${cf}.better`, ["lower", "higher"] as const);
  const tolerance = criterion.tolerance;
  if (typeof tolerance !== "number" || !(tolerance >= 0)) {
    check.fail(`${cf}.tolerance`, `invalid value ${describe(tolerance)}: expected a number >= 0`);
  }
  const base = { metric, better, tolerance: tolerance as number };

  let spec: ClaimSpec["criterion"];
  if (kind === "order") {
    check.keys(criterion, cf, ["kind", "metric", "better", "runs", "tolerance"]);
    const runs = check.array(criterion.runs, `${cf}.runs`).map((r, j) =>
      requireLabel(r, `${cf}.runs[${j}]`)
    );
    if (runs.length < 2) check.fail(`${cf}.runs`, "an order needs at least two runs");
    spec = { kind, ...base, runs };
  } else if (kind === "best") {
    check.keys(criterion, cf, ["kind", "metric", "better", "run", "among", "tolerance"]);
    spec = {
      kind,
      ...base,
      run: requireLabel(criterion.run, `${cf}.run`),
      among: check.array(criterion.among, `${cf}.among`).map((r, j) =>
        requireLabel(r, `${cf}.among[${j}]`)
      ),
    };
  } else {
    check.keys(criterion, cf, ["kind", "metric", "better", "run", "value", "tolerance"]);
    const threshold = criterion.value;
    if (typeof threshold !== "number" || !Number.isFinite(threshold)) {
      check.fail(`${cf}.value`, `invalid value ${describe(threshold)}: expected a finite number`);
    }
    spec = {
      kind,
      ...base,
      run: requireLabel(criterion.run, `${cf}.run`),
      value: threshold as number,
    };
  }

  return {
    claim: check.string(claim.claim, `${field}.claim`),
    ...(claim.mapping !== undefined
      ? { mapping: check.string(claim.mapping, `${field}.mapping`) }
      : {}),
    ...(claim.untested !== undefined
      ? { untested: check.string(claim.untested, `${field}.untested`) }
      : {}),
    criterion: spec,
  };
}

function parseFigureSpec(
  value: unknown,
  check: FieldChecker,
  field: string,
  refs: ReportReferences,
  figureIds: Set<string>,
): FigureSpec {
  const { requireMetric } = refs;
  const figure = check.object(value, field);
  check.keys(figure, field, [
    "id",
    "title",
    "kind",
    "metric",
    "x",
    "y",
    "group",
    "xTitle",
    "yTitle",
    "xType",
    "yType",
    "paperPoints",
    "caption",
  ]);
  const id = check.string(figure.id, `${field}.id`);
  if (!NAME_PATTERN.test(id)) {
    check.fail(`${field}.id`, `invalid value "${id}": use lower-case letters, digits, "-" and "_"`);
  }
  if (figureIds.has(id)) check.fail(`${field}.id`, `duplicate figure id "${id}"`);
  figureIds.add(id);

  const kind = check.oneOf(
    figure.kind,
    `${field}.kind`,
    ["line", "bar", "heatmap", "series"] as const,
  );
  const spec: FigureSpec = {
    id,
    title: check.string(figure.title, `${field}.title`),
    kind,
    metric: kind === "series"
      ? check.string(figure.metric, `${field}.metric`)
      : requireMetric(figure.metric, `${field}.metric`),
    xTitle: check.string(figure.xTitle, `${field}.xTitle`),
    yTitle: check.string(figure.yTitle, `${field}.yTitle`),
  };

  if (kind === "line" || kind === "heatmap") spec.x = check.string(figure.x, `${field}.x`);
  if (kind === "heatmap") spec.y = check.string(figure.y, `${field}.y`);
  if (figure.group !== undefined) spec.group = check.string(figure.group, `${field}.group`);
  for (const key of ["xType", "yType"] as const) {
    if (figure[key] !== undefined) {
      spec[key] = check.oneOf(
        figure[key],
        `${field}.${key}`,
        ["linear", "log", "category"] as const,
      );
    }
  }
  if (figure.caption !== undefined) spec.caption = check.string(figure.caption, `${field}.caption`);

  if (figure.paperPoints !== undefined) {
    spec.paperPoints = check.array(figure.paperPoints, `${field}.paperPoints`).map((p, j) => {
      const pf = `${field}.paperPoints[${j}]`;
      const point = check.object(p, pf);
      check.keys(point, pf, ["x", "paper", "name"]);
      if (typeof point.x !== "number") {
        check.fail(`${pf}.x`, `expected a number, got ${describe(point.x)}`);
      }
      return {
        x: point.x as number,
        paper: check.string(point.paper, `${pf}.paper`),
        name: check.string(point.name, `${pf}.name`),
      };
    });
  }
  return spec;
}

/**
 * Resolves every run of an experiment at one scale, one entry per run and
 * seed, with validated configs. The seed of each scale replaces `seed`.
 * @throws ConfigError naming the run, the scale and the invalid field.
 */
export function resolveRuns(
  config: ExperimentConfig,
  scale: Scale,
  source = config.name,
): ResolvedRun[] {
  const check = new FieldChecker(source);
  const spec = config.scales[scale];
  const resolved: ResolvedRun[] = [];
  config.runs.forEach((run, i) => {
    if (run.scales && !run.scales.includes(scale)) return;
    let merged = mergeDeep(config.defaults, spec.overrides ?? {});
    merged = mergeDeep(merged, run.config ?? {});
    merged = mergeDeep(merged, run.at?.[scale] ?? {});
    for (const seed of spec.seeds) {
      const runConfig = validateRunConfig(
        { ...merged, seed },
        check,
        `runs[${i}] "${run.label}" at scale ${scale}`,
      );
      resolved.push({ experiment: config.name, label: run.label, scale, seed, config: runConfig });
    }
  });
  return resolved;
}

/**
 * Deep-merges `over` into a copy of `base`: objects merge key by key, `null`
 * removes the key, and every other value replaces.
 */
export function mergeDeep(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    if (value === null) {
      delete result[key];
    } else if (isRecord(current) && isRecord(value)) {
      result[key] = mergeDeep(current, value);
    } else {
      result[key] = structuredClone(value);
    }
  }
  return result;
}

/** Parses a scale name from the command line. */
export function parseScale(value: string): Scale {
  if ((SCALES as readonly string[]).includes(value)) return value as Scale;
  throw new Error(`invalid scale "${value}": expected one of ${SCALES.join(", ")} (set --scale)`);
}
