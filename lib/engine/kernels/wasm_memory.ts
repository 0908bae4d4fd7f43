/**
 * Access to tensor memory on the wasm backend, for kernels written in
 * JavaScript that copy rows directly between tensors.
 *
 * Relies on two members of `BackendWasm` in `@tensorflow/tfjs-backend-wasm`
 * 4.22: `makeOutput(shape, dtype)` allocates a tensor on the wasm heap, and
 * `typedArrayFromHeap(info)` returns a view (not a copy) of its memory.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Typed array view over one tensor's memory on the wasm heap. */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The members of the wasm backend that the JavaScript kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): HeapArray;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** Kernel arguments as TensorFlow.js passes them to a kernel function. */
export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Returns the backend of a kernel call as the wasm backend, or throws naming the backend found. */
export function asWasmBackend(backend: unknown): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | null;
  if (!b || typeof b.makeOutput !== "function" || typeof b.typedArrayFromHeap !== "function") {
    throw new Error(
      "project wasm kernel called on a backend without wasm heap access; " +
        "register these kernels for the wasm backend only",
    );
  }
  return b as WasmBackendLike;
}

/**
 * Wraps a kernel output (`TensorInfo`) in a tracked `Tensor`, so that it can be
 * used with ops and disposed by `tf.tidy`. Each fresh output must be wrapped once.
 */
export function toTensor<R extends tf.Rank = tf.Rank>(info: tf.TensorInfo): tf.Tensor<R> {
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

/** Returns the number of elements of a shape. */
export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
