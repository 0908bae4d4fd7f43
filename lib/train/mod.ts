/**
 * Two-stage training of the WeTok tokenizer (arXiv 2508.05599): Adam, weight
 * EMA, learning-rate schedules, configs, checkpoints, the trainer and its
 * adapters to the project's networks, quantizers, losses and data.
 */
export * from "./adam.ts";
export * from "./ema.ts";
export * from "./schedule.ts";
export * from "./config.ts";
export * from "./model.ts";
export * from "./checkpoint.ts";
export * from "./metrics_log.ts";
export * from "./objectives.ts";
export * from "./trainer.ts";
export * from "./wetok_networks.ts";
export * from "./wetok_losses.ts";
export * from "./image_crops.ts";
export * from "./build.ts";
export * from "./reconstruction_psnr.ts";
