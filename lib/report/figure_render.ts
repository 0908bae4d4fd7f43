/**
 * Rendering of Plotly charts to PNG and SVG in Debian's headless Chromium,
 * driven by `playwright-core`.
 *
 * Chromium runs with a fresh profile in a temporary directory. Every network
 * request of the page is aborted and reported, so rendering needs no network.
 * Plotly is loaded once per call (about 2 s), and each chart then costs about
 * 0.2 s (measured with the tests of this module on a 2-core x86_64 machine).
 */
import { chromium } from "playwright-core";
import { log } from "../io/log.ts";

/** Chromium binary and time limit. */
export interface ChromiumOptions {
  /** Path of the Chromium binary (default "/usr/bin/chromium", from Debian's `chromium`). */
  chromiumPath?: string;
  /** Time limit per chart, in milliseconds (default 60,000). */
  timeoutMs?: number;
}

/** Options of {@link renderFigureImages}. */
export interface RenderOptions extends ChromiumOptions {
  /** Formats to render for every chart. */
  formats: ("png" | "svg")[];
  /** Pixel ratio of PNG images (1 gives `layout.width` x `layout.height` pixels). */
  scale: number;
  /** Called with the URL of every network request the page tried; all are aborted. */
  onBlockedRequest?: (url: string) => void;
}

/** One chart to render: an id for messages and the Plotly `{ data, layout, config }`. */
export interface RenderJob {
  id: string;
  spec: { data: unknown[]; layout: Record<string, unknown>; config: Record<string, unknown> };
}

/** Rendered images of one chart, by format. */
export type RenderedImages = { png?: Uint8Array; svg?: Uint8Array };

/** Default path of Debian's Chromium. */
export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/** Chromium flags: headless, no sandbox (root in containers), no network side traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Throws a clear error when no Chromium binary exists at `path`.
 * @throws Error naming the path and `apt-get install chromium`.
 */
export async function requireChromium(path: string): Promise<void> {
  try {
    const info = await Deno.stat(path);
    if (info.isFile) return;
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  throw new Error(
    `Chromium not found at ${path}: install it with \`apt-get install -y chromium\` ` +
      `(setup.sh does this when run as root), or pass the path of another Chromium binary`,
  );
}

/**
 * Renders every chart in `jobs` in one Chromium page and returns the images,
 * in the order of `jobs`. `plotlySource` is the text of `plotly.min.js`.
 * @throws Error when Chromium is missing, fails to start, or a chart fails or times out.
 */
export async function renderFigureImages(
  jobs: RenderJob[],
  plotlySource: string,
  options: RenderOptions,
): Promise<RenderedImages[]> {
  const executablePath = options.chromiumPath ?? DEFAULT_CHROMIUM_PATH;
  const timeoutMs = options.timeoutMs ?? 60_000;
  await requireChromium(executablePath);

  const profileDir = await Deno.makeTempDir({ prefix: "wetok-chromium-" });
  let context;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      timeout: timeoutMs,
    });
  } catch (err) {
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
    throw new Error(`failed to start Chromium at ${executablePath}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  try {
    // Abort every request: the page must need nothing from the network.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      log.warn(`figures: blocked a network request from the rendering page: ${url}`);
      options.onBlockedRequest?.(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.setDefaultTimeout(timeoutMs);
    await page.setContent("<!DOCTYPE html><html><head></head><body></body></html>");
    await page.addScriptTag({ content: plotlySource });

    const results: RenderedImages[] = [];
    for (const job of jobs) {
      const images: RenderedImages = {};
      for (const format of options.formats) {
        const dataUrl = await withTimeout(
          page.evaluate(
            ({ spec, format, scale }) => {
              const layout = spec.layout as { width: number; height: number };
              // deno-lint-ignore no-explicit-any
              return (globalThis as any).Plotly.toImage(spec, {
                format,
                width: layout.width,
                height: layout.height,
                scale,
              }) as Promise<string>;
            },
            { spec: job.spec, format, scale: options.scale },
          ),
          timeoutMs,
          `rendering figure "${job.id}" as ${format}`,
        );
        images[format] = decodeDataUrl(dataUrl, job.id);
      }
      results.push(images);
    }
    return results;
  } finally {
    await context.close().catch((err) => log.error("figures: failed to close Chromium", err));
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}

/** Decodes a `data:` URL as returned by `Plotly.toImage` (base64 PNG or URL-encoded SVG). */
function decodeDataUrl(dataUrl: string, id: string): Uint8Array {
  const comma = dataUrl.indexOf(",");
  if (!dataUrl.startsWith("data:") || comma < 0) {
    throw new Error(`rendering figure "${id}" returned no data URL: ${dataUrl.slice(0, 60)}`);
  }
  const header = dataUrl.slice(5, comma);
  const body = dataUrl.slice(comma + 1);
  if (header.endsWith(";base64")) {
    const binary = atob(body);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  return new TextEncoder().encode(decodeURIComponent(body));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
