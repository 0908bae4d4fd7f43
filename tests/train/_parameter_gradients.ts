/** Checks that the training objectives reach every parameter of a tokenizer and its discriminator. */
import { assert, assertGreater } from "@std/assert";
import { tf } from "../../lib/engine/mod.ts";
import {
  discriminatorObjective,
  type ObjectiveContext,
  stage1Objective,
} from "../../lib/train/objectives.ts";

/**
 * Asserts that the adversarial stage-1 objective on `images` gives every
 * encoder, quantizer and decoder parameter a non-zero gradient. It then
 * asserts the same for every discriminator parameter under the discriminator
 * objective on the decoded images, with both LeCam means 0 and decay 0.999.
 *
 * @returns the names of the encoder, quantizer and decoder parameters checked.
 */
export function assertStage1ReachesEveryParameter(
  context: ObjectiveContext,
  images: tf.Tensor4D,
): string[] {
  const generator = {
    ...context.tokenizer.parameters("encoder"),
    ...context.tokenizer.parameters("quantizer"),
    ...context.tokenizer.parameters("decoder"),
  };
  let fake: tf.Tensor4D | null = null;
  const { grads } = tf.variableGrads(() => {
    const objective = stage1Objective(context, images, true);
    fake = tf.keep(objective.output);
    return objective.total;
  }, Object.values(generator));
  for (const [name, variable] of Object.entries(generator)) {
    const grad = grads[variable.name];
    assert(grad !== undefined, `${name} has no gradient`);
    assertGreater(tf.max(tf.abs(grad)).dataSync()[0], 0, `${name} has a zero gradient`);
  }

  const discriminator = context.discriminator!.parameters();
  const d = tf.variableGrads(
    () => discriminatorObjective(context, images, fake!, 0, 0, 0.999).total,
    Object.values(discriminator),
  );
  for (const [name, variable] of Object.entries(discriminator)) {
    assertGreater(
      tf.max(tf.abs(d.grads[variable.name])).dataSync()[0],
      0,
      `${name} has a zero gradient`,
    );
  }
  return Object.keys(generator);
}
