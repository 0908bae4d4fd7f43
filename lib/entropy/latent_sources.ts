/**
 * Latent sources for the entropy approximation-error study: seeded synthetic
 * latents `u` of shape `[tokens, d]` (float64, row-major) and their per-bit
 * logits `4 u / tau` of the soft code assignment (WeTok, arXiv 2508.05599).
 *
 * - `independent`: i.i.d. `N(0, std^2)` per bit. The bits of the generating
 *   distribution are independent, but the mean `pbar` of finitely many tokens
 *   is a mixture of products, so its total correlation is a finite-sample
 *   effect that shrinks as the token count grows.
 * - `factorial`: the zero-error control. With `L = min(d, floor(log2 N))`,
 *   token `t` takes, for each bit `k < L`, one of two values chosen by bit `k`
 *   of `t mod 2^L`, and a fixed value for the other bits. The tokens cover a
 *   full Cartesian product equally often, so `pbar` is exactly a product over
 *   the bits and every grouping has zero error.
 * - `correlated`: Gaussian latents with correlation `rho` between any two
 *   bits of the same block of `blockSize` consecutive bits and none across
 *   blocks (`u = sqrt(rho) z_block + sqrt(1 - rho) e`, times `std`).
 * - `mixture`: `clusters` centres drawn `N(0, 1)` per bit, each token a
 *   centre plus `N(0, spread^2)` noise.
 * - `file`: latents read from a raw little-endian float32 file of rows of `d`
 *   values, such as encoder outputs saved as `[tokens, d]`. A random subset of
 *   rows is drawn when the file has more rows than requested.
 *
 * {@link latentsFromArray} wraps latents that the caller already holds.
 */
import type { Rng } from "../engine/mod.ts";
import type { LogitMatrix } from "./reference.ts";

/** Independent Gaussian bits. */
export interface IndependentSource {
  kind: "independent";
  /** Standard deviation of every latent entry (default 1). */
  std?: number;
}

/** Cartesian-product design with an exactly factorising `pbar`. */
export interface FactorialSource {
  kind: "factorial";
  /** Standard deviation of the drawn latent values (default 1). */
  std?: number;
}

/** Gaussian latents correlated inside blocks of consecutive bits. */
export interface CorrelatedSource {
  kind: "correlated";
  /** Correlation `rho` in [0, 1) between two latent entries of one block. */
  correlation: number;
  /** Bits per block (default d, one block); must divide d. */
  blockSize?: number;
  /** Standard deviation of every latent entry (default 1). */
  std?: number;
}

/** Gaussian mixture of a few clusters. */
export interface MixtureSource {
  kind: "mixture";
  /** Number of cluster centres, at least 1. */
  clusters: number;
  /** Standard deviation of the noise around each centre (default 0.3). */
  spread?: number;
}

/** Latents saved in a file, such as the encoder outputs of a trained tokenizer. */
export interface FileSource {
  kind: "file";
  /** Path of a raw little-endian float32 file holding rows of `bits` values. */
  path: string;
  /** Values per row of the file, which must equal the d of the sweep. */
  bits: number;
  /** Short name for legends (default the file name). */
  label?: string;
}

/** Description of a latent source. */
export type LatentSource = IndependentSource | FactorialSource | CorrelatedSource | MixtureSource | FileSource;

/** Latents `[tokens, bits]`, row-major float64. */
export interface Latents {
  data: Float64Array;
  tokens: number;
  bits: number;
}

/** Formats a source as a short label for legends, such as `correlated rho=0.5 block=2`. */
export function describeSource(source: LatentSource): string {
  switch (source.kind) {
    case "independent":
      return `independent std=${source.std ?? 1}`;
    case "factorial":
      return `factorial std=${source.std ?? 1}`;
    case "correlated":
      return `correlated rho=${source.correlation}` +
        (source.blockSize === undefined ? "" : ` block=${source.blockSize}`);
    case "mixture":
      return `mixture of ${source.clusters} clusters, spread=${source.spread ?? 0.3}`;
    case "file":
      return source.label ?? `latents from ${source.path.split("/").pop()}`;
  }
}

