/**
 * A tiny tokenizer, discriminator, loss set and synthetic data for the trainer
 * tests: small enough that an update takes milliseconds on the cpu backend.
 * The tokenizer is an LFQ autoencoder (sign quantizer with a straight-through
 * gradient and a commitment term) with a factor-2 downsampling.
 */
import { depthToSpace, Rng, tf } from "../../lib/engine/mod.ts";
import type {
  NamedVariables,
  QuantizerOutput,
  TrainableDiscriminator,
  TrainableTokenizer,
  TrainData,
  TrainLosses,
} from "../../lib/train/model.ts";
import { runStreams, type TrainComponents } from "../../lib/train/trainer.ts";

// deno-lint-ignore no-explicit-any
const signStraightThrough = tf.customGrad(
  ((u: tf.Tensor) => {
    const value = tf.where(tf.greater(u, 0), tf.onesLike(u), tf.onesLike(u).neg());
    return { value, gradFunc: (dy: tf.Tensor) => dy };
  }) as any,
) as (u: tf.Tensor) => tf.Tensor;

function he(rng: Rng, shape: number[], fanIn: number): tf.Variable {
  return tf.tidy(() => tf.variable(rng.normalTensor(shape, 0, Math.sqrt(2 / fanIn))));
}

/** LFQ autoencoder with `bits` latent channels at half resolution. */
export class TinyTokenizer implements TrainableTokenizer {
  readonly bits: number;
  #encoder: NamedVariables;
  #quantizer: NamedVariables;
  #decoder: NamedVariables;
  noiseEnabled = false;

  constructor(rng: Rng, bits = 4, hidden = 8) {
    this.bits = bits;
    this.#encoder = {
      "encoder.conv1.weight": he(rng, [3, 3, 3, hidden], 27),
      "encoder.conv1.bias": tf.variable(tf.zeros([hidden])),
      "encoder.conv2.weight": he(rng, [1, 1, hidden, bits], hidden),
    };
    // A learned per-bit scale before the sign, so that the quantizer group has a parameter.
    this.#quantizer = { "quantizer.scale": tf.variable(tf.ones([bits])) };
    this.#decoder = {
      "decoder.conv_in.weight": he(rng, [3, 3, bits, hidden], 9 * bits),
      "decoder.conv_in.bias": tf.variable(tf.zeros([hidden])),
      "decoder.conv_out.weight": he(rng, [3, 3, hidden, 12], 9 * hidden),
      "decoder.conv_out.bias": tf.variable(tf.zeros([12])),
    };
  }

  parameters(group: "encoder" | "quantizer" | "decoder"): NamedVariables {
    return { encoder: this.#encoder, quantizer: this.#quantizer, decoder: this.#decoder }[group];
  }

  stateVariables(): NamedVariables {
    return { ...this.#encoder, ...this.#quantizer, ...this.#decoder };
  }

  encode(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const e = this.#encoder;
      const h = tf.relu(
        tf.add(
          tf.conv2d(images, e["encoder.conv1.weight"] as tf.Tensor4D, 2, "same"),
          e["encoder.conv1.bias"],
        ),
      );
      return tf.conv2d(h as tf.Tensor4D, e["encoder.conv2.weight"] as tf.Tensor4D, 1, "same");
    });
  }

  quantize(latent: tf.Tensor4D): QuantizerOutput {
    const u = tf.mul(latent, this.#quantizer["quantizer.scale"]) as tf.Tensor4D;
    const codes = signStraightThrough(u) as tf.Tensor4D;
    const commitment = tf.mean(tf.square(tf.sub(u, tf.sign(u)))) as tf.Scalar;
    return { codes, terms: { commitment } };
  }

  decode(codes: tf.Tensor4D, noise: tf.Tensor4D | null): tf.Tensor4D {
    return tf.tidy(() => {
      const d = this.#decoder;
      let x: tf.Tensor4D = codes;
      if (this.noiseEnabled) x = tf.concat([codes, noise ?? tf.zerosLike(codes)], 3);
      const h = tf.relu(
        tf.add(
          tf.conv2d(x, d["decoder.conv_in.weight"] as tf.Tensor4D, 1, "same"),
          d["decoder.conv_in.bias"],
        ),
      );
      const y = tf.add(
        tf.conv2d(h as tf.Tensor4D, d["decoder.conv_out.weight"] as tf.Tensor4D, 1, "same"),
        d["decoder.conv_out.bias"],
      );
      return depthToSpace(y as tf.Tensor4D, 2);
    });
  }

  lastLayerWeight(): tf.Variable {
    return this.#decoder["decoder.conv_out.weight"];
  }

  enableNoise(): void {
    if (this.noiseEnabled) throw new Error("noise is already enabled");
    const old = this.#decoder["decoder.conv_in.weight"];
    this.#decoder["decoder.conv_in.weight"] = tf.tidy(() =>
      tf.variable(tf.concat([old, tf.zerosLike(old)], 2))
    );
    old.dispose();
    this.noiseEnabled = true;
  }
}

