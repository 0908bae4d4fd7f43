/** The tensor engine: TensorFlow.js, backend choice, seeded random source. */
export * as tf from "@tensorflow/tfjs-core";
export * from "./backend.ts";
export * from "./rng.ts";
export * from "./depth_to_space.ts";
