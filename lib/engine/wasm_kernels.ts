/**
 * Kernels registered on the wasm backend for training.
 */

/** Registers the project's training kernels on the wasm backend; safe to call repeatedly. */
export function registerWasmKernels(): void {
  // TODO: register Conv2DBackpropFilter and fast replacements of the slow stock kernels.
}
