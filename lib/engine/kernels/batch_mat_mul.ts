/**
 * `BatchMatMul` for the wasm backend. The stock kernel of tfjs-backend-wasm
 * 4.22 is fast only for one matrix product without transpose flags. On a
 * 2-core AMD EPYC, a 1024^2 product took 5.2 s with `transposeA` and 0.9 s
 * with `transposeB` instead of 83 ms, and a batch of four 256^2 products ran
 * at about 2 GFLOP/s. The gradient of every `tf.matMul` uses transpose flags. This
 * kernel transposes operands explicitly, folds a shared right operand into
 * one product, and runs other batches as one product per matrix.
 */
import * as tf from "@tensorflow/tfjs-core";
import { type KernelArgs, toTensor } from "./wasm_memory.ts";

/** Returns the `BatchMatMul` kernel; `stock` computes single products without transposes. */
export function batchMatMulKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as KernelArgs;
      const a = inputs.a as tf.Tensor;
      const b = inputs.b as tf.Tensor;
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
      const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
      if (
        a.dtype !== "float32" || b.dtype !== "float32" ||
        (batchA !== batchB && batchA !== 1 && batchB !== 1)
      ) {
        // Broadcasting between two batch shapes, and other dtypes, stay with the stock kernel.
        return stock.kernelFunc(args);
      }
      if (!transposeA && !transposeB && batchA === 1 && batchB === 1) return stock.kernelFunc(args);

      const product = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D => {
        const out = stock.kernelFunc({
          inputs: { a: x, b: y },
          backend: backend as tf.KernelBackend,
          attrs: { transposeA: false, transposeB: false },
        }) as tf.TensorInfo;
        return toTensor<tf.Rank.R2>({ ...out, shape: [x.shape[0], y.shape[1]] });
      };
      return tf.tidy(() => {
        const [m, k] = matrixShape(a.shape, transposeA);
        const [, n] = matrixShape(b.shape, transposeB);
        const outShape = [
          ...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
          m,
          n,
        ];
        // Operands as [batch, rows, columns] without transpose flags.
        let a3 = tf.reshape(a, [batchA, a.shape[a.rank - 2], a.shape[a.rank - 1]]) as tf.Tensor3D;
        let b3 = tf.reshape(b, [batchB, b.shape[b.rank - 2], b.shape[b.rank - 1]]) as tf.Tensor3D;
        if (transposeA) a3 = tf.transpose(a3, [0, 2, 1]);
        if (transposeB) b3 = tf.transpose(b3, [0, 2, 1]);

        let out: tf.Tensor;
        if (batchB === 1) {
          // One product [batchA*m, k] x [k, n].
          out = product(tf.reshape(a3, [batchA * m, k]), tf.reshape(b3, [k, n]));
        } else if (batchA === 1) {
          // One product [m, k] x [k, batchB*n], then [m, batchB, n] -> [batchB, m, n].
          const right = tf.reshape(tf.transpose(b3, [1, 0, 2]), [k, batchB * n]) as tf.Tensor2D;
          const wide = product(tf.reshape(a3, [m, k]), right);
          out = tf.transpose(tf.reshape(wide, [m, batchB, n]), [1, 0, 2]);
        } else {
          const products: tf.Tensor2D[] = [];
          for (let i = 0; i < batchA; i++) {
            const ai = tf.reshape(tf.slice(a3, [i, 0, 0], [1, m, k]), [m, k]) as tf.Tensor2D;
            const bi = tf.reshape(tf.slice(b3, [i, 0, 0], [1, k, n]), [k, n]) as tf.Tensor2D;
            products.push(product(ai, bi));
          }
          out = tf.stack(products);
        }
        return tf.reshape(out, outShape);
      });
    },
  };
}

/** Returns `[rows, columns]` of the matrix that a (possibly transposed) operand stands for. */
function matrixShape(shape: number[], transposed: boolean): [number, number] {
  const r = shape[shape.length - 2];
  const c = shape[shape.length - 1];
  return transposed ? [c, r] : [r, c];
}
