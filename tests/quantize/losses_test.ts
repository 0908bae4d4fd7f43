/**
 * Quantizer losses and gradients on the cpu backend against float64
 * references, closed forms and central differences.
 */
import { assert, assertEquals } from "@std/assert";
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  bitwiseEntropyRef,
  bruteForceCodebookEntropy,
  consecutiveGroups,
  groupSumEntropyRef,
  perSampleEntropyRef,
  pooledGroupEntropyRef,
} from "../../lib/entropy/reference.ts";
import {
  BsqQuantizer,
  FsqQuantizer,
  GqQuantizer,
  LfqQuantizer,
  type QuantizerLosses,
  VqQuantizer,
} from "../../lib/quantize/mod.ts";
import { assertClose, finiteDifferences, scalarValue, useBackend } from "../entropy/_helpers.ts";

const SHAPE: [number, number, number, number] = [1, 2, 3, 6];
const TOKENS = 6;
const DIM = 6;

/** Latent values rounded to float32, scaled so that 4 u / 0.01 is of order 1 to 10. */
function smallLatent(seed: number): Float32Array {
  return new Rng(seed).normalArray(TOKENS * DIM, 0, 0.01);
}

function lossValues(losses: QuantizerLosses | null): Record<string, number> {
  if (losses === null) throw new Error("training mode must return losses, got null");
  return Object.fromEntries(
    Object.entries(losses).map(([k, v]) => [k, scalarValue(v as tf.Tensor)]),
  );
}

function commitmentRef(z: ArrayLike<number>, code: (v: number, i: number) => number): number {
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum += (z[i] - code(z[i], i)) ** 2;
  return sum / z.length;
}

Deno.test("LfqQuantizer losses equal references", async () => {
  await useBackend("cpu");
  const z = smallLatent(91);
  const logits = Float64Array.from(z, (v) => (4 * v) / 0.01);
  const m = { data: logits, tokens: TOKENS, bits: DIM };
  const lfq = new LfqQuantizer({ dim: DIM });
  const values = lossValues(lfq.quantize(tf.tensor4d(z, SHAPE), { training: true }).losses);
  const sample = perSampleEntropyRef(m);
  const codebook = bruteForceCodebookEntropy(m);
  const commitment = commitmentRef(z, (v) => (v > 0 ? 1 : -1));
  assertClose(values.perSampleEntropy, sample, "per-sample entropy");
  assertClose(values.codebookEntropy, codebook, "codebook entropy");
  assertClose(values.entropy, sample - codebook, "entropy loss");
  assertClose(values.commitment, commitment, "commitment");
  assertClose(values.total, 0.1 * (sample - codebook) + 0.25 * commitment, "total");
  assertEquals(values.codebook, 0);
});

Deno.test("GqQuantizer estimators equal references", async () => {
  await useBackend("cpu");
  const z = smallLatent(92);
  const m = { data: Float64Array.from(z, (v) => (4 * v) / 0.01), tokens: TOKENS, bits: DIM };
  const latent = tf.tensor4d(z, SHAPE);
  const sum = lossValues(
    new GqQuantizer({ dim: DIM, groups: 3 }).quantize(latent, { training: true }).losses,
  );
  assertClose(
    sum.codebookEntropy,
    groupSumEntropyRef(m, consecutiveGroups(DIM, 3)),
    "group-sum H_cb",
  );
  assertClose(sum.perSampleEntropy, perSampleEntropyRef(m), "group-sum H_tok");
  const pooled = lossValues(
    new GqQuantizer({ dim: DIM, groups: 3, entropyMethod: "group-pooled" }).quantize(latent, {
      training: true,
    }).losses,
  );
  assertClose(pooled.codebookEntropy, pooledGroupEntropyRef(m, 3), "pooled H_cb");
  assertClose(
    pooled.perSampleEntropy,
    perSampleEntropyRef(m) / 3,
    "pooled H_tok averaged over groups",
  );
  latent.dispose();
});

