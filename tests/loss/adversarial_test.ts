import { assertAlmostEquals, assertEquals, assertThrows } from "@std/assert";
import { initBackend, tf } from "../../lib/engine/mod.ts";
import {
  adaptiveGanWeight,
  adaptiveGanWeightAt,
  discriminatorLoss,
  hingeDiscriminatorLoss,
  LecamEma,
  lecamRegularization,
  LOSS_DEFAULTS,
  nonSaturatingGeneratorLoss,
} from "../../lib/loss/mod.ts";
import { finiteDifferenceGradient } from "./_finite_difference.ts";

await initBackend("cpu", { announce: false });

function scalar(t: tf.Scalar): number {
  const value = t.dataSync()[0];
  t.dispose();
  return value;
}

Deno.test("hingeDiscriminatorLoss at known logits", () => {
  const real = tf.tensor([2, -0.5, 0.5]);
  const fake = tf.tensor([-2, 0, 1]);
  // relu(1 - real) = [0, 1.5, 0.5] has mean 2/3, and relu(1 + fake) = [0, 1, 2] mean 1.
  assertAlmostEquals(scalar(hingeDiscriminatorLoss(real, fake)), 0.5 * (2 / 3 + 1), 1e-6);
  tf.dispose([real, fake]);
});

Deno.test("hingeDiscriminatorLoss is zero past margins", () => {
  const real = tf.tensor([1, 5]);
  const fake = tf.tensor([-1, -3]);
  assertEquals(scalar(hingeDiscriminatorLoss(real, fake)), 0);
  tf.dispose([real, fake]);
});

Deno.test("nonSaturatingGeneratorLoss averages patches first", () => {
  // Sample 0 patch logits average to 1, sample 1 to -2.
  const logits = tf.tensor4d([0, 2, 1, 1, -2, -2, -4, 0], [2, 2, 2, 1]);
  const expected = (Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(2))) / 2;
  assertAlmostEquals(scalar(nonSaturatingGeneratorLoss(logits)), expected, 1e-6);
  logits.dispose();
});

Deno.test("nonSaturatingGeneratorLoss stable at large logits", () => {
  const logits = tf.tensor2d([[-100], [100]]);
  // softplus(100) = 100 (to float32), softplus(-100) = 3.7e-44.
  assertAlmostEquals(scalar(nonSaturatingGeneratorLoss(logits)), 50, 1e-4);
  logits.dispose();
});

Deno.test("lecamRegularization at known averages", () => {
  const real = tf.tensor([1, 3]);
  const fake = tf.tensor([-1, 2]);
  // relu(real - 1.5)^2 = [0, 2.25] and relu(0.5 - fake)^2 = [2.25, 0] each have mean 1.125.
  assertAlmostEquals(scalar(lecamRegularization(real, fake, 0.5, 1.5)), 2.25, 1e-6);
  tf.dispose([real, fake]);
});

Deno.test("LecamEma follows closed form", () => {
  const ema = new LecamEma(0.9);
  for (let step = 1; step <= 20; step++) {
    ema.update(2, -1);
    // Starting from 0, a constant input m gives m * (1 - decay^n) after n updates.
    assertAlmostEquals(ema.real, 2 * (1 - 0.9 ** step), 1e-12);
    assertAlmostEquals(ema.fake, -(1 - 0.9 ** step), 1e-12);
  }
  const restored = new LecamEma(0.9);
  restored.setState(ema.getState());
  assertEquals(restored.getState(), ema.getState());
  assertThrows(() => new LecamEma(1), RangeError, "got 1");
  assertEquals(new LecamEma().decay, 0.999);
});

Deno.test("LecamEma updateFromLogits uses means", async () => {
  const ema = new LecamEma(0.5);
  const real = tf.tensor([1, 3]);
  const fake = tf.tensor([-4, 0]);
  await ema.updateFromLogits(real, fake);
  assertEquals(ema.getState(), { real: 1, fake: -1 });
  tf.dispose([real, fake]);
});

