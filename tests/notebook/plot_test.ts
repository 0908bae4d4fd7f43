import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { decodeImage } from "../../lib/data/image_io.ts";
import { type Figure, plotlySpec } from "../../lib/report/mod.ts";
import { mimeBundleOf, showFigure, showFigures } from "../../lib/notebook/mod.ts";

const figure: Figure = {
  id: "test-line",
  title: "Entropy against bits",
  x: { title: "bits d" },
  y: { title: "entropy (nats)" },
  traces: [{ type: "scatter", x: [1, 2, 3], y: [0.5, 1, 2], name: "exact" }],
  width: 320,
  height: 240,
};

const hasChromium = await Deno.stat("/usr/bin/chromium").then(() => true, () => false);
if (!hasChromium) console.log("PNG rendering test skipped: /usr/bin/chromium is not installed");

Deno.test("showFigure without Chromium omits PNG", async () => {
  const bundle = mimeBundleOf(await showFigure(figure, { chromiumPath: "/nonexistent/chromium" }));
  assertEquals(bundle["image/png"], undefined);
  assertEquals(bundle["application/vnd.plotly.v1+json"], plotlySpec(figure));
  assertStringIncludes(
    bundle["text/plain"] as string,
    "Chromium not found at /nonexistent/chromium",
  );
  assertStringIncludes(bundle["text/plain"] as string, "traces: exact");
  assertStringIncludes(bundle["text/html"] as string, "window.Plotly.newPlot");
});

Deno.test("showFigure with png false skips rendering", async () => {
  const bundle = mimeBundleOf(await showFigure(figure, { png: false }));
  assertEquals(bundle["image/png"], undefined);
  assertEquals(
    bundle["text/plain"],
    'figure "Entropy against bits": entropy (nats) against bits d; traces: exact',
  );
});

Deno.test({
  name: "showFigures renders PNG fallbacks",
  ignore: !hasChromium,
  fn: async () => {
    const second: Figure = { ...figure, id: "test-bar", width: 200, height: 100 };
    const bundles = (await showFigures([figure, second])).map(mimeBundleOf);
    assertEquals(bundles.length, 2);
    const sizes = [];
    for (const bundle of bundles) {
      const bytes = Uint8Array.from(atob(bundle["image/png"] as string), (c) => c.charCodeAt(0));
      const png = await decodeImage(bytes);
      sizes.push([png.width, png.height]);
      assertStringIncludes(bundle["text/html"] as string, bundle["image/png"] as string);
    }
    assertEquals(sizes, [[320, 240], [200, 100]]);
    const ids = bundles.map((bundle) => (bundle["text/html"] as string).match(/id="([^"]+)"/)?.[1]);
    assert(ids[0] !== ids[1], "each figure needs its own element id");
  },
});