/** Two-conv patch discriminator. */
export class TinyDiscriminator implements TrainableDiscriminator {
  #variables: NamedVariables;

  constructor(rng: Rng, hidden = 8) {
    this.#variables = {
      "discriminator.conv1.weight": tf.tidy(() =>
        tf.variable(rng.normalTensor([4, 4, 3, hidden], 0, 0.02))
      ),
      "discriminator.conv2.weight": tf.tidy(() =>
        tf.variable(rng.normalTensor([4, 4, hidden, 1], 0, 0.02))
      ),
      "discriminator.conv2.bias": tf.variable(tf.zeros([1])),
    };
  }

  parameters(): NamedVariables {
    return this.#variables;
  }

  stateVariables(): NamedVariables {
    return this.#variables;
  }

  logits(images: tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => {
      const v = this.#variables;
      const h = tf.leakyRelu(
        tf.conv2d(images, v["discriminator.conv1.weight"] as tf.Tensor4D, 2, "same"),
        0.2,
      );
      return tf.add(
        tf.conv2d(h as tf.Tensor4D, v["discriminator.conv2.weight"] as tf.Tensor4D, 1, "same"),
        v["discriminator.conv2.bias"],
      );
    });
  }
}

/** L1, non-saturating generator loss, hinge and LeCam, written out directly. */
export const tinyLosses: TrainLosses = {
  reconstruction: (target, output) => tf.mean(tf.abs(tf.sub(target, output))) as tf.Scalar,
  perceptual: null,
  generatorAdversarial: (fake) => tf.mean(tf.softplus(tf.neg(fake))) as tf.Scalar,
  discriminatorAdversarial: (real, fake) =>
    tf.add(tf.mean(tf.relu(tf.sub(1, real))), tf.mean(tf.relu(tf.add(1, fake)))) as tf.Scalar,
  lecam: (real, fake, emaReal, emaFake) =>
    tf.add(
      tf.mean(tf.square(tf.relu(tf.sub(real, emaFake)))),
      tf.mean(tf.square(tf.relu(tf.sub(emaReal, fake)))),
    ) as tf.Scalar,
};

/** Smooth random colour images: sums of two sinusoids with seeded frequencies and phases. */
export const syntheticData: TrainData = {
  sampleBatch(batchSize, cropSize, rng) {
    const values = new Float32Array(batchSize * cropSize * cropSize * 3);
    let i = 0;
    for (let b = 0; b < batchSize; b++) {
      const params = Array.from(
        { length: 3 },
        () => [rng.uniform() * 3, rng.uniform() * 3, rng.uniform() * 6.3],
      );
      for (let y = 0; y < cropSize; y++) {
        for (let x = 0; x < cropSize; x++) {
          for (let c = 0; c < 3; c++) {
            const [fy, fx, phase] = params[c];
            values[i++] = 0.8 * Math.sin((fy * y + fx * x) / cropSize * 2 * Math.PI + phase);
          }
        }
      }
    }
    return tf.tensor4d(values, [batchSize, cropSize, cropSize, 3]);
  },
};

/** Builds the tiny components from the initialisation streams of a run with seed `seed`. */
export function tinyComponents(seed: number): TrainComponents {
  const streams = runStreams(seed);
  return {
    tokenizer: new TinyTokenizer(streams.init),
    discriminator: new TinyDiscriminator(streams.discriminatorInit),
    losses: tinyLosses,
    data: syntheticData,
  };
}
