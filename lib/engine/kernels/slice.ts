/**
 * `Slice` for the wasm backend. The stock kernel of tfjs-backend-wasm 4.22
 * copies the whole input out of the wasm heap before slicing and copies one
 * innermost row at a time; this one reads the heap in place and copies the
 * longest contiguous rows the slice allows.
 */
import * as tf from "@tensorflow/tfjs-core";
import { copyBox } from "./copy_box.ts";
import { asWasmBackend, type KernelArgs, sizeOfShape } from "./wasm_memory.ts";

/** Returns the `Slice` kernel; `stock` handles string tensors. */
export function sliceKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs } = args as unknown as KernelArgs;
      const x = inputs.x;
      if (x.dtype === "string") return stock.kernelFunc(args);
      const { begin, size } = attrs as unknown as tf.SliceAttrs;
      const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.TensorInfo, begin, size);
      return sliceTensorInfo(args.backend, x, begin_, size_);
    },
  };
}

/** Copies the box `[begin, begin + size)` of `x` into a new wasm tensor. */
export function sliceTensorInfo(
  backend: unknown,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  const wasm = asWasmBackend(backend);
  const out = wasm.makeOutput(size, x.dtype);
  if (sizeOfShape(size) === 0) return out;
  // Views are taken after the allocation, which may grow and detach the heap.
  copyBox(wasm.typedArrayFromHeap(x), x.shape, begin, size, wasm.typedArrayFromHeap(out));
  return out;
}
