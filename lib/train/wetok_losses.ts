/** The WeTok losses of `lib/loss` (arXiv 2508.05599) as the trainer's {@link TrainLosses}. */
import {
  hingeDiscriminatorLoss,
  l1Loss,
  lecamRegularization,
  nonSaturatingGeneratorLoss,
  type PerceptualLoss,
} from "../loss/mod.ts";
import type { TrainLosses } from "./model.ts";

/**
 * Returns L1 reconstruction, the given perceptual loss (or none), the
 * non-saturating generator loss, the hinge discriminator loss and LeCam.
 */
export function wetokLosses(perceptual: PerceptualLoss | null = null): TrainLosses {
  return {
    reconstruction: l1Loss,
    perceptual: perceptual === null ? null : (target, output) => perceptual.apply(target, output),
    generatorAdversarial: nonSaturatingGeneratorLoss,
    discriminatorAdversarial: hingeDiscriminatorLoss,
    lecam: lecamRegularization,
  };
}
