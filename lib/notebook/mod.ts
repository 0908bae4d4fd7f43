/**
 * Inline display for notebooks on Deno's Jupyter kernel: MIME bundles, image
 * grids, Plotly figures, and run settings. This folder sits above the rest of
 * `lib/` and may import any of it; nothing in `lib/` imports it.
 */
export * from "./display.ts";
export * from "./log_forwarding.ts";
export * from "./image.ts";
export * from "./plot.ts";
export * from "./settings.ts";
