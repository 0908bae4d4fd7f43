/**
 * The generator and discriminator objectives of the two WeTok training stages
 * (arXiv 2508.05599), as weighted sums of named loss terms.
 *
 * Stage 1: `L = w_rec * L1 + w_perc * perceptual + sum_k w_k * quantizer_k
 * (+ w_adv * non-saturating GAN loss when adversarial)`.
 * Stage 2: the same without the quantizer terms, with the encoder and
 * quantizer frozen and noise fed to the generative decoder.
 * Discriminator: hinge loss plus `w_lecam * LeCam`.
 */
import { tf } from "../engine/mod.ts";
import { stopGradient } from "../quantize/straight_through.ts";
import type { LossWeights } from "./config.ts";
import type { TrainableDiscriminator, TrainableTokenizer, TrainLosses } from "./model.ts";

/** A scalar objective with its terms (unweighted) and the generated images. */
export interface Objective {
  /** Weighted sum of the terms. */
  total: tf.Scalar;
  /** Unweighted terms by name, for the log and the finite-value check. */
  terms: Record<string, tf.Scalar>;
}

/** Generator objective plus the images it produced (used by the discriminator step). */
export interface GeneratorObjective extends Objective {
  output: tf.Tensor4D;
}

/** Inputs shared by both objectives. */
export interface ObjectiveContext {
  tokenizer: TrainableTokenizer;
  discriminator: TrainableDiscriminator | null;
  losses: TrainLosses;
  weights: LossWeights;
  /** Weight of the generator adversarial term when `weights.generatorAdversarial` is "adaptive". */
  adaptiveAdversarialWeight?: number;
}

/**
 * Stage-1 generator objective: encode, quantize, decode deterministically.
 * Call inside `tf.variableGrads`; gradients reach encoder, quantizer and decoder.
 *
 * @throws Error when the quantizer returns a term without a weight in `weights.quantizer`.
 */
export function stage1Objective(
  context: ObjectiveContext,
  images: tf.Tensor4D,
  adversarial: boolean,
): GeneratorObjective {
  const { tokenizer, weights } = context;
  const latent = tokenizer.encode(images);
  const quantized = tokenizer.quantize(latent);
  const output = tokenizer.decode(quantized.codes, null);
  const terms = imageTerms(context, images, output, adversarial);
  const weighted: tf.Scalar[] = [weightedImageTotal(context, terms)];
  for (const [name, value] of Object.entries(quantized.terms)) {
    const weight = weights.quantizer[name];
    if (weight === undefined) {
      throw new Error(
        `the quantizer returned a loss term "${name}" with no weight in weights.quantizer ` +
          `(configured: ${
            Object.keys(weights.quantizer).join(", ") || "none"
          }); add its weight to the config`,
      );
    }
    terms[`quantizer.${name}`] = value;
    weighted.push(tf.mul(value, weight));
  }
  return { total: tf.addN(weighted) as tf.Scalar, terms, output };
}

/**
 * Stage-2 generator objective: decode fixed codes with noise. The codes come
 * from the frozen encoder and quantizer outside the gradient scope, so only
 * the decoder receives gradients.
 */
export function stage2Objective(
  context: ObjectiveContext,
  images: tf.Tensor4D,
  codes: tf.Tensor4D,
  noise: tf.Tensor4D,
  adversarial: boolean,
): GeneratorObjective {
  const output = context.tokenizer.decode(codes, noise);
  const terms = imageTerms(context, images, output, adversarial);
  return { total: weightedImageTotal(context, terms), terms, output };
}

/**
 * Discriminator objective on real images and generated ones. Pass `fake`
 * computed outside the gradient scope, so that no gradient reaches the generator:
 * hinge loss plus the LeCam regulariser with the running logit means.
 *
 * As in the official WeTok loss, the running means first fold in this batch's
 * mean logits (`ema = decay * ema + (1 - decay) * mean`, with no gradient
 * through the means) and the regulariser then uses the updated values. The
 * caller stores the same update from the returned batch means.
 */
export function discriminatorObjective(
  context: ObjectiveContext,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  emaReal: number,
  emaFake: number,
  lecamDecay: number,
): Objective & { meanReal: tf.Scalar; meanFake: tf.Scalar } {
  const discriminator = requireDiscriminator(context);
  const realLogits = discriminator.logits(real);
  const fakeLogits = discriminator.logits(fake);
  const meanReal = stopGradient(tf.mean(realLogits) as tf.Scalar);
  const meanFake = stopGradient(tf.mean(fakeLogits) as tf.Scalar);
  const updatedReal = tf.add(lecamDecay * emaReal, tf.mul(meanReal, 1 - lecamDecay)) as tf.Scalar;
  const updatedFake = tf.add(lecamDecay * emaFake, tf.mul(meanFake, 1 - lecamDecay)) as tf.Scalar;
  const hinge = context.losses.discriminatorAdversarial(realLogits, fakeLogits);
  const lecam = context.losses.lecam(realLogits, fakeLogits, updatedReal, updatedFake);
  const total = tf.add(hinge, tf.mul(lecam, context.weights.lecam)) as tf.Scalar;
  return {
    total,
    terms: { "discriminator.hinge": hinge, "discriminator.lecam": lecam },
    meanReal,
    meanFake,
  };
}

function imageTerms(
  context: ObjectiveContext,
  images: tf.Tensor4D,
  output: tf.Tensor4D,
  adversarial: boolean,
): Record<string, tf.Scalar> {
  const { losses, weights } = context;
  const terms: Record<string, tf.Scalar> = {
    reconstruction: losses.reconstruction(images, output),
  };
  if (weights.perceptual > 0) {
    if (losses.perceptual === null) {
      throw new Error(
        `weights.perceptual is ${weights.perceptual} but no perceptual feature network was given; ` +
          "set weights.perceptual to 0 or provide the feature network",
      );
    }
    terms.perceptual = losses.perceptual(images, output);
  }
  if (adversarial) {
    terms.generatorAdversarial = losses.generatorAdversarial(
      requireDiscriminator(context).logits(output),
    );
  }
  return terms;
}

/**
 * Returns the generator adversarial weight: the fixed one, or the adaptive one
 * that the trainer computed for this update.
 *
 * @throws Error when the weight is "adaptive" and none was computed.
 */
export function adversarialWeight(context: ObjectiveContext): number {
  const weight = context.weights.generatorAdversarial;
  if (weight !== "adaptive") return weight;
  if (context.adaptiveAdversarialWeight === undefined) {
    throw new Error(
      'weights.generatorAdversarial is "adaptive" but no adaptive weight was computed for this update',
    );
  }
  return context.adaptiveAdversarialWeight;
}

function weightedImageTotal(
  context: ObjectiveContext,
  terms: Record<string, tf.Scalar>,
): tf.Scalar {
  const weights = context.weights;
  let total = tf.mul(terms.reconstruction, weights.reconstruction) as tf.Scalar;
  if (terms.perceptual) total = tf.add(total, tf.mul(terms.perceptual, weights.perceptual));
  if (terms.generatorAdversarial) {
    total = tf.add(total, tf.mul(terms.generatorAdversarial, adversarialWeight(context)));
  }
  return total;
}

function requireDiscriminator(context: ObjectiveContext): TrainableDiscriminator {
  if (context.discriminator === null) {
    throw new Error("an adversarial stage needs a discriminator, but none was given");
  }
  return context.discriminator;
}
