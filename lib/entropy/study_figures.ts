/**
 * Figure descriptions of the entropy approximation-error study, built from
 * the sweep records. They are plain Plotly data with the fields that the
 * figure writer of `lib/report` expects (id, title, axis titles, traces), so
 * this folder does not import the reporting layer.
 */
import type { CostRecords } from "./study_cost.ts";
import type {
  CostVsBitsSweep,
  ErrorVsCorrelationSweep,
  ErrorVsGroupsSweep,
  ErrorVsTemperatureSweep,
  EstimatorScatterSweep,
  NonNestedSearchSweep,
} from "./study_config.ts";
import type { MeasurementRecord, SearchRecords } from "./study_sweeps.ts";
import { describeSource } from "./latent_sources.ts";

/** A figure as the figure writer of `lib/report` takes it. */
export interface StudyFigure {
  id: string;
  title: string;
  x: { title: string; type?: "linear" | "log" | "category" };
  y: { title: string; type?: "linear" | "log" | "category" };
  traces: Record<string, unknown>[];
  layout?: Record<string, unknown>;
  width?: number;
  height?: number;
  caption?: string;
}

const ERROR_AXIS = "approximation error: estimate - exact H(pbar) (nats)";

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function line(name: string, x: number[], y: number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: "scatter", mode: "lines+markers", name, x, y, ...extra };
}

/** Legend below the chart, so long titles and legends do not overlap the data. */
const LEGEND_BELOW = { legend: { orientation: "h", yanchor: "top", y: -0.25 } };

/** Layout of a log-scale vertical axis with one tick per decade. */
function logAxisLayout(title: string): Record<string, unknown> {
  return { ...LEGEND_BELOW, yaxis: { type: "log", dtick: 1, title: { text: title }, automargin: true } };
}

/** Builds one figure per source and temperature: error against g, one line per d. */
export function errorVsGroupsFigures(config: ErrorVsGroupsSweep, records: MeasurementRecord[]): StudyFigure[] {
  const figures: StudyFigure[] = [];
  for (const source of config.sources) {
    const label = describeSource(source);
    for (const temperature of config.temperatures) {
      const rows = records.filter((r) => r.source === label && r.temperature === temperature);
      figures.push({
        id: `${config.id}-${slug(source.kind)}-tau-${slug(String(temperature))}`,
        title: `Per-group sum error against group count g<br><sub>${label}, tau=${temperature}, ` +
          `N=${config.tokens} tokens, consecutive groups of d/g bits (g=d is bitwise, BSQ)` +
          (source.kind === "factorial" ? "<br>zero-error control: pbar is an exact product, the values are float64 rounding" : "") +
          `</sub>`,
        x: { title: "group count g (log scale)", type: "log" },
        y: { title: ERROR_AXIS },
        traces: rows.map((r) =>
          line(`d=${r.bits}`, r.groupings.map((g) => g.groupCount), r.groupings.map((g) => g.error))
        ),
        layout: {
          ...LEGEND_BELOW,
          xaxis: { type: "log", dtick: Math.log10(2), title: { text: "group count g (log scale)" }, automargin: true },
        },
        height: 600,
        caption: `Exact H(pbar) in nats: ${rows.map((r) => `d=${r.bits}: ${r.exactEntropy.toFixed(3)}`).join(", ")}.`,
      });
    }
  }
  return figures;
}

/** Builds one figure per block size: error against the correlation, one line per g. */
export function errorVsCorrelationFigures(
  config: ErrorVsCorrelationSweep,
  records: (MeasurementRecord & { correlation: number; blockSize: number })[],
): StudyFigure[] {
  return config.blockSizes.map((blockSize) => {
    const rows = records.filter((r) => r.blockSize === blockSize);
    const blocks = blockSize === config.bits ? "all bits in one block" : `blocks of ${blockSize} consecutive bits`;
    return {
      id: `${config.id}-block-${blockSize}`,
      title: `Per-group sum error against latent correlation rho<br><sub>d=${config.bits}, ${blocks}, ` +
        `tau=${config.temperature}, N=${config.tokens} tokens, Gaussian latents</sub>`,
      x: { title: "correlation rho between latent entries of one block" },
      y: { title: ERROR_AXIS },
      traces: config.groupCounts.map((g) =>
        line(
          g === config.bits ? `g=${g} (bitwise)` : `g=${g}, ${config.bits / g}-bit groups`,
          rows.map((r) => r.correlation),
          rows.map((r) => r.groupings.find((x) => x.groupCount === g)!.error),
        )
      ),
      layout: LEGEND_BELOW,
      height: 600,
    };
  });
}

