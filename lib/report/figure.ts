/**
 * Figures as plain data, written as self-contained HTML, the JSON behind them,
 * and PNG or SVG images rendered by Plotly in a headless Chromium.
 *
 * A figure is a Plotly chart description (traces and layout) plus an id, a
 * title and two mandatory axis titles. {@link writeFigures} writes, for each
 * figure, `<id>.html` (Plotly inlined, so it opens offline), `<id>.json` (the
 * figure object, with every number it plots) and the requested images.
 */
import { join } from "node:path";
import { atomicWrite, atomicWriteJson } from "../io/atomic_write.ts";
import { log } from "../io/log.ts";
import { type ChromiumOptions, renderFigureImages } from "./figure_render.ts";

/** One Plotly trace, such as `{ type: "scatter", x: [...], y: [...], name: "GQ" }`. */
export type PlotlyTrace = Record<string, unknown>;

/** One axis of a figure. */
export interface FigureAxis {
  /** Axis title with its unit, such as "codebook bits d" or "peak memory (MiB)". */
  title: string;
  /** Plotly axis type (default "linear"). */
  type?: "linear" | "log" | "category";
  /** Values that get a tick and label (Plotly `tickvals`); default: Plotly's own ticks. */
  tickValues?: number[];
}

/** A figure: the data and the chart description, with no rendering state. */
export interface Figure {
  /** File stem of the outputs: lower-case letters, digits, `-` and `_`. */
  id: string;
  /** Title shown above the chart. */
  title: string;
  /** Horizontal axis. */
  x: FigureAxis;
  /** Vertical axis. */
  y: FigureAxis;
  /** Plotly traces. */
  traces: PlotlyTrace[];
  /** Extra Plotly layout keys, merged over the layout built from the fields above. */
  layout?: Record<string, unknown>;
  /** Image width in CSS pixels (default 800). */
  width?: number;
  /** Image height in CSS pixels (default 500). */
  height?: number;
  /** Caption written under the chart in the HTML page and kept in the JSON. */
  caption?: string;
}

/** Image formats that {@link writeFigures} can render. */
export type ImageFormat = "png" | "svg";

/** Options of {@link writeFigures}. */
export interface WriteFiguresOptions extends ChromiumOptions {
  /** Images to render per figure (default `["png"]`); `[]` writes only HTML and JSON. */
  formats?: ImageFormat[];
  /** Pixel ratio of PNG images (default 1: a PNG is `width` x `height` pixels). */
  scale?: number;
  /** Called with the URL of every network request a rendering page tried; all are aborted. */
  onBlockedRequest?: (url: string) => void;
}

/** Paths written for one figure. */
export interface WrittenFigure {
  id: string;
  html: string;
  json: string;
  png?: string;
  svg?: string;
}

const DEFAULT_WIDTH = 800;
const DEFAULT_HEIGHT = 500;
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Plotly's chart options for every output: no links to Plotly's servers, no
 * logo, and no topojson base URL, so that nothing is fetched from the network.
 */
export const PLOTLY_CONFIG: Readonly<Record<string, unknown>> = {
  displaylogo: false,
  showLink: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  topojsonURL: "",
  responsive: false,
};

/**
 * Checks a figure and throws an error naming the figure and the invalid field.
 * @throws Error when the id, title, an axis title, the traces or the size are invalid.
 */
export function validateFigure(figure: Figure): void {
  const where = `figure "${figure?.id}"`;
  if (typeof figure.id !== "string" || !ID_PATTERN.test(figure.id)) {
    throw new Error(
      `${where}: invalid id; use lower-case letters, digits, "-" and "_" (it becomes a file name)`,
    );
  }
  if (typeof figure.title !== "string" || figure.title.trim() === "") {
    throw new Error(`${where}: missing title`);
  }
  for (const axis of ["x", "y"] as const) {
    const title = figure[axis]?.title;
    if (typeof title !== "string" || title.trim() === "") {
      throw new Error(`${where}: missing ${axis} axis title; give ${axis}.title with its unit`);
    }
  }
  if (!Array.isArray(figure.traces) || figure.traces.length === 0) {
    throw new Error(`${where}: no traces; give at least one Plotly trace`);
  }
  for (const key of ["width", "height"] as const) {
    const value = figure[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 50 && value <= 8000)) {
      throw new Error(`${where}: invalid ${key} ${value}; use an integer from 50 to 8000 pixels`);
    }
  }
}

