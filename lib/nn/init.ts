/**
 * Seeded weight initialisers matching PyTorch's defaults, so a freshly built
 * network has the same distributions as the official code (WeTok, arXiv
 * 2508.05599), though not the same numbers.
 */
import { type Rng, tf } from "../engine/mod.ts";

/**
 * Draws the default PyTorch initialisation of a conv or linear weight
 * (`kaiming_uniform_` with `a = sqrt(5)`), which reduces to
 * `U(-1/sqrt(fanIn), 1/sqrt(fanIn))`. The same bound is PyTorch's default for
 * the bias.
 *
 * @param shape tensor shape in this project's layout.
 * @param fanIn inputs per output unit: `in * kh * kw` for a conv, `in` for a linear map.
 */
export function torchDefaultUniform(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  if (!(fanIn > 0)) throw new RangeError(`fanIn must be positive, got ${fanIn}`);
  const bound = 1 / Math.sqrt(fanIn);
  return rng.uniformTensor(shape, -bound, bound);
}

/** Draws a tensor from N(mean, std^2), e.g. N(0, 0.02^2) for the PatchGAN discriminator's convs. */
export function normalInit(rng: Rng, shape: number[], mean: number, std: number): tf.Tensor {
  return rng.normalTensor(shape, mean, std);
}
