/** Quantizer fixtures shared by the quantizer tests. */
import { Rng, tf } from "../../lib/engine/mod.ts";
import {
  BsqQuantizer,
  FsqQuantizer,
  GqQuantizer,
  LfqQuantizer,
  type Quantizer,
  VqQuantizer,
} from "../../lib/quantize/mod.ts";

/** Index widths, in bits per group, that the round-trip tests cover. */
export const WIDTHS = [1, 8, 31, 32, 40, 53, 64];

/** A quantizer with a label for messages. */
export interface Case {
  label: string;
  quantizer: Quantizer;
}

/**
 * Builds one quantizer of every kind whose group indices are `width` bits
 * wide (GQ with two groups of `width` bits, FSQ with `width` two-level
 * channels). VQ cannot hold 2^width codewords above 8 bits, so it joins only
 * at widths 1 and 8.
 */
export function casesOfWidth(width: number): Case[] {
  const cases: Case[] = [
    { label: `LFQ d = ${width}`, quantizer: new LfqQuantizer({ dim: width }) },
    { label: `GQ 2 x ${width}`, quantizer: new GqQuantizer({ dim: 2 * width, groups: 2 }) },
    { label: `BSQ d = ${width}`, quantizer: new BsqQuantizer({ dim: width }) },
    { label: `FSQ 2^${width}`, quantizer: new FsqQuantizer({ levels: new Array(width).fill(2) }) },
  ];
  if (width <= 8) {
    cases.push({
      label: `VQ K = 2^${width}`,
      quantizer: new VqQuantizer({ dim: 4, codebookSize: 2 ** width, rng: new Rng(width) }),
    });
  }
  return cases;
}

/** Mixed-radix quantizers: FSQ [8,8,8,5,5,5] (64,000 codes) and one above 2^53 codes. */
export function mixedRadixCases(): Case[] {
  return [
    { label: "FSQ [8,8,8,5,5,5]", quantizer: new FsqQuantizer({ levels: [8, 8, 8, 5, 5, 5] }) },
    {
      label: "FSQ 7^20 x 3^3",
      quantizer: new FsqQuantizer({ levels: [...new Array(20).fill(7), 3, 3, 3] }),
    },
  ];
}

/**
 * Latents `[2, 3, 2, d]` that exercise the edge patterns: random normals,
 * all zeros (every bit 0, code -1), all positive (every bit 1), and a
 * large-magnitude mix.
 */
export function latents(rng: Rng, dim: number): { label: string; z: tf.Tensor4D }[] {
  const shape: [number, number, number, number] = [2, 3, 2, dim];
  const size = 12 * dim;
  return [
    { label: "random", z: tf.tensor4d(rng.normalArray(size), shape) },
    { label: "all zeros", z: tf.zeros(shape) as tf.Tensor4D },
    { label: "all positive", z: tf.tensor4d(rng.uniformArray(size, 0.01, 3), shape) },
    { label: "large", z: tf.tensor4d(rng.normalArray(size, 0, 1e3), shape) },
  ];
}

/** Releases a quantizer's variables, if any. */
export function disposeQuantizer(q: Quantizer): void {
  for (const v of q.trainableVariables()) v.dispose();
}