/**
 * Draws `tokens` latents of `bits` entries from `source` with the seeded `rng`.
 * @throws RangeError when a size or a source parameter is invalid, naming it.
 */
export function drawLatents(source: LatentSource, tokens: number, bits: number, rng: Rng): Latents {
  if (!Number.isInteger(tokens) || tokens < 1) {
    throw new RangeError(`invalid token count ${tokens}: expected a positive integer`);
  }
  if (!Number.isInteger(bits) || bits < 1) {
    throw new RangeError(`invalid bit count ${bits}: expected a positive integer`);
  }
  const data = new Float64Array(tokens * bits);
  switch (source.kind) {
    case "independent": {
      const std = positive("std", source.std ?? 1);
      for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
      break;
    }
    case "factorial":
      fillFactorial(data, tokens, bits, positive("std", source.std ?? 1), rng);
      break;
    case "correlated":
      fillCorrelated(data, tokens, bits, source, rng);
      break;
    case "mixture":
      fillMixture(data, tokens, bits, source, rng);
      break;
    case "file":
      if (source.bits !== bits) {
        throw new RangeError(
          `invalid d = ${bits} for latent file ${source.path}: its rows contain ${source.bits} ` +
            `values; use the file only in sweeps at d = ${source.bits}`,
        );
      }
      fillFromFile(data, tokens, bits, source.path, rng);
      break;
    default:
      throw new RangeError(
        `unknown latent source kind "${(source as { kind: string }).kind}": expected independent, ` +
          `factorial, correlated, mixture or file`,
      );
  }
  return { data, tokens, bits };
}

function fillFactorial(data: Float64Array, tokens: number, bits: number, std: number, rng: Rng): void {
  const varying = Math.min(bits, Math.floor(Math.log2(tokens)));
  const cell = 2 ** varying;
  if (tokens % cell !== 0) {
    throw new RangeError(
      `invalid token count ${tokens} for the factorial source with d = ${bits}: expected a power ` +
        `of two, or a multiple of 2^${bits}, so that the tokens cover a full Cartesian product equally often`,
    );
  }
  const levels = Array.from({ length: bits }, () => [std * rng.normal(), std * rng.normal()]);
  for (let t = 0; t < tokens; t++) {
    const combination = t % cell;
    for (let k = 0; k < bits; k++) {
      const level = k < varying ? Math.floor(combination / 2 ** k) % 2 : 0;
      data[t * bits + k] = levels[k][level];
    }
  }
}

function fillCorrelated(
  data: Float64Array,
  tokens: number,
  bits: number,
  source: CorrelatedSource,
  rng: Rng,
): void {
  const rho = source.correlation;
  if (!(Number.isFinite(rho) && rho >= 0 && rho < 1)) {
    throw new RangeError(`invalid correlation ${rho}: expected a number in [0, 1)`);
  }
  const block = source.blockSize ?? bits;
  if (!Number.isInteger(block) || block < 1 || bits % block !== 0) {
    throw new RangeError(
      `invalid blockSize ${block} for d = ${bits}: expected a positive divisor of ${bits}`,
    );
  }
  const std = positive("std", source.std ?? 1);
  const shared = Math.sqrt(rho);
  const own = Math.sqrt(1 - rho);
  for (let t = 0; t < tokens; t++) {
    for (let b0 = 0; b0 < bits; b0 += block) {
      const z = rng.normal();
      for (let k = b0; k < b0 + block; k++) data[t * bits + k] = std * (shared * z + own * rng.normal());
    }
  }
}

function fillMixture(data: Float64Array, tokens: number, bits: number, source: MixtureSource, rng: Rng): void {
  const clusters = source.clusters;
  if (!Number.isInteger(clusters) || clusters < 1) {
    throw new RangeError(`invalid cluster count ${clusters}: expected a positive integer`);
  }
  const spread = source.spread ?? 0.3;
  if (!(Number.isFinite(spread) && spread >= 0)) {
    throw new RangeError(`invalid spread ${spread}: expected a finite number of at least 0`);
  }
  const centres = Array.from({ length: clusters }, () => Array.from({ length: bits }, () => rng.normal()));
  for (let t = 0; t < tokens; t++) {
    const centre = centres[rng.int(clusters)];
    for (let k = 0; k < bits; k++) data[t * bits + k] = centre[k] + spread * rng.normal();
  }
}