Deno.test("BsqQuantizer projects and scales codes", async () => {
  await useBackend("cpu");
  const z = new Rng(93).normalArray(TOKENS * DIM);
  const unit = new Float64Array(z.length);
  for (let t = 0; t < TOKENS; t++) {
    let norm = 0;
    for (let k = 0; k < DIM; k++) norm += z[t * DIM + k] ** 2;
    for (let k = 0; k < DIM; k++) unit[t * DIM + k] = z[t * DIM + k] / Math.sqrt(norm);
  }
  const kappa = 3;
  const bsq = new BsqQuantizer({ dim: DIM, kappa });
  const latent = tf.tensor4d(z, SHAPE);
  const result = bsq.quantize(latent, { training: true });
  const codes = result.codes.dataSync();
  const scale = 1 / Math.sqrt(DIM);
  for (let i = 0; i < codes.length; i++) {
    assertClose(codes[i], z[i] > 0 ? scale : -scale, `code ${i}`, 1e-7, 0);
  }
  const m = {
    data: Float64Array.from(unit, (v) => (4 * kappa * v) / Math.sqrt(DIM)),
    tokens: TOKENS,
    bits: DIM,
  };
  const values = lossValues(result.losses);
  assertClose(values.perSampleEntropy, perSampleEntropyRef(m), "BSQ per-sample entropy");
  assertClose(values.codebookEntropy, bitwiseEntropyRef(m), "BSQ bitwise codebook entropy");
  assertClose(
    values.commitment,
    commitmentRef(unit, (v) => (v > 0 ? scale : -scale)),
    "BSQ commitment",
  );
  tf.dispose([latent, result.codes, result.digits]);
});

Deno.test("LfqQuantizer codes pass gradients straight through", async () => {
  await useBackend("cpu");
  const z = tf.tensor4d(new Rng(94).normalArray(TOKENS * DIM), SHAPE);
  const weights = tf.tensor4d(new Rng(95).normalArray(TOKENS * DIM), SHAPE);
  for (
    const quantizer of [new LfqQuantizer({ dim: DIM }), new GqQuantizer({ dim: DIM, groups: 2 })]
  ) {
    const gradient = tf.grad((x) =>
      tf.sum(tf.mul(quantizer.quantize(x as tf.Tensor4D, { training: true }).codes, weights))
    )(z);
    const expected = weights.dataSync();
    gradient.dataSync().forEach((g, i) =>
      assertEquals(g, expected[i], `${quantizer.kind} gradient ${i}`)
    );
    gradient.dispose();
  }
  tf.dispose([z, weights]);
});

Deno.test("FsqQuantizer gradient follows the bound", async () => {
  await useBackend("cpu");
  const levels = [8, 5, 8, 5, 3, 2];
  const fsq = new FsqQuantizer({ levels });
  const values = new Rng(96).normalArray(TOKENS * DIM);
  const z = tf.tensor4d(values, SHAPE);
  const gradient = tf.grad((x) => tf.sum(fsq.quantize(x as tf.Tensor4D, { training: true }).codes))(
    z,
  ).dataSync();
  for (let i = 0; i < values.length; i++) {
    const level = levels[i % DIM];
    const half = ((level - 1) * 1.001) / 2;
    const shift = Math.atanh((level % 2 === 0 ? 0.5 : 0) / half);
    // d/dz [tanh(z + s) h - o] / floor(L/2) = h (1 - tanh^2(z + s)) / floor(L/2)
    const expected = (half * (1 - Math.tanh(values[i] + shift) ** 2)) / Math.floor(level / 2);
    assertClose(gradient[i], expected, `FSQ gradient ${i}`, 1e-6, 1e-4);
  }
  z.dispose();
});

Deno.test("FsqQuantizer codes stay on the levels", async () => {
  await useBackend("cpu");
  const levels = [8, 8, 8, 5, 5, 5];
  const fsq = new FsqQuantizer({ levels });
  const z = tf.tensor4d(new Rng(97).normalArray(TOKENS * DIM, 0, 5), SHAPE);
  const { codes, digits } = fsq.quantize(z);
  const codeValues = codes.dataSync();
  const digitValues = digits.dataSync();
  for (let i = 0; i < codeValues.length; i++) {
    const level = levels[i % DIM];
    const half = Math.floor(level / 2);
    assert(digitValues[i] >= 0, `digit ${i} is ${digitValues[i]}, below 0`);
    assert(digitValues[i] < level, `digit ${i} is ${digitValues[i]}, not below level ${level}`);
    assertEquals(codeValues[i], (digitValues[i] - half) / half, `code ${i}`);
  }
  tf.dispose([z, codes, digits]);
});

