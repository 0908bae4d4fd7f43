/** Frozen feature extractors for Frechet distances and perceptual distances. */
export * from "./feature_extractor.ts";
export * from "./nsfwjs_inception.ts";
export * from "./perceptual_distance.ts";
export * from "./onnx_extractor.ts";
export * from "./lpips_onnx.ts";
export * from "./onnx_builder.ts";
export type { OnnxInputRange, OnnxLayout } from "./_onnx_input.ts";