function fillFromFile(data: Float64Array, tokens: number, bits: number, path: string, rng: Rng): void {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    throw new Error(`failed to read latents from ${path}: ${(err as Error).message}`, { cause: err });
  }
  const rowBytes = 4 * bits;
  if (bytes.length % rowBytes !== 0) {
    throw new RangeError(
      `latent file ${path} has ${bytes.length} bytes, not a multiple of ${rowBytes} (rows of ` +
        `d = ${bits} float32 values); check d or the file layout`,
    );
  }
  const rows = bytes.length / rowBytes;
  if (rows < tokens) {
    throw new RangeError(`latent file ${path} has ${rows} rows, fewer than the ${tokens} tokens requested`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chosen = rows === tokens ? Array.from({ length: rows }, (_, i) => i) : rng.permutation(rows).slice(0, tokens);
  for (let t = 0; t < tokens; t++) {
    for (let k = 0; k < bits; k++) {
      const value = view.getFloat32(chosen[t] * rowBytes + 4 * k, true);
      if (!Number.isFinite(value)) {
        throw new RangeError(`latent file ${path}: value ${value} at row ${chosen[t]}, entry ${k} is not finite`);
      }
      data[t * bits + k] = value;
    }
  }
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`invalid ${name} ${value}: expected a finite number above 0`);
  }
  return value;
}

/**
 * Wraps latents produced elsewhere, such as encoder outputs reshaped to
 * `[tokens, d]`, after checking their size and values.
 * @throws RangeError when the length does not match or a value is not finite.
 */
export function latentsFromArray(data: ArrayLike<number>, tokens: number, bits: number): Latents {
  if (!Number.isInteger(tokens) || tokens < 1 || !Number.isInteger(bits) || bits < 1) {
    throw new RangeError(`invalid size ${tokens} tokens x ${bits} bits: expected positive integers`);
  }
  if (data.length !== tokens * bits) {
    throw new RangeError(
      `latents have ${data.length} values, expected tokens x bits = ${tokens * bits}; ` +
        `reshape the encoder output to [-1, d] first`,
    );
  }
  const copy = Float64Array.from(data);
  const bad = copy.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`latent value ${copy[bad]} at index ${bad} is not finite`);
  return { data: copy, tokens, bits };
}

// Encoder latents of a trained tokenizer: experiments/entropy-real-latents.json (written by bin/export_latents.ts).

/**
 * Computes the per-bit logits `4 u / tau` of the soft assignment
 * `softmax_c(2 <u, c> / tau)` (LFQ), as a float64 matrix.
 * @param temperature `tau`, positive (the official WeTok value is 0.01).
 */
export function latentLogits(latents: Latents, temperature: number): LogitMatrix {
  positive("temperature", temperature);
  const scale = 4 / temperature;
  return { data: latents.data.map((v) => v * scale), tokens: latents.tokens, bits: latents.bits };
}

/**
 * Returns the Pearson correlation of latent entries `i` and `j` over the
 * tokens, for checking a source.
 */
export function sampleCorrelation(latents: Latents, i: number, j: number): number {
  const { data, tokens, bits } = latents;
  let mi = 0, mj = 0;
  for (let t = 0; t < tokens; t++) {
    mi += data[t * bits + i];
    mj += data[t * bits + j];
  }
  mi /= tokens;
  mj /= tokens;
  let sij = 0, sii = 0, sjj = 0;
  for (let t = 0; t < tokens; t++) {
    const x = data[t * bits + i] - mi;
    const y = data[t * bits + j] - mj;
    sij += x * y;
    sii += x * x;
    sjj += y * y;
  }
  return sij / Math.sqrt(sii * sjj);
}
