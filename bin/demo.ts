/**
 * Engine demo: trains a small convolutional autoencoder for a few steps on
 * seeded synthetic images and prints the loss and the speed.
 *
 * Usage: deno task demo [--backend wasm|cpu|webgpu|tensorflow] [--steps N]; see --help.
 */
import { depthToSpace, initBackend, parseBackendName, Rng, tf } from "../lib/engine/mod.ts";
import { log } from "../lib/io/log.ts";
import { exitWithUsageError, parseCliArgs } from "./_cli.ts";

const HELP = `Usage: deno task demo [--backend NAME] [--steps N]

Trains a 3-layer convolutional autoencoder on seeded synthetic 32x32 images and
prints the L1 loss and the training speed.

Options:
  --backend NAME   wasm (default), cpu, webgpu or tensorflow; also WETOK_BACKEND
  --steps N        training steps (default 30)
  --help           print this text

Exit status: 0 on success, 2 for invalid options.`;

const { values } = parseCliArgs("demo", {
  options: {
    backend: { type: "string" },
    steps: { type: "string", default: "30" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
let backendName;
try {
  backendName = parseBackendName(values.backend ?? Deno.env.get("WETOK_BACKEND"));
} catch (err) {
  exitWithUsageError("demo", (err as Error).message);
}
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  exitWithUsageError("demo", `--steps must be a positive integer, got "${values.steps}"`);
}
const backend = await initBackend(backendName);

const rng = new Rng(0);
const he = (fanIn: number, shape: number[]) => tf.variable(rng.normalTensor(shape, 0, Math.sqrt(2 / fanIn)));
const w1 = he(27, [3, 3, 3, 32]);
const w2 = he(288, [3, 3, 32, 32]);
const w3 = he(288, [3, 3, 32, 12]);
// Smooth colour images: low-frequency sinusoids of random phase, 32x32, in [-1, 1].
const images = tf.tidy(() => {
  const phases = rng.uniformTensor([8, 1, 1, 3], 0, 2 * Math.PI);
  const ys = tf.linspace(0, 2 * Math.PI, 32).reshape([1, 32, 1, 1]);
  const xs = tf.linspace(0, 2 * Math.PI, 32).reshape([1, 1, 32, 1]);
  return tf.sin(tf.add(tf.add(ys, tf.mul(xs, 2)), phases)) as tf.Tensor4D;
});
const model = (x: tf.Tensor4D) => {
  const h1 = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 2, "same"));
  const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 1, "same"));
  return depthToSpace(tf.conv2d(h2, w3 as tf.Tensor4D, 1, "same"), 2);
};
const optimizer = tf.train.adam(3e-3, 0.5, 0.9);
log.info(`demo: training a 3-layer conv autoencoder on ${backend.name} for ${steps} steps`);
const start = performance.now();
for (let step = 1; step <= steps; step++) {
  const loss = optimizer.minimize(() => tf.mean(tf.abs(tf.sub(model(images as tf.Tensor4D), images))) as tf.Scalar, true);
  const value = (await loss!.data())[0];
  loss!.dispose();
  if (step === 1 || step % 10 === 0 || step === steps) {
    const rate = step / ((performance.now() - start) / 1000);
    console.log(`step ${step}/${steps}  L1 ${value.toFixed(4)}  ${rate.toFixed(1)} step/s`);
  }
}
log.info(`demo: done in ${((performance.now() - start) / 1000).toFixed(1)} s, ${tf.memory().numTensors} live tensors`);
