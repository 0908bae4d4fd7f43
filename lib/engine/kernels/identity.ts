/**
 * `Identity` (the kernel behind `tf.clone`) for the wasm backend. The stock
 * kernel of tfjs-backend-wasm 4.22 copies the data, and a training step of the
 * small tokenizer config called it over 1,000 times (about 25 ms of CPU time
 * per step). This one shares the data and counts the reference, as the wasm
 * `Reshape` and the cpu backend's `Identity` do; no kernel writes into its inputs.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { KernelArgs } from "./wasm_memory.ts";

/** Returns the `Identity` kernel; `stock` handles string tensors. */
export function identityKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, backend } = args as unknown as KernelArgs;
      const x = inputs.x;
      if (x.dtype === "string") return stock.kernelFunc(args);
      (backend as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
