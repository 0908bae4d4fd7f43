/** Reporting: figures (HTML, JSON, PNG, SVG) and tables beside the values of WeTok (arXiv 2508.05599). */
export * from "./figure.ts";
export * from "./figure_render.ts";
export * from "./table.ts";
export * from "./paper_values.ts";
export * from "./verdict.ts";
export * from "./comparison.ts";
export * from "./experiment_report.ts";
