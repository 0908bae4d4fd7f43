/**
 * The one place where weights convert between PyTorch's layout and the
 * TensorFlow.js layout used in this project.
 *
 * - Conv kernels: PyTorch stores `[out, in, kh, kw]` (OIHW), TensorFlow.js
 *   `[kh, kw, in, out]` (HWIO).
 * - Linear weights: PyTorch stores `[out, in]`, this project `[in, out]` so a
 *   layer computes `x @ W + b`.
 * - Everything else (biases, norm scales, running statistics) is the same in both.
 */

/** A flat float32 tensor with its shape, in row-major order. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Layout of a weight tensor in a file or a state dict. */
export type WeightLayout = "tfjs" | "torch";

/**
 * Converts a tensor from PyTorch layout (OIHW kernels, `[out, in]` linear
 * weights) to this project's layout (HWIO, `[in, out]`). Tensors of rank 0 or
 * 1 come back unchanged (the same object).
 *
 * @throws RangeError for ranks other than 0, 1, 2 and 4.
 */
export function fromTorchLayout(tensor: HostTensor): HostTensor {
  return convertLayout(tensor, [2, 3, 1, 0], "from");
}

/**
 * Converts a tensor from this project's layout (HWIO, `[in, out]`) to PyTorch
 * layout (OIHW, `[out, in]`), the inverse of {@link fromTorchLayout}.
 *
 * @throws RangeError for ranks other than 0, 1, 2 and 4.
 */
export function toTorchLayout(tensor: HostTensor): HostTensor {
  return convertLayout(tensor, [3, 2, 0, 1], "to");
}

/**
 * Transposes a linear weight, or permutes a conv kernel's axes by
 * `kernelPermutation`; ranks 0 and 1 come back unchanged (the same object).
 */
function convertLayout(
  tensor: HostTensor,
  kernelPermutation: [number, number, number, number],
  direction: "from" | "to",
): HostTensor {
  const { shape, data } = tensor;
  switch (shape.length) {
    case 0:
    case 1:
      return tensor;
    case 2:
      return { shape: [shape[1], shape[0]], data: transpose2d(data, shape[0], shape[1]) };
    case 4:
      return {
        shape: kernelPermutation.map((axis) => shape[axis]),
        data: permute4d(data, shape, kernelPermutation),
      };
    default:
      throw new RangeError(
        `cannot convert a rank-${shape.length} tensor of shape [${shape}] ${direction} PyTorch ` +
          "layout: expected rank 0, 1, 2 (linear) or 4 (conv)",
      );
  }
}

/** Transposes a row-major `[rows, cols]` matrix. */
function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/** Permutes a row-major rank-4 array: output axis `k` is input axis `perm[k]`. */
function permute4d(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((axis) => shape[axis]);
  const inStrides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const stride = perm.map((axis) => inStrides[axis]);
  const out = new Float32Array(data.length);
  let k = 0;
  for (let a = 0; a < outShape[0]; a++) {
    for (let b = 0; b < outShape[1]; b++) {
      for (let c = 0; c < outShape[2]; c++) {
        const base = a * stride[0] + b * stride[1] + c * stride[2];
        for (let d = 0; d < outShape[3]; d++) out[k++] = data[base + d * stride[3]];
      }
    }
  }
  return out;
}
