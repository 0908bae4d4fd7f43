/**
 * Inference with trained WeTok tokenizers (arXiv 2508.05599): loading from
 * training checkpoints or exported bundles, encoding images to per-group
 * indices, decoding, token files and bundle export.
 */
export * from "./tokenizer.ts";
export * from "./checkpoint_loader.ts";
export * from "./bundle.ts";
export * from "./bundle_readme.ts";
export * from "./token_file.ts";
