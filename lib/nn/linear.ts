/** Fully connected layer, as PyTorch's `nn.Linear`, with the weight stored as `[in, out]`. */
import { type Rng, tf } from "../engine/mod.ts";
import { torchDefaultUniform } from "./init.ts";
import type { ParameterStore } from "./parameter_store.ts";

/**
 * Linear map `y = x W + b` registering `<prefix>.weight` (`[in, out]`, the
 * transpose of PyTorch's `[out, in]`) and `<prefix>.bias` (`[out]`).
 */
export class Linear {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  /** Draws PyTorch's default initialisation `U(-1/sqrt(in), 1/sqrt(in))` for weight and bias. */
  constructor(
    store: ParameterStore,
    prefix: string,
    inFeatures: number,
    outFeatures: number,
    rng: Rng,
  ) {
    const weight = torchDefaultUniform(rng, [inFeatures, outFeatures], inFeatures);
    this.weight = store.add(`${prefix}.weight`, weight);
    weight.dispose();
    const bias = torchDefaultUniform(rng, [outFeatures], inFeatures);
    this.bias = store.add(`${prefix}.bias`, bias);
    bias.dispose();
  }

  /** Maps `[B, in]` to `[B, out]`. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(x, this.weight as tf.Tensor as tf.Tensor2D), this.bias));
  }
}
