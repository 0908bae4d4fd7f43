/** Reconstruction metrics: PSNR, SSIM, Frechet distance, codebook usage, feature extractors. */
export * from "./uint8.ts";
export * from "./psnr.ts";
export * from "./tensor_psnr.ts";
export * from "./ssim.ts";
export * from "./frechet.ts";
export * from "./symmetric_eigen.ts";
export * from "./usage.ts";
export * from "./features/mod.ts";