Deno.test("VqQuantizer picks nearest codeword", async () => {
  await useBackend("cpu");
  const vq = new VqQuantizer({ dim: DIM, codebookSize: 16, rng: new Rng(98) });
  const z = new Rng(99).normalArray(TOKENS * DIM, 0, 0.05);
  const codebook = vq.codebook.dataSync();
  const latent = tf.tensor4d(z, SHAPE);
  const result = vq.quantize(latent, { training: true });
  const digits = result.digits.dataSync();
  const nearest: number[] = [];
  for (let t = 0; t < TOKENS; t++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let j = 0; j < 16; j++) {
      let distance = 0;
      for (let k = 0; k < DIM; k++) distance += (z[t * DIM + k] - codebook[j * DIM + k]) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [j, distance];
    }
    nearest.push(best);
    assertEquals(digits[t], best, `token ${t}`);
  }
  const values = lossValues(result.losses);
  const squared = commitmentRef(
    z,
    (_, i) => codebook[nearest[Math.floor(i / DIM)] * DIM + (i % DIM)],
  );
  assertClose(values.codebook, squared, "codebook loss");
  assertClose(values.commitment, squared, "commitment loss");
  assertClose(values.total, 1.25 * squared, "total");
  tf.dispose([latent, result.codes, result.digits]);
  vq.dispose();
});

Deno.test("VqQuantizer gradients reach codebook and encoder", async () => {
  await useBackend("cpu");
  const vq = new VqQuantizer({ dim: DIM, codebookSize: 4, rng: new Rng(100) });
  const z = new Rng(101).normalArray(TOKENS * DIM, 0, 0.05);
  const latent = tf.tensor4d(z, SHAPE);
  const { value, grads } = tf.variableGrads(
    () => vq.quantize(latent, { training: true }).losses!.total,
    vq.trainableVariables(),
  );
  const codebook = vq.codebook.dataSync();
  const digits = vq.quantize(latent).digits.dataSync();
  // d/dE_j of mean((z - E_idx)^2) is 2/(T d) sum over tokens with idx = j of (E_j - z_t).
  const expected = new Float64Array(codebook.length);
  for (let t = 0; t < TOKENS; t++) {
    for (let k = 0; k < DIM; k++) {
      expected[digits[t] * DIM + k] += (2 / (TOKENS * DIM)) *
        (codebook[digits[t] * DIM + k] - z[t * DIM + k]);
    }
  }
  const actual = grads[vq.codebook.name].dataSync();
  expected.forEach((g, i) => assertClose(actual[i], g, `codebook gradient ${i}`, 1e-7, 1e-4));
  // Encoder side: the commitment term gives 0.25 * 2 (z - E_idx) / (T d).
  const encoder = tf.grad((x) => vq.quantize(x as tf.Tensor4D, { training: true }).losses!.total)(
    latent,
  ).dataSync();
  for (let i = 0; i < z.length; i++) {
    const e = codebook[digits[Math.floor(i / DIM)] * DIM + (i % DIM)];
    assertClose(
      encoder[i],
      (0.25 * 2 * (z[i] - e)) / (TOKENS * DIM),
      `encoder gradient ${i}`,
      1e-7,
      1e-4,
    );
  }
  tf.dispose([value, latent, ...Object.values(grads)]);
  vq.dispose();
});

Deno.test("LfqQuantizer total gradient matches differences", async () => {
  await useBackend("cpu");
  const z = smallLatent(102);
  const lfq = new LfqQuantizer({ dim: DIM });
  const gradient = tf.grad((x) => lfq.quantize(x as tf.Tensor4D, { training: true }).losses!.total)(
    tf.tensor4d(z, SHAPE),
  ).dataSync();
  const total = (x: Float64Array) => {
    const m = { data: Float64Array.from(x, (v) => (4 * v) / 0.01), tokens: TOKENS, bits: DIM };
    const commitment = commitmentRef(x, (v) => (v > 0 ? 1 : -1));
    return 0.1 * (perSampleEntropyRef(m) - bruteForceCodebookEntropy(m)) + 0.25 * commitment;
  };
  // Step 1e-7 in u is 4e-5 in the logits; no latent is that close to 0, so no sign flips.
  const expected = finiteDifferences(total, z, 1e-7);
  expected.forEach((g, i) => assertClose(gradient[i], g, `gradient ${i}`, 1e-3, 2e-3));
});

