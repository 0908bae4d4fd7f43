/**
 * Quantizers of NHWC latents (LFQ, GQ, BSQ, FSQ, VQ) behind one interface,
 * with exact packing of their codes into integer indices (WeTok, arXiv
 * 2508.05599, and the baselines it compares with).
 */
export * from "./quantizer.ts";
export * from "./bit_packing.ts";
export * from "./code_indices.ts";
export * from "./straight_through.ts";
export * from "./lfq.ts";
export * from "./gq.ts";
export * from "./bsq.ts";
export * from "./fsq.ts";
export * from "./vq.ts";
