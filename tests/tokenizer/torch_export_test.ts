/**
 * Loads an exported bundle in PyTorch (Debian's python3-torch) with
 * tests/fixtures/tokenizer_torch_load.py and compares PyTorch's encoder and
 * decoder outputs with this project's. Skipped, with the reason printed, when
 * /usr/bin/python3 cannot import torch.
 */
import { assert, assertEquals } from "@std/assert";
import { join } from "node:path";
import { initBackend, Rng, tf } from "../../lib/engine/mod.ts";
import { ParameterStore, saveWeights } from "../../lib/nn/mod.ts";
import { exportBundle, Tokenizer } from "../../lib/tokenizer/mod.ts";
import { sinusoidImages } from "./_trained_run.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = new URL("../fixtures/tokenizer_torch_load.py", import.meta.url).pathname;

async function torchMissingReason(): Promise<string | null> {
  try {
    const probe = await new Deno.Command(PYTHON, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "piped",
    }).output();
    return probe.success ? null : `${PYTHON} cannot import torch (apt-get install python3-torch)`;
  } catch (err) {
    return `${PYTHON} cannot run: ${(err as Error).message}`;
  }
}

const skipReason = await torchMissingReason();
if (skipReason !== null) console.log(`skipping the PyTorch export check: ${skipReason}`);

await initBackend("wasm", { announce: false });

Deno.test({
  name: "exportBundle weights load in PyTorch",
  ignore: skipReason !== null,
  fn: async () => {
    const rng = new Rng(21);
    const tokenizer = new Tokenizer({
      network: "CR48-small",
      architecture: { ch: 32, chMult: [1, 2, 2, 4], numResBlocks: 1, zChannels: 32 },
      quantizer: "gq",
      groups: 4,
      decoder: "generative",
    }, rng);
    // Perturb every tensor, so that a swapped or transposed weight changes the outputs.
    for (const entry of tokenizer.store.entries()) {
      tf.tidy(() =>
        entry.variable.assign(
          tf.add(entry.variable, rng.normalTensor(entry.variable.shape, 0, 0.05)),
        )
      );
    }
    const dir = await Deno.makeTempDir({ prefix: "tokenizer_torch_" });
    await exportBundle(tokenizer, join(dir, "bundle"), null);

    const image = sinusoidImages(1, 32, 24, new Rng(8));
    const latent = tokenizer.encoder.apply(image);
    const codes = tf.tidy(() =>
      tf.where(tf.greater(latent, 0), tf.onesLike(latent), tf.onesLike(latent).neg())
    ) as tf.Tensor4D;
    const noise = rng.normalTensor(codes.shape) as tf.Tensor4D;
    const reconstruction = tokenizer.decoder.apply(codes, noise);
    const io = new ParameterStore();
    for (const [name, tensor] of Object.entries({ image, latent, codes, noise, reconstruction })) {
      io.add(name, tensor, false);
    }
    await saveWeights(join(dir, "io.safetensors"), io, { layout: "tfjs" });

    const output = await new Deno.Command(PYTHON, {
      args: [SCRIPT, join(dir, "bundle"), join(dir, "io.safetensors")],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert(output.success, `the PyTorch script failed: ${stderr}`);
    const report = JSON.parse(new TextDecoder().decode(output.stdout));
    assertEquals(report.layout, "torch");
    assertEquals(report.missing, []);
    assertEquals(report.unexpected, []);
    assertEquals(report.mismatched, []);
    assertEquals(report.tensors, tokenizer.store.names().length);
    console.log(
      `PyTorch ${report.torch}: latent max |diff| ${report.latentMaxAbsDiff.toExponential(2)}, ` +
        `reconstruction max |diff| ${report.reconstructionMaxAbsDiff.toExponential(2)}`,
    );
    // float32 here against float64 in PyTorch.
    assert(report.latentMaxAbsDiff < 1e-4, `latent differs by ${report.latentMaxAbsDiff}`);
    assert(report.reconstructionMaxAbs > 0.1, "the reconstruction is not trivially zero");
    assert(
      report.reconstructionMaxAbsDiff < 1e-3,
      `reconstruction differs by ${report.reconstructionMaxAbsDiff}`,
    );

    tf.dispose([image, latent, codes, noise, reconstruction]);
    io.dispose();
    tokenizer.dispose();
    await Deno.remove(dir, { recursive: true });
  },
});
