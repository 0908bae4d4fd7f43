/**
 * Conversion of a stage-1 (deterministic) decoder into the generative decoder
 * of WeTok (arXiv 2508.05599) for stage-2 training.
 *
 * The generative decoder's first conv reads `[latent, noise]` (2d channels).
 * Widening copies every stage-1 weight and gives the noise channels of
 * `conv_in.weight` zero kernels, as the official code does when it loads a
 * stage-1 checkpoint. The widened decoder therefore returns exactly the
 * stage-1 output for any noise until training moves those weights.
 */
import { Rng, tf } from "../engine/mod.ts";
import { Decoder } from "./decoder.ts";
import { ParameterStore } from "./parameter_store.ts";

/** Options of {@link widenToGenerative}. */
export interface WidenOptions {
  /** Store for the new decoder's weights (default: a new store). */
  store?: ParameterStore;
  /** State-dict prefix of the new decoder (default: the stage-1 decoder's prefix). */
  prefix?: string;
}

/**
 * Builds a generative decoder holding copies of a deterministic decoder's
 * weights, with zero-initialised `conv_in` kernels for the noise channels.
 * The stage-1 decoder is left unchanged.
 *
 * @throws Error when `stage1` is already generative.
 */
export function widenToGenerative(stage1: Decoder, options: WidenOptions = {}): Decoder {
  if (stage1.generative) {
    throw new Error("decoder is already generative. Widen only a stage-1 (deterministic) decoder");
  }
  const prefix = options.prefix ?? stage1.prefix;
  const store = options.store ?? new ParameterStore();
  // The seed only fills weights that are overwritten below.
  const widened = new Decoder(stage1.config, {
    rng: new Rng(0),
    store,
    prefix,
    generative: true,
  });
  const sourcePrefix = `${stage1.prefix}.`;
  for (const entry of stage1.store.entries()) {
    if (!entry.name.startsWith(sourcePrefix)) continue;
    const name = `${prefix}.${entry.name.slice(sourcePrefix.length)}`;
    if (name === `${prefix}.conv_in.weight`) {
      // HWIO kernel: axis 2 is the input channel, latent channels first, then noise.
      tf.tidy(() => {
        const kernel = entry.variable as tf.Tensor;
        store.assign(name, tf.concat([kernel, tf.zerosLike(kernel)], 2));
      });
    } else {
      store.assign(name, entry.variable);
    }
  }
  return widened;
}
