/**
 * Adapters from the project's WeTok networks (`lib/nn`), quantizers
 * (`lib/quantize`) and losses (`lib/loss`) to the trainer's interfaces.
 */
import type { Rng, tf } from "../engine/mod.ts";
import {
  Decoder,
  Encoder,
  type ParameterStore,
  PatchDiscriminator,
  type TokenizerConfig,
  widenToGenerative,
} from "../nn/mod.ts";
import type { Quantizer } from "../quantize/quantizer.ts";
import type {
  NamedVariables,
  QuantizerOutput,
  TrainableDiscriminator,
  TrainableTokenizer,
} from "./model.ts";

/** Encoder, quantizer and decoder of `lib/nn` and `lib/quantize` as a {@link TrainableTokenizer}. */
export class WetokTokenizer implements TrainableTokenizer {
  readonly encoder: Encoder;
  readonly quantizer: Quantizer;
  #decoder: Decoder;

  /**
   * @param config encoder/decoder shape, for example `findConfig("CR24-small").tokenizer`.
   * @param quantizer a quantizer over `config.zChannels` channels.
   * @param rng seeded source of the initial weights.
   * @throws RangeError when the quantizer's channel count differs from `zChannels`.
   */
  constructor(config: TokenizerConfig, quantizer: Quantizer, rng: Rng) {
    if (quantizer.dim !== config.zChannels) {
      throw new RangeError(
        `quantizer has ${quantizer.dim} channels but the network's zChannels is ${config.zChannels}; ` +
          "build the quantizer with dim = zChannels",
      );
    }
    this.encoder = new Encoder(config, { rng });
    this.#decoder = new Decoder(config, { rng, generative: false });
    this.quantizer = quantizer;
  }

  /** The current decoder (generative after {@link enableNoise}). */
  get decoder(): Decoder {
    return this.#decoder;
  }

  get noiseEnabled(): boolean {
    return this.#decoder.generative;
  }

  parameters(group: "encoder" | "quantizer" | "decoder"): NamedVariables {
    switch (group) {
      case "encoder":
        return storeVariables(this.encoder.store, true);
      case "decoder":
        return storeVariables(this.#decoder.store, true);
      case "quantizer":
        return quantizerVariables(this.quantizer);
    }
  }

  stateVariables(): NamedVariables {
    return {
      ...storeVariables(this.encoder.store, false),
      ...quantizerVariables(this.quantizer),
      ...storeVariables(this.#decoder.store, false),
    };
  }

  encode(images: tf.Tensor4D): tf.Tensor4D {
    return this.encoder.apply(images);
  }

  quantize(latent: tf.Tensor4D): QuantizerOutput {
    // The digits and the other loss tensors are left to the caller's tf.tidy (or
    // tf.variableGrads) scope: the gradient tape may still reference them.
    const result = this.quantizer.quantize(latent, { training: true });
    const losses = result.losses!;
    return {
      codes: result.codes,
      terms: { commitment: losses.commitment, entropy: losses.entropy, codebook: losses.codebook },
    };
  }

  decode(codes: tf.Tensor4D, noise: tf.Tensor4D | null): tf.Tensor4D {
    if (!this.#decoder.generative) return this.#decoder.apply(codes);
    return this.#decoder.apply(codes, noise ?? "zero");
  }

  lastLayerWeight(): tf.Variable {
    return this.#decoder.lastLayerWeight();
  }

  enableNoise(): void {
    const widened = widenToGenerative(this.#decoder);
    this.#decoder.store.dispose();
    this.#decoder = widened;
  }
}

/** PatchGAN discriminator of `lib/nn` as a {@link TrainableDiscriminator}; batch norm in training mode. */
export class WetokDiscriminator implements TrainableDiscriminator {
  readonly network: PatchDiscriminator;

  constructor(network: PatchDiscriminator) {
    this.network = network;
  }

  parameters(): NamedVariables {
    return storeVariables(this.network.store, true);
  }

  stateVariables(): NamedVariables {
    return storeVariables(this.network.store, false);
  }

  logits(images: tf.Tensor4D): tf.Tensor {
    return this.network.apply(images, true);
  }
}

function storeVariables(store: ParameterStore, trainableOnly: boolean): NamedVariables {
  const out: NamedVariables = {};
  for (const entry of store.entries()) {
    if (!trainableOnly || entry.trainable) out[entry.name] = entry.variable;
  }
  return out;
}

function quantizerVariables(quantizer: Quantizer): NamedVariables {
  // NOTE: quantizers expose unnamed variables (only VQ has one, its codebook), so they are numbered.
  return Object.fromEntries(quantizer.trainableVariables().map((v, i) => [`quantizer.${i}`, v]));
}