Deno.test("quantizers leak no tensors", async () => {
  await useBackend("cpu");
  const quantizers = [
    new LfqQuantizer({ dim: DIM }),
    new GqQuantizer({ dim: DIM, groups: 2, entropyMethod: "group-pooled" }),
    new BsqQuantizer({ dim: DIM }),
    new FsqQuantizer({ levels: [8, 5, 8, 5, 3, 2] }),
    new VqQuantizer({ dim: DIM, codebookSize: 8, rng: new Rng(103) }),
  ];
  const z = tf.tensor4d(smallLatent(104), SHAPE);
  for (const quantizer of quantizers) {
    const before = tf.memory().numTensors;
    const evaluation = quantizer.quantize(z);
    const training = quantizer.quantize(z, { training: true });
    const decoded = quantizer.indicesToCodes(await quantizer.codesToIndices(evaluation.codes));
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => {
      const result = quantizer.quantize(x as tf.Tensor4D, { training: true });
      return tf.add(result.losses!.total, tf.sum(result.codes)) as tf.Scalar;
    })(z);
    tf.dispose([
      evaluation.codes,
      evaluation.digits,
      training.codes,
      training.digits,
      decoded,
      value,
      grad,
    ]);
    tf.dispose(Object.values(training.losses!));
    assertEquals(tf.memory().numTensors, before, `${quantizer.kind} tensors`);
  }
  z.dispose();
  quantizers.forEach((q) => q.trainableVariables().forEach((v) => v.dispose()));
});

Deno.test("quantizers train an upstream variable", async () => {
  await useBackend("cpu");
  // An encoder stand-in: z = x * w with a trainable w, so every op between w
  // and the losses must have a gradient.
  const quantizers = [
    new LfqQuantizer({ dim: DIM }),
    new GqQuantizer({ dim: DIM, groups: 3, entropyMethod: "group-pooled" }),
    new BsqQuantizer({ dim: DIM }),
    new FsqQuantizer({ levels: [8, 5, 8, 5, 3, 2] }),
    new VqQuantizer({ dim: DIM, codebookSize: 8, rng: new Rng(105) }),
  ];
  const x = tf.tensor4d(smallLatent(106), SHAPE);
  const w = tf.variable(tf.fill([DIM], 1.5));
  for (const quantizer of quantizers) {
    const { value, grads } = tf.variableGrads(() => {
      const result = quantizer.quantize(tf.mul(x, w) as tf.Tensor4D, { training: true });
      return tf.add(result.losses!.total, tf.mean(result.codes)) as tf.Scalar;
    }, [w]);
    const gradient = grads[w.name].dataSync();
    assert(gradient.every(Number.isFinite), `${quantizer.kind}: gradient ${gradient}`);
    assert(gradient.some((g) => g !== 0), `${quantizer.kind}: gradient is all zero`);
    tf.dispose([value, ...Object.values(grads)]);
  }
  tf.dispose([x, w]);
  quantizers.forEach((q) => q.trainableVariables().forEach((v) => v.dispose()));
});

Deno.test("sign quantizers finite for latents times 1e3", async () => {
  await useBackend("cpu");
  const quantizers = [
    new LfqQuantizer({ dim: DIM }),
    new GqQuantizer({ dim: DIM, groups: 2 }),
    new GqQuantizer({ dim: DIM, groups: 3, entropyMethod: "group-pooled" }),
    new BsqQuantizer({ dim: DIM, kappa: 1e3 }),
  ];
  const z = tf.tensor4d(new Rng(107).normalArray(TOKENS * DIM, 0, 1e3), SHAPE);
  for (const quantizer of quantizers) {
    const label = `${quantizer.kind} ${quantizer.groups} groups`;
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) =>
      quantizer.quantize(x as tf.Tensor4D, { training: true }).losses!.total
    )(z);
    assert(Number.isFinite(value.dataSync()[0]), `${label}: total ${value.dataSync()[0]}`);
    const gradient = grad.dataSync();
    const bad = gradient.findIndex((g) => !Number.isFinite(g));
    assert(bad < 0, `${label}: gradient[${bad}] = ${gradient[bad]}`);
    tf.dispose([value, grad]);
  }
  z.dispose();
});
