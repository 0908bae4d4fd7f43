/** Straight-through estimator and stop-gradient, built from `tf.customGrad` (tfjs has no stop-gradient op). */
import { tf } from "../engine/mod.ts";

/**
 * Returns `quantize(x)` in the forward pass and passes the gradient of the
 * output to `x` unchanged in the backward pass, i.e.
 * `x + stopGradient(quantize(x) - x)`. Variables used inside `quantize`
 * receive no gradient through this path.
 */
export function straightThrough<T extends tf.Tensor>(x: T, quantize: (x: T) => tf.Tensor): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as T;
    return { value: quantize(input), gradFunc: (dy: tf.Tensor) => [dy] };
  });
  return op(x) as T;
}

/** Returns a copy of `x` through which no gradient flows. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as T;
    return { value: tf.clone(input), gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy)] };
  });
  return op(x) as T;
}
