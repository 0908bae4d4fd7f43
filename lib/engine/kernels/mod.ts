/** Replacement and missing kernels for the TensorFlow.js wasm backend, registered by `registerWasmKernels`. */
export * from "./batch_mat_mul.ts";
export * from "./col2im.ts";
export * from "./conv2d_backprop_filter.ts";
export * from "./conv2d_backprop_input.ts";
export * from "./copy_box.ts";
export * from "./depth_to_space.ts";
export * from "./identity.ts";
export * from "./merge_axes.ts";
export * from "./pad_or_crop.ts";
export * from "./reduction.ts";
export * from "./slice.ts";
export * from "./split_v.ts";
export * from "./tile.ts";
export * from "./transpose.ts";
export * from "./unsorted_segment_sum.ts";
export * from "./wasm_memory.ts";
