/** Central finite differences of a scalar tensor function, for gradient tests. */
import { tf } from "../../lib/engine/mod.ts";

/**
 * Returns `(f(x + h e_i) - f(x - h e_i)) / (2h)` for every element `i` of `x`.
 * The function is evaluated in float32, so `h` should be around 1e-2 to 1e-3.
 */
export function finiteDifferenceGradient(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  h: number,
): Float32Array {
  const base = x.dataSync().slice();
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    plus[i] += h;
    const minus = base.slice();
    minus[i] -= h;
    const fPlus = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fMinus = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    out[i] = (fPlus - fMinus) / (2 * h);
  }
  return out;
}
