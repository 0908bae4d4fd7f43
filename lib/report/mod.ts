/** Reporting: figures (HTML, JSON, PNG, SVG) and tables beside the paper's values. */
export * from "./figure.ts";
export * from "./figure_render.ts";
