import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "@std/assert";
import sharp from "sharp";
import {
  type Figure,
  figureHtml,
  jsonForScript,
  plotlySpec,
  validateFigure,
  writeFigures,
} from "../../lib/report/figure.ts";
import { requireChromium } from "../../lib/report/figure_render.ts";

// Chromium and its pipes outlive a single test step's op bookkeeping.
const browserTest = { sanitizeOps: false, sanitizeResources: false };

function lineFigure(id: string): Figure {
  return {
    id,
    title: "Peak memory against codebook bits",
    x: { title: "codebook bits d" },
    y: { title: "peak memory (MiB)", type: "log" },
    traces: [
      { type: "scatter", mode: "lines+markers", name: "exact", x: [8, 12, 16], y: [1, 16, 256] },
      {
        type: "scatter",
        mode: "lines+markers",
        name: "group-sum <g=2>",
        x: [8, 12, 16],
        y: [0.5, 1, 2],
        line: { color: "#d62728", width: 6 },
      },
    ],
    width: 640,
    height: 400,
    caption: "Numbers & <symbols> survive escaping",
  };
}

/** Reads width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Strips the inlined Plotly bundle (the first script element) from a page. */
function withoutPlotly(html: string): string {
  const start = html.indexOf("<script>");
  const end = html.indexOf("</script>", start);
  return html.slice(0, start) + html.slice(end + "</script>".length);
}

Deno.test("writeFigures renders PNG, SVG, HTML and JSON", browserTest, async () => {
  await requireChromium("/usr/bin/chromium");
  const dir = await Deno.makeTempDir();
  const blocked: string[] = [];
  const figures = [lineFigure("memory"), { ...lineFigure("memory-wide"), width: 900, height: 300 }];
  const written = await writeFigures(dir, figures, {
    formats: ["png", "svg"],
    onBlockedRequest: (url) => blocked.push(url),
  });

  assertEquals(written.map((w) => w.id), ["memory", "memory-wide"]);
  assertEquals(blocked, []);

  // PNG: expected size, and the chart is drawn (not a blank canvas).
  const png = await Deno.readFile(`${dir}/memory.png`);
  assertEquals(pngSize(png), { width: 640, height: 400 });
  assertEquals(pngSize(await Deno.readFile(`${dir}/memory-wide.png`)), { width: 900, height: 300 });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let nonWhite = 0;
  let red = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    if (r < 250 || g < 250 || b < 250) nonWhite++;
    if (r > 180 && g < 80 && b < 80) red++;
  }
  const pixels = info.width * info.height;
  assert(nonWhite > pixels * 0.01, `only ${nonWhite} of ${pixels} pixels are not white`);
  assert(nonWhite < pixels * 0.9, `${nonWhite} of ${pixels} pixels are not white`);
  assert(red > 200, `the red trace covers only ${red} pixels`);

  // SVG: a Plotly SVG document with the axis titles.
  const svg = await Deno.readTextFile(`${dir}/memory.svg`);
  assertMatch(svg, /^<svg/);
  assert(svg.includes("codebook bits d"), "SVG lacks the x axis title");
  assert(svg.includes("peak memory (MiB)"), "SVG lacks the y axis title");

  // JSON: the figure object itself.
  assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/memory.json`)), figures[0]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFigures reports blocked network requests", browserTest, async () => {
  const dir = await Deno.makeTempDir();
  const blocked: string[] = [];
  const figure = lineFigure("with-remote-image");
  figure.layout = {
    images: [{ source: "http://127.0.0.1:9/logo.png", x: 0, y: 0, sizex: 1, sizey: 1 }],
  };
  await writeFigures(dir, [figure], { onBlockedRequest: (url) => blocked.push(url) });
  assert(blocked.includes("http://127.0.0.1:9/logo.png"), `blocked: ${blocked.join(", ")}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("plotlySpec leaves unset axis types to Plotly", () => {
  // A forced "linear" x axis drew category bars (quantizer names) as an empty plot.
  const layout = plotlySpec(lineFigure("axis-types")).layout as Record<string, { type?: string }>;
  assertEquals(layout.xaxis.type, undefined);
  assertEquals(layout.yaxis.type, "log");
});

Deno.test("plotlySpec sets tick values", () => {
  const figure = lineFigure("ticks");
  figure.x = { ...figure.x, type: "log", tickValues: [1, 4, 16] };
  const layout = plotlySpec(figure).layout as Record<string, Record<string, unknown>>;
  assertEquals(layout.xaxis.tickmode, "array");
  assertEquals(layout.xaxis.tickvals, [1, 4, 16]);
  assertEquals(layout.yaxis.tickvals, undefined);
});

Deno.test("figureHtml embeds the figure data", () => {
  const figure = lineFigure("memory");
  const html = figureHtml(figure, "/* plotly */");
  const match = html.match(/<script type="application\/json" id="figure-data">(.*?)<\/script>/s);
  assertEquals(JSON.parse(match?.[1] ?? "null"), figure);
  assert(html.includes("Numbers &amp; &lt;symbols&gt; survive escaping"), "caption not escaped");
});

Deno.test("figureHtml has no external URL", async () => {
  const figure = lineFigure("memory");
  const plotly = await Deno.readTextFile(
    new URL(import.meta.resolve("plotly.js-cartesian-dist-min")),
  );
  const html = figureHtml(figure, plotly);
  assert(html.includes(plotly.slice(0, 200)), "Plotly is not inlined");
  const rest = withoutPlotly(html);
  assertEquals(rest.match(/https?:\/\/|\/\/cdn|src=|href=/g), null);
  assertEquals(rest.match(/<script[^>]*src/g), null);
});

Deno.test("figureHtml escapes closing script tags", () => {
  const figure = lineFigure("memory");
  figure.traces[0].name = "</script><script>alert(1)</script>";
  const html = figureHtml(figure, "var s = '</script>';");
  assertEquals(html.match(/<\/script>/g)?.length, 3);
  assertEquals(JSON.parse(jsonForScript(figure)), figure);
});

Deno.test("validateFigure rejects missing axis titles", () => {
  const figure = lineFigure("memory");
  figure.y = { title: " " };
  assertThrows(() => validateFigure(figure), Error, "missing y axis title");
});

Deno.test("validateFigure rejects invalid ids and sizes", () => {
  assertThrows(() => validateFigure({ ...lineFigure("a"), id: "../up" }), Error, "invalid id");
  assertThrows(() => validateFigure({ ...lineFigure("a"), traces: [] }), Error, "no traces");
  assertThrows(() => validateFigure({ ...lineFigure("a"), width: 10 }), Error, "invalid width 10");
  assertThrows(() => validateFigure({ ...lineFigure("a"), title: "" }), Error, "missing title");
});

Deno.test("writeFigures rejects duplicate ids", async () => {
  await assertRejects(
    () => writeFigures("/nonexistent", [lineFigure("a"), lineFigure("a")], { formats: [] }),
    Error,
    `duplicate figure id "a"`,
  );
});

Deno.test("requireChromium names the install command", async () => {
  await assertRejects(
    () => requireChromium("/nonexistent/chromium"),
    Error,
    "apt-get install -y chromium",
  );
});