/** Builds two figures: the error against tau, and the entropies themselves against tau. */
export function errorVsTemperatureFigures(config: ErrorVsTemperatureSweep, records: MeasurementRecord[]): StudyFigure[] {
  const taus = records.map((r) => r.temperature);
  const label = describeSource(config.source);
  const subtitle = `<sub>d=${config.bits}, ${label}, N=${config.tokens} tokens</sub>`;
  const groupName = (g: number) => (g === config.bits ? `g=${g} (bitwise)` : `g=${g}, ${config.bits / g}-bit groups`);
  const error: StudyFigure = {
    id: `${config.id}-error`,
    title: `Per-group sum error against temperature tau<br>${subtitle}`,
    x: { title: "temperature tau (log scale)", type: "log" },
    y: { title: ERROR_AXIS },
    traces: config.groupCounts.map((g) =>
      line(groupName(g), taus, records.map((r) => r.groupings.find((x) => x.groupCount === g)!.error))
    ),
    layout: LEGEND_BELOW,
    height: 600,
  };
  const pooledTraces = config.groupCounts.filter((g) => g > 1 && g < config.bits).map((g) =>
    line(
      `pooled H(mean_k pbar_k), g=${g} (released code)`,
      taus,
      records.map((r) => r.pooled.find((p) => p.groupCount === g)!.estimate),
      { line: { dash: "dot" } },
    )
  );
  const values: StudyFigure = {
    id: `${config.id}-values`,
    title: `Codebook entropy and its estimates against temperature tau<br>${subtitle}`,
    x: { title: "temperature tau (log scale)", type: "log" },
    y: { title: "entropy (nats)" },
    traces: [
      line("exact H(pbar)", taus, records.map((r) => r.exactEntropy), { line: { width: 4, color: "black" } }),
      ...config.groupCounts.filter((g) => g > 1).map((g) =>
        line(`per-group sum, ${groupName(g)}`, taus, records.map((r) => r.groupings.find((x) => x.groupCount === g)!.estimate))
      ),
      ...pooledTraces,
      line("per-token entropy (mean)", taus, records.map((r) => r.perSampleEntropy), { line: { dash: "dash" } }),
    ],
    layout: LEGEND_BELOW,
    height: 700,
  };
  return [error, values];
}

/** Builds the scatter of every estimator against the exact entropy, with the diagonal. */
export function estimatorScatterFigures(config: EstimatorScatterSweep, records: MeasurementRecord[]): StudyFigure[] {
  const exact = records.map((r) => r.exactEntropy);
  const hover = records.map((r) => `${r.source}, tau=${r.temperature}`);
  // Colour encodes the group count g and the marker the estimator.
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  const colour = (g: number) => palette[config.groupCounts.filter((x) => x > 1).indexOf(g) % palette.length];
  const points = (name: string, y: number[], symbol: string, g: number) => ({
    type: "scatter",
    mode: "markers",
    name,
    x: exact,
    y,
    text: hover,
    marker: { symbol, size: 6, opacity: 0.7, color: colour(g) },
  });
  const traces: Record<string, unknown>[] = [];
  for (const g of config.groupCounts) {
    if (g === 1) continue;
    const name = g === config.bits ? `per-group sum g=${g} (bitwise, BSQ)` : `per-group sum g=${g} (GQ)`;
    traces.push(points(name, records.map((r) => r.groupings.find((x) => x.groupCount === g)!.estimate), "circle", g));
  }
  // Pooling 1-bit groups (g = d) collapses every bit into one binary variable, so it is left out.
  for (const g of config.groupCounts) {
    if (g === 1 || g === config.bits) continue;
    const scaled = records.map((r) => r.pooled.find((p) => p.groupCount === g)!.scaledEstimate);
    const raw = records.map((r) => r.pooled.find((p) => p.groupCount === g)!.estimate);
    traces.push(points(`pooled x g, g=${g}`, scaled, "triangle-up", g));
    traces.push(points(`pooled raw, g=${g} (released code)`, raw, "x", g));
  }
  const max = Math.max(...exact, ...traces.flatMap((t) => t.y as number[]));
  traces.push({ type: "scatter", mode: "lines", name: "estimate = exact", x: [0, max], y: [0, max], line: { color: "gray", dash: "dash" } });
  const sources = config.sources.map(describeSource).join("; ");
  return [{
    id: config.id,
    title: `Estimated against exact codebook entropy<br><sub>d=${config.bits}, N=${config.tokens} tokens, ` +
      `tau in {${config.temperatures.join(", ")}}, ${records.length} latent sets</sub>`,
    x: { title: "exact codebook entropy H(pbar) (nats)" },
    y: { title: "estimated codebook entropy (nats)" },
    traces,
    layout: LEGEND_BELOW,
    width: 900,
    height: 800,
    caption: `Latent sources: ${sources}. ${config.draws} draws per source and temperature.`,
  }];
}

