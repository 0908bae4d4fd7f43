/** Training losses of the WeTok tokenizer (arXiv 2508.05599) and their default weights. */
export * from "./loss_defaults.ts";
export * from "./reconstruction_loss.ts";
export * from "./perceptual_loss.ts";
export * from "./vgg16_features.ts";
export * from "./generator_loss.ts";
export * from "./hinge_loss.ts";
export * from "./lecam.ts";
export * from "./discriminator_loss.ts";
export * from "./adaptive_weight.ts";
