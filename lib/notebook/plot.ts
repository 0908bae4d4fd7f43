/**
 * Plotly figures shown inline in a notebook.
 *
 * Each figure's MIME bundle carries:
 * - `application/vnd.plotly.v1+json`, the chart itself, which JupyterLab (with
 *   its Plotly extension), VS Code and nteract draw interactively;
 * - `image/png`, rendered by Plotly in headless Chromium, so executed copies
 *   and viewers without Plotly still show the chart;
 * - `text/html`, for the classic Notebook: the PNG, replaced by the interactive
 *   chart once {@link plotlyLoader} has put Plotly into the page;
 * - `text/plain`, the title, axes and trace names.
 */
import {
  type ChromiumOptions,
  DEFAULT_CHROMIUM_PATH,
  escapeHtml,
  type Figure,
  jsonForScript,
  loadPlotlySource,
  plotlySpec,
  renderFigureImages,
  validateFigure,
} from "../report/mod.ts";
import { base64, type Displayable, displayable } from "./display.ts";

/** Options of {@link showFigures}. */
export interface ShowFigureOptions extends ChromiumOptions {
  /**
   * Render the PNG fallback (default true). When Chromium is not installed, the
   * PNG is left out and the plain text states why. Any other rendering failure throws.
   */
  png?: boolean;
  /** Pixel ratio of the PNG (default 1: `width` x `height` pixels). */
  scale?: number;
}

let elementCounter = 0;

/**
 * Prepares figures for inline display, rendering all PNGs in one Chromium
 * page (Plotly loads once, about 2 s, then about 0.2 s per figure).
 * @returns One displayable per figure, in order; show several with `Deno.jupyter.display`.
 * @throws Error when a figure is invalid, or Chromium is installed but fails.
 */
export async function showFigures(
  figures: Figure[],
  options: ShowFigureOptions = {},
): Promise<Displayable[]> {
  for (const figure of figures) validateFigure(figure);
  const specs = figures.map((figure) => plotlySpec(figure));

  let pngs: (Uint8Array | undefined)[] = figures.map(() => undefined);
  let missing = "";
  const chromiumPath = options.chromiumPath ?? DEFAULT_CHROMIUM_PATH;
  if ((options.png ?? true) && figures.length > 0) {
    if (await isFile(chromiumPath)) {
      const images = await renderFigureImages(
        figures.map((figure, i) => ({ id: figure.id, spec: specs[i] })),
        await loadPlotlySource(),
        { ...options, chromiumPath, formats: ["png"], scale: options.scale ?? 1 },
      );
      pngs = images.map((image) => image.png);
    } else {
      missing =
        ` (no PNG: Chromium not found at ${chromiumPath}; install it with apt-get install chromium)`;
    }
  }
  return figures.map((figure, i) => figureDisplayable(figure, specs[i], pngs[i], missing));
}

/** Prepares one figure for inline display; see {@link showFigures}. */
export async function showFigure(
  figure: Figure,
  options: ShowFigureOptions = {},
): Promise<Displayable> {
  return (await showFigures([figure], options))[0];
}

function figureDisplayable(
  figure: Figure,
  spec: ReturnType<typeof plotlySpec>,
  png: Uint8Array | undefined,
  missing: string,
): Displayable {
  const traceNames = figure.traces.map((trace, i) => String(trace.name ?? `trace ${i + 1}`));
  const plain = `figure "${figure.title}": ${figure.y.title} against ${figure.x.title}; ` +
    `traces: ${traceNames.join(", ")}${missing}`;
  const id = `wetok-figure-${Date.now().toString(36)}-${elementCounter++}`;
  const width = spec.layout.width as number;
  const height = spec.layout.height as number;
  const fallback = png
    ? `<img src="data:image/png;base64,${base64(png)}" width="${width}" height="${height}" ` +
      `alt="${escapeHtml(figure.title)}">`
    : `<pre>${escapeHtml(plain)}</pre>`;
  // The script runs only in frontends that execute output scripts (the classic
  // Notebook, for trusted notebooks) and only draws when Plotly is loaded.
  const htmlFragment = `<div id="${id}">${fallback}</div>
<script>(function () {
  var element = document.getElementById("${id}");
  if (!element || !window.Plotly) return;
  var spec = ${jsonForScript(spec)};
  element.innerHTML = "";
  window.Plotly.newPlot(element, spec.data, spec.layout, spec.config);
})();</script>`;
  const bundle: Record<string, unknown> = {
    "application/vnd.plotly.v1+json": spec,
    "text/html": htmlFragment,
    "text/plain": plain,
  };
  if (png) bundle["image/png"] = base64(png);
  return displayable(bundle);
}

/**
 * Returns a cell output that puts Plotly into the classic Notebook's page, so
 * later figures become interactive there. It inlines the Plotly bundle of
 * `lib/report` (1.5 MB, plotly.js-cartesian-dist-min 4.1.1) into the notebook,
 * so headless runs should skip it. JupyterLab, VS Code and nteract need no loader.
 */
export async function plotlyLoader(): Promise<Displayable> {
  const source = await loadPlotlySource();
  return displayable({
    "text/html": `<script>${source.replace(/<\/script/gi, "<\\/script")}</script>` +
      `<p>Plotly loaded: figures in this page are interactive.</p>`,
    "text/plain": "Plotly loader (takes effect in the classic Notebook only)",
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