/** Builds two figures, time and peak memory against d, with one line per estimator. */
export function costFigures(config: CostVsBitsSweep, cost: CostRecords): StudyFigure[] {
  const names = [...new Set(cost.records.map((r) => r.estimator))];
  const label = (name: string) => {
    switch (name) {
      case "exact":
        return "exact H(pbar), tfjs (LFQ)";
      case "group-sum":
        return `per-group sum, ${config.groupBits}-bit groups, tfjs (GQ)`;
      case "group-pooled":
        return `pooled, ${config.groupBits}-bit groups, tfjs (released GQ code)`;
      case "bitwise":
        return "bitwise, tfjs (BSQ)";
      default:
        return "exact H(pbar), float64 study enumeration (value only)";
    }
  };
  const subtitle = `<sub>N=${config.tokens} tokens, value and gradient, backend ${cost.backend}, ` +
    `fastest of ${config.repeats} run(s) on a shared machine</sub>`;
  const time: StudyFigure = {
    id: `${config.id}-time`,
    title: `Wall time of the codebook-entropy estimators against d<br>${subtitle}`,
    x: { title: "codebook bits d" },
    y: { title: "wall time (s, log scale)", type: "log" },
    traces: names.map((name) => {
      const rows = cost.records.filter((r) => r.estimator === name && r.seconds !== null);
      return line(label(name), rows.map((r) => r.bits), rows.map((r) => r.seconds!));
    }),
    layout: logAxisLayout("wall time (s, log scale)"),
    height: 650,
    caption: "Timed on a 2-core machine shared with other jobs, so times below about 0.1 s are noisy.",
  };
  const tensorNames = names.filter((n) => n !== "float64-study");
  const memory: StudyFigure = {
    id: `${config.id}-memory`,
    title: `Peak tensor memory of the codebook-entropy estimators against d<br>${subtitle}`,
    x: { title: "codebook bits d" },
    y: { title: "peak memory (MiB, log scale)", type: "log" },
    traces: [
      ...tensorNames.map((name) => {
        const rows = cost.records.filter((r) => r.estimator === name && r.peakBytes !== null);
        return line(`${label(name)}, measured`, rows.map((r) => r.bits), rows.map((r) => r.peakBytes! / 2 ** 20));
      }),
      ...["exact", "group-sum"].map((name) => {
        const rows = cost.records.filter((r) => r.estimator === name);
        return line(
          `dense [N, 2^(d/g)] table + gradient, ${name === "exact" ? "g=1" : `${config.groupBits}-bit groups`} (estimate)`,
          rows.map((r) => r.bits),
          rows.map((r) => r.denseBytes / 2 ** 20),
          { line: { dash: "dot" } },
        );
      }),
    ],
    layout: logAxisLayout("peak memory (MiB, log scale)"),
    height: 700,
  };
  return [time, memory];
}

/** Builds the scatter of the two configured groupings' errors over every trial. */
export function nonNestedFigures(config: NonNestedSearchSweep, search: SearchRecords): StudyFigure[] {
  const [coarse, fine] = search.pairLabels;
  const labels = [...new Set(search.records.map((r) => `${r.source}, tau=${r.temperature}`))];
  const traces: Record<string, unknown>[] = labels.map((name) => {
    const rows = search.records.filter((r) => `${r.source}, tau=${r.temperature}` === name);
    return {
      type: "scatter",
      mode: "markers",
      name,
      x: rows.map((r) => r.pairErrors[0]),
      y: rows.map((r) => r.pairErrors[1]),
      marker: { size: 6, opacity: 0.7 },
    };
  });
  const max = Math.max(...search.records.flatMap((r) => r.pairErrors));
  traces.push({
    type: "scatter",
    mode: "lines",
    name: "equal error (below: more groups, less error)",
    x: [0, max],
    y: [0, max],
    line: { color: "gray", dash: "dash" },
  });
  return [{
    id: config.id,
    title: `Non-nested groupings at d=${config.bits}: ${coarse} against ${fine}<br><sub>` +
      `N=${config.tokens} tokens, ${search.records.length} latent sets; points below the diagonal ` +
      `have less error with more groups</sub>`,
    x: { title: `error of ${coarse} (${config.pair[0].length} groups, nats)` },
    y: { title: `error of ${fine} (${config.pair[1].length} groups, nats)` },
    traces,
    layout: LEGEND_BELOW,
    width: 800,
    height: 800,
  }];
}
