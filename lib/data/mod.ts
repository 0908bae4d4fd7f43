/** Photos and grey datasets: corpus manifest and builder, image I/O, crops, evaluation protocol, IDX readers. */
export * from "./manifest.ts";
export * from "./package_fetch.ts";
export * from "./split.ts";
export * from "./corpus_builder.ts";
export * from "./image_io.ts";
export * from "./batch.ts";
export * from "./crops.ts";
export * from "./tiles.ts";
export * from "./eval_protocol.ts";
export * from "./idx.ts";
export * from "./grey_datasets.ts";