/** Builds the Plotly `{ data, layout, config }` object of a figure. */
export function plotlySpec(figure: Figure): {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
} {
  // Without an explicit type Plotly infers it from the data, so category labels
  // (quantizer names on a bar chart) get a category axis instead of an empty linear one.
  const axis = (a: FigureAxis) => ({
    title: { text: a.title },
    ...(a.type ? { type: a.type } : {}),
    ...(a.tickValues ? { tickmode: "array", tickvals: a.tickValues } : {}),
    automargin: true,
  });
  const layout: Record<string, unknown> = {
    title: { text: figure.title },
    xaxis: axis(figure.x),
    yaxis: axis(figure.y),
    width: figure.width ?? DEFAULT_WIDTH,
    height: figure.height ?? DEFAULT_HEIGHT,
    font: { family: "DejaVu Sans, sans-serif", size: 13 },
    ...figure.layout,
  };
  return { data: figure.traces, layout, config: { ...PLOTLY_CONFIG } };
}

/**
 * Serialises a value as JSON that is safe inside an HTML `<script>` element:
 * `<`, `>`, `&` and the line separators U+2028/U+2029 become `\u` escapes.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * Builds the self-contained HTML page of a figure. `plotlySource` is the text
 * of `plotly.min.js`, which is inlined, so the page needs no network unless a
 * trace or the layout names a remote URL (such as a layout image).
 * The figure object itself sits in a `<script type="application/json">` element.
 */
export function figureHtml(figure: Figure, plotlySource: string): string {
  validateFigure(figure);
  const caption = figure.caption ? `<p class="caption">${escapeHtml(figure.caption)}</p>\n` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(figure.title)}</title>
<style>body { font-family: "DejaVu Sans", sans-serif; margin: 1em; } .caption { max-width: 60em; }</style>
<script>${plotlySource.replace(/<\/script/gi, "<\\/script")}</script>
</head>
<body>
<div id="figure"></div>
${caption}<script type="application/json" id="figure-data">${jsonForScript(figure)}</script>
<script id="figure-spec">const spec = ${jsonForScript(plotlySpec(figure))};
Plotly.newPlot("figure", spec.data, spec.layout, spec.config);</script>
</body>
</html>
`;
}

let plotlyCache: string | null = null;

/**
 * Reads `plotly-cartesian.min.js` of the `plotly.js-cartesian-dist-min` package
 * from Deno's npm cache (the package is in the import map of `deno.json`). The
 * cartesian bundle (scatter, bar, heatmap, histogram, box, contour) is about a
 * fifth of the full bundle, which keeps every committed HTML figure small.
 * @throws Error naming the path when the package is not installed.
 */
export async function loadPlotlySource(): Promise<string> {
  if (plotlyCache !== null) return plotlyCache;
  const url = import.meta.resolve("plotly.js-cartesian-dist-min");
  try {
    plotlyCache = await Deno.readTextFile(new URL(url));
  } catch (err) {
    throw new Error(
      `plotly.js-cartesian-dist-min not found at ${url}: run \`bash setup.sh\` (or \`deno install\`) ` +
        `to install the npm packages`,
      { cause: err },
    );
  }
  return plotlyCache;
}

/**
 * Writes each figure as `<outDir>/<id>.html`, `<id>.json` and the images in
 * `options.formats`, all through atomic writes. Images of all figures are
 * rendered in one Chromium page, so Plotly is loaded once.
 * @param outDir Output directory, created when missing.
 * @returns The paths written, in the order of `figures`.
 * @throws Error when a figure is invalid, two figures share an id, or Chromium fails.
 */
export async function writeFigures(
  outDir: string,
  figures: Figure[],
  options: WriteFiguresOptions = {},
): Promise<WrittenFigure[]> {
  const seen = new Set<string>();
  for (const figure of figures) {
    validateFigure(figure);
    if (seen.has(figure.id)) throw new Error(`duplicate figure id "${figure.id}" in ${outDir}`);
    seen.add(figure.id);
  }
  if (figures.length === 0) return [];

  const plotly = await loadPlotlySource();
  const written: WrittenFigure[] = [];
  for (const figure of figures) {
    const html = join(outDir, `${figure.id}.html`);
    const json = join(outDir, `${figure.id}.json`);
    await atomicWrite(html, figureHtml(figure, plotly));
    await atomicWriteJson(json, figure);
    written.push({ id: figure.id, html, json });
  }

  const formats = options.formats ?? ["png"];
  if (formats.length === 0) return written;
  const started = performance.now();
  log.info(`figures: rendering ${figures.length} figure(s) as ${formats.join(", ")} in ${outDir}`);
  const images = await renderFigureImages(
    figures.map((figure) => ({ id: figure.id, spec: plotlySpec(figure) })),
    plotly,
    { ...options, formats, scale: options.scale ?? 1 },
  );
  for (let i = 0; i < figures.length; i++) {
    const { id } = figures[i];
    for (const format of formats) {
      const path = join(outDir, `${id}.${format}`);
      await atomicWrite(path, images[i][format]!);
      written[i][format] = path;
    }
  }
  log.info(
    `figures: rendered ${figures.length} figure(s) in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return written;
}
