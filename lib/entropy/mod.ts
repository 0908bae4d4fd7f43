/**
 * Entropy estimators of the lookup-free quantizer regulariser (WeTok, arXiv
 * 2508.05599): per-sample entropy, exact codebook entropy, the group-wise sum
 * and pooled estimators, the bitwise (BSQ) estimator, and float64 references.
 * All entropies are in nats.
 */
export * from "./bit_logits.ts";
export * from "./binary_entropy.ts";
export * from "./per_sample_entropy.ts";
export * from "./bitwise_entropy.ts";
export * from "./exact_codebook_entropy.ts";
export * from "./group_entropy.ts";
export * from "./entropy_loss.ts";
export * as reference from "./reference.ts";