Deno.test("discriminatorLoss updates EMA before regularising", () => {
  const ema = new LecamEma(0.5);
  const real = tf.tensor([1, 3]);
  const fake = tf.tensor([-1, 2]);
  const terms = discriminatorLoss(real, fake, ema, 0.05);
  // EMA after one update: real 0.5 * 2 = 1, fake 0.5 * 0.5 = 0.25.
  assertEquals(ema.getState(), { real: 1, fake: 0.25 });
  // relu(real - 0.25)^2 = [0.5625, 7.5625] and relu(1 - fake)^2 = [4, 0].
  const lecam = (0.5625 + 7.5625) / 2 + 4 / 2;
  const hinge = 0.5 * ((0 + 0) / 2 + (0 + 3) / 2);
  assertAlmostEquals(scalar(terms.lecam), lecam, 1e-6);
  assertAlmostEquals(scalar(terms.hinge), hinge, 1e-6);
  assertAlmostEquals(scalar(terms.total), hinge + 0.05 * lecam, 1e-6);
  tf.dispose([real, fake]);
});

Deno.test("adversarial loss gradients match finite differences", () => {
  // Logits away from the hinge and ReLU kinks, where the losses are differentiable.
  const logits = tf.tensor([-2.3, -1.6, -0.4, 0.3, 0.7, 1.8], [2, 3, 1, 1]);
  const other = tf.tensor([0.2, -2.5, 1.6, -0.3, 2.4, -0.6], [2, 3, 1, 1]);
  const cases: [string, (x: tf.Tensor) => tf.Scalar][] = [
    ["generator", (x) => nonSaturatingGeneratorLoss(x)],
    ["hinge real", (x) => hingeDiscriminatorLoss(x, other)],
    ["hinge fake", (x) => hingeDiscriminatorLoss(other, x)],
    ["lecam real", (x) => lecamRegularization(x, other, 0.1, -0.2)],
    ["lecam fake", (x) => lecamRegularization(other, x, 0.1, -0.2)],
  ];
  for (const [name, f] of cases) {
    const analytic = tf.tidy(() => tf.grad(f)(logits).dataSync());
    const numeric = finiteDifferenceGradient(f, logits, 1e-2);
    for (let i = 0; i < numeric.length; i++) {
      assertAlmostEquals(analytic[i], numeric[i], 2e-3, `${name} element ${i}`);
    }
  }
  tf.dispose([logits, other]);
});

Deno.test("adaptiveGanWeight at known gradients", () => {
  const reconstructionGrad = tf.tensor([3, 4]);
  const adversarialGrad = tf.tensor([[0, 2], [0, 0]]);
  // 0.8 * 5 / (2 + 1e-4)
  assertAlmostEquals(
    scalar(adaptiveGanWeight(reconstructionGrad, adversarialGrad)),
    0.8 * 5 / 2.0001,
    1e-6,
  );
  const zero = tf.zeros([2]);
  // 5 / 1e-4 = 5e4 is clamped to 1e4, then scaled by 0.8.
  assertAlmostEquals(scalar(adaptiveGanWeight(reconstructionGrad, zero)), 8000, 1e-2);
  assertAlmostEquals(
    scalar(adaptiveGanWeight(reconstructionGrad, adversarialGrad, { factor: 1, eps: 0 })),
    2.5,
    1e-6,
  );
  tf.dispose([reconstructionGrad, adversarialGrad, zero]);
});

Deno.test("adaptiveGanWeightAt differentiates at last layer", () => {
  const weight = tf.variable(tf.tensor([0.5, -1, 2]));
  const a = tf.tensor([1, 2, 2]);
  const b = tf.tensor([0, 0, 6]);
  // Gradients of sum(w * a) and sum(w * b) at w are a (norm 3) and b (norm 6).
  const value = scalar(adaptiveGanWeightAt(
    weight,
    () => tf.sum(tf.mul(weight, a)) as tf.Scalar,
    () => tf.sum(tf.mul(weight, b)) as tf.Scalar,
  ));
  assertAlmostEquals(value, 0.8 * 3 / (6 + 1e-4), 1e-6);
  tf.dispose([weight, a, b]);
});

Deno.test("LOSS_DEFAULTS holds the released weights", () => {
  assertEquals(LOSS_DEFAULTS.generatorAdversarial, 0.1);
  assertEquals(LOSS_DEFAULTS.lecam, 0.05);
  assertEquals(LOSS_DEFAULTS.lecamEmaDecay, 0.999);
  assertEquals(LOSS_DEFAULTS.adaptiveWeightFactor, 0.8);
  assertEquals(LOSS_DEFAULTS.commitment, 0.25);
  assertEquals(LOSS_DEFAULTS.entropy, 0.1);
});
